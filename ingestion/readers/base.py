"""The reader result shared by all formats."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa


class FileReadError(Exception):
    """The file cannot be read as a table; the whole file is rejected with `reason`."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


@dataclass
class RawTable:
    """Header and data records of one file, every cell as text ('' = blank).

    The records are either `rows` (row-by-row readers) or `columns`, an Arrow table of
    string columns in header order (the CSV fast path); `num_rows` counts either.
    """

    header: list[str]
    rows: list[list[str]]
    malformed: set[int] = field(default_factory=set)  # 0-based indexes into rows
    encoding: str = ""
    header_row: int = 1  # 1-based physical row of the header
    columns: pa.Table | None = None
    total_rows: list[list[str]] = field(default_factory=list)  # removed total-row records

    @property
    def num_rows(self) -> int:
        return self.columns.num_rows if self.columns is not None else len(self.rows)

    def column_arrays(self) -> list[pa.ChunkedArray | pa.Array]:
        """One string array per header column (built from `rows` when read row by row)."""
        if self.columns is not None:
            return list(self.columns.columns)
        width = len(self.header)
        cells = list(zip(*self.rows, strict=True)) if self.rows else [() for _ in range(width)]
        return [pa.array(c, pa.string()) for c in cells]
