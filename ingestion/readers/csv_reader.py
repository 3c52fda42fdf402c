"""CSV text -> RawTable with header detection, total-row removal and malformed-row marks."""

from __future__ import annotations

import csv
import io

from ingestion.readers.base import FileReadError, RawTable
from ingestion.readers.table_shape import finish_table

csv.field_size_limit(2**31 - 1)  # a long free-text field is data, not a parse error


def _blank(record: list[str]) -> bool:
    """An empty line, or a line of spaces only, is not a record."""
    return not record or (len(record) == 1 and not record[0].strip())


def _swallowed_records(cells: list[str], delimiter: str) -> int:
    """Lines inside an unterminated quoted field that look like whole records (they hold
    the delimiter): a quote opened mid-file and never closed, not a truncated last record."""
    lines = [line for cell in cells for line in cell.splitlines()[1:]]
    return sum(1 for line in lines if delimiter in line)


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
    records: list[list[str]] = []
    last_start = next_start = 1  # physical line where the (last) record began
    try:
        for record in reader:
            if not _blank(record):
                records.append(record)
                last_start = next_start
            next_start = reader.line_num + 1
    except csv.Error as exc:  # pragma: no cover - non-strict reader rarely raises
        raise FileReadError("unparseable", f"CSV cannot be parsed: {exc}") from exc
    truncated = text.count(quotechar) % 2 == 1
    if truncated and records:
        swallowed = _swallowed_records(records[-1], delimiter)
        if swallowed:
            raise FileReadError(
                "unparseable",
                f"a quote opened on line {last_start} is never closed: it swallows the "
                f"{swallowed} record(s) after it; fix the quoting and resend the file",
            )
    return finish_table(records, header_row, header_hints, total_markers, truncated_last=truncated)
