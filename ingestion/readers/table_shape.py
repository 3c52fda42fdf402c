"""Shared shaping: find the header, drop title/total rows, mark records of the wrong width."""

from __future__ import annotations

from ingestion.normalize import normalize_header, normalize_label
from ingestion.readers.base import FileReadError, RawTable

HEADER_SCAN_ROWS = 10


def detect_header_row(records: list[list[str]], hints: frozenset[str]) -> int:
    """0-based index of the row that looks most like a header (most known header names)."""
    if not hints:
        return 0
    best, best_score = 0, -1
    for i, rec in enumerate(records[:HEADER_SCAN_ROWS]):
        score = sum(1 for cell in rec if normalize_header(cell) in hints)
        if score > best_score:
            best, best_score = i, score
    return best


def _is_total_row(rec: list[str], markers: tuple[str, ...]) -> bool:
    """Does the first non-blank cell start with one of the (normalised) markers? Cells are
    compared in normalised form, so 合計 matches 合计 and full-width spellings match."""
    for cell in rec:
        value = cell.strip()
        if value:
            return normalize_label(value).startswith(markers)
    return False


def finish_table(
    records: list[list[str]],
    header_row: int | None,
    hints: frozenset[str],
    total_markers: tuple[str, ...],
    truncated_last: bool = False,
) -> RawTable:
    if not records:
        raise FileReadError("empty_file", "file has no header row")
    h = (header_row - 1) if header_row else detect_header_row(records, hints)
    if h >= len(records):
        raise FileReadError("no_header", f"header row {h + 1} is beyond the end of the file")
    header = [normalize_header(c) for c in records[h]]
    while header and header[-1] == "":
        header.pop()
    seen: set[str] = set()
    dupes = sorted({c for c in header if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if dupes:
        raise FileReadError(
            "duplicate_header", f"duplicate column names in header: {', '.join(dupes)}"
        )
    if not header:
        raise FileReadError("no_header", "header row is empty")
    width = len(header)
    body = records[h + 1 :]
    totals: list[list[str]] = []
    if total_markers:
        kept = []
        markers = tuple({normalize_label(m): None for m in total_markers})
        for r in body:
            (totals if _is_total_row(r, markers) else kept).append(r)
        body = kept
    malformed: set[int] = set()
    rows: list[list[str]] = []
    for i, rec in enumerate(body):
        n = len(rec)
        if n != width:
            if n > width and not any(c.strip() for c in rec[width:]):
                rec = rec[:width]
            else:
                malformed.add(i)
                rec = (rec + [""] * width)[:width]
        rows.append(rec)
    if truncated_last and rows:
        malformed.add(len(rows) - 1)
    return RawTable(
        header=header, rows=rows, malformed=malformed, header_row=h + 1, total_rows=totals
    )
