"""CSV fast path: a well-formed export parsed by Arrow's CSV reader straight into columns.

Returns None whenever the file needs the row-by-row reader (title rows with quotes or
blank lines, trailing header cells, total-row markers, a truncated quote, or any record of
the wrong width), and for small files, where the csv module is faster: that reader then
applies the full rules, so both paths give the same table. A monthly export that is clean
takes one C++ parse instead of a Python call per record and per cell.
"""

from __future__ import annotations

import csv
import io
import re

import pyarrow as pa
import pyarrow.csv as pacsv

from ingestion.normalize import normalize_header
from ingestion.readers.base import RawTable
from ingestion.readers.table_shape import HEADER_SCAN_ROWS, detect_header_row

# Below this body size Python's csv module is faster than a call into Arrow (fixed cost
# ~0.3 ms): measured crossover about 150-250 repair-order lines.
SMALL_BODY_BYTES = 24_000


class _Invalid:
    """Invalid-row handler that only remembers whether it was called."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, row: object) -> str:
        self.seen = True
        return "skip"


def _has_total_row(body: str, delimiter: str, markers: tuple[str, ...]) -> bool:
    """Could a record's first non-blank cell start with a total-row marker? (A false alarm
    only sends the file to the row-by-row reader, which decides exactly.)"""
    if not markers or not any(m in body for m in markers):
        return False
    blank = r'[\s"]*'
    start = rf"(?m)^(?:{blank}{re.escape(delimiter)})*{blank}"
    return re.search(start + "(?:" + "|".join(map(re.escape, markers)) + ")", body) is not None


def _header_records(lines: list[str], quotechar: str, delimiter: str) -> list[list[str]] | None:
    records = []
    for line in lines:
        line = line.rstrip("\r")
        if not line.strip() or quotechar in line:
            return None
        records.append(next(csv.reader([line], delimiter=delimiter, quotechar=quotechar)))
    return records


def read_csv_columnar(
    text: str,
    delimiter: str = ",",
    quotechar: str = '"',
    header_row: int | None = 1,
    header_hints: frozenset[str] = frozenset(),
    total_markers: tuple[str, ...] = (),
) -> RawTable | None:
    if not text.strip() or text.count(quotechar) % 2 == 1:
        return None
    if text.count("\r") != text.count("\r\n"):
        return None  # CR-only line ends (old Mac exports), alone or mixed: csv module
    scan = (header_row - 1) if header_row else HEADER_SCAN_ROWS - 1
    parts = text.split("\n", scan + 1)
    lines = parts[: scan + 1]
    if len(parts) <= scan + 1:  # the whole file is within the scanned lines
        while lines and not lines[-1].strip():
            lines.pop()
    head = _header_records(lines, quotechar, delimiter)
    if head is None or not head or (header_row and len(head) < scan + 1):
        return None  # blank, quoted or missing lines above the body: row-by-row reader
    h = scan if header_row else detect_header_row(head, header_hints)
    cells = head[h]
    header = [normalize_header(c) for c in cells]
    if not header or header[-1] == "" or len(set(header)) != len(header):
        return None
    body = "\n".join(parts[h + 1 :]) if len(parts) > h + 1 else ""
    if len(body) < SMALL_BODY_BYTES or _has_total_row(body, delimiter, total_markers):
        return None
    names = [f"c{i}" for i in range(len(header))]
    invalid = _Invalid()
    table = pacsv.read_csv(
        io.BytesIO(body.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char=quotechar,
            newlines_in_values=True,
            invalid_row_handler=invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if invalid.seen:
        return None
    return RawTable(header=header, rows=[], columns=table, header_row=h + 1)
