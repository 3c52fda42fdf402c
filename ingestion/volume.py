"""Trailing volume statistics per file (inputs of the gate's volume expectation)."""

from __future__ import annotations

import statistics
from collections import defaultdict

HOLD_SHARE = 0.30
MIN_MEDIAN = 20
MIN_PRIOR = 3
TRAILING = 6


def is_volume_hold(rows_read: int, median: float | None, prior: int) -> bool:
    return (
        median is not None
        and prior >= MIN_PRIOR
        and median >= MIN_MEDIAN
        and rows_read < HOLD_SHARE * median
    )


def trailing_stats(
    files: list[dict[str, object]],
    history: list[tuple[str, str, str, int]],
) -> dict[str, tuple[float | None, int]]:
    """file_path -> (median of the last 6 loaded periods before it, number of earlier periods).

    `history` = (dealer, feed, period, rows) of files already loaded. Files of this batch are
    taken in period order; an earlier one counts as loaded unless rejected or volume-held.
    """
    loaded: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for dealer, feed, period, rows in history:
        loaded[(dealer, feed)][period] = int(rows)
    out: dict[str, tuple[float | None, int]] = {}
    ordered = sorted(files, key=lambda f: (str(f["dealer_code"]), str(f["feed"]), str(f["period"])))
    for f in ordered:
        key = (str(f["dealer_code"]), str(f["feed"]))
        period = str(f["period"])
        prior = sorted(p for p in loaded[key] if p < period)
        last = [loaded[key][p] for p in prior[-TRAILING:]]
        median = float(statistics.median(last)) if last else None
        out[str(f["file_path"])] = (median, len(prior))
        rows = int(f["rows_read"])  # type: ignore[call-overload]
        if not f.get("rejected") and not is_volume_hold(rows, median, len(prior)):
            loaded[key][period] = rows
    return out
