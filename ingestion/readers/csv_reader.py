"""CSV text -> RawTable with header detection, total-row removal and malformed-row marks."""

from __future__ import annotations

import csv
import io

from ingestion.readers.base import FileReadError, RawTable
from ingestion.readers.table_shape import finish_table


def read_csv_text(
    text: str,
    delimiter: str = ",",
    quotechar: str = '"',
    header_row: int | None = 1,
    header_hints: frozenset[str] = frozenset(),
    total_markers: tuple[str, ...] = (),
) -> RawTable:
    if not text.strip():
        raise FileReadError("empty_file", "file has no header row (0 bytes or blank)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    try:
        records = [r for r in reader if r]
    except csv.Error as exc:  # pragma: no cover - non-strict reader rarely raises
        raise FileReadError("unparseable", f"CSV cannot be parsed: {exc}") from exc
    truncated = text.count(quotechar) % 2 == 1
    return finish_table(records, header_row, header_hints, total_markers, truncated_last=truncated)
