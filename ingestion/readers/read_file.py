"""Dispatch one file's bytes to the reader its dialect profile names."""

from __future__ import annotations

from ingestion.normalize import marker_variants
from ingestion.readers.base import FileReadError, RawTable
from ingestion.readers.csv_columnar import read_csv_columnar
from ingestion.readers.csv_reader import read_csv_text
from ingestion.readers.decode import decode_bytes
from ingestion.readers.xlsx_reader import read_xlsx_bytes
from ingestion.registry.schema import DialectProfile

XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive


def content_format(data: bytes) -> str:
    """'xlsx' when the bytes are a workbook (whatever the file is called), else 'csv'."""
    return "xlsx" if data.startswith(XLSX_MAGIC) else "csv"


def read_raw_table(
    data: bytes, profile: DialectProfile, hints: frozenset[str], columnar: bool = False
) -> RawTable:
    """One file as a RawTable; `columnar` lets a clean CSV take the Arrow fast path."""
    if not data:
        raise FileReadError("empty_file", "file is empty (0 bytes): no header row")
    markers = marker_variants(profile.total_row_markers)
    if profile.format == "xlsx" or content_format(data) == "xlsx":
        return read_xlsx_bytes(data, profile.header_row, hints, markers)
    text, used = decode_bytes(data, profile.encoding)
    args = (text, profile.delimiter, profile.quotechar, profile.header_row, hints, markers)
    table = (read_csv_columnar(*args) if columnar else None) or read_csv_text(*args)
    table.encoding = used
    return table
