"""The reader result shared by all formats."""

from __future__ import annotations

from dataclasses import dataclass, field


class FileReadError(Exception):
    """The file cannot be read as a table; the whole file is rejected with `reason`."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason


@dataclass
class RawTable:
    """Header and data records of one file, every cell as text ('' = blank)."""

    header: list[str]
    rows: list[list[str]]
    malformed: set[int] = field(default_factory=set)  # 0-based indexes into rows
    encoding: str = ""
    header_row: int = 1  # 1-based physical row of the header
