"""Readers: bytes of one dealer export -> header + text records (no typing, no mapping)."""

from ingestion.readers.base import FileReadError, RawTable
from ingestion.readers.read_file import read_raw_table

__all__ = ["FileReadError", "RawTable", "read_raw_table"]
