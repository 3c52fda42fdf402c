"""Dispatch one file's bytes to the reader its content calls for (workbook or CSV text)."""

from __future__ import annotations

from ingestion.readers.base import FileReadError, RawTable
from ingestion.readers.csv_columnar import read_csv_columnar
from ingestion.readers.csv_reader import read_csv_text
from ingestion.readers.decode import decode_bytes
from ingestion.readers.sniff import sniff
from ingestion.readers.xlsx_reader import read_xlsx_bytes
from ingestion.registry.schema import DialectProfile


def read_raw_table(
    data: bytes, profile: DialectProfile, hints: frozenset[str], columnar: bool = False
) -> RawTable:
    """One file as a RawTable; `columnar` lets a clean CSV take the Arrow fast path.

    The format is recognised from the content, not from the profile or the file name: a
    workbook sent by a CSV dealer is read as a workbook (and a CSV export from a workbook
    dealer as CSV text), both through the same profile's header mapping; anything else
    binary is rejected naming what it is."""
    if not data:
        raise FileReadError("empty_file", "file is empty (0 bytes): no header row")
    markers = tuple(profile.total_row_markers)
    if sniff(data) == "xlsx":
        header_row = profile.header_row if profile.format == "xlsx" else None
        return read_xlsx_bytes(data, header_row, hints, markers)
    text, used = decode_bytes(data, profile.encoding)
    header_row = profile.header_row if profile.format == "csv" else None
    args = (text, profile.delimiter, profile.quotechar, header_row, hints, markers)
    table = (read_csv_columnar(*args) if columnar else None) or read_csv_text(*args)
    table.encoding = used
    return table
