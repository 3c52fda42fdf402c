"""The dealer history a file is judged against.

- Volume: rows read by the dealer's earlier loaded files of the feed (the ledger), the
  median of the last ``volume_hold.trailing_periods`` of them and how many there are.
- Distribution: the landed rows of the dealer's last ``distribution.trailing_periods``
  periods before the file, read from the lake (only the columns the checks use).

Files of the same batch are taken in period order: an earlier one counts as loaded unless it
was rejected before the gate or its volume will be held (``volume_held``, the volume
expectation's rule; ``tests/quality/test_quality_volume_thresholds.py`` checks that both
agree).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ingestion.contracts import VolumeHold, contract
from ingestion.lake_read import read_current

History = list[tuple[str, str, str, int]]  # (dealer_code, feed, period, rows_read) loaded


def volume_held(rule: VolumeHold, rows_read: int, median: float | None, prior: int) -> bool:
    """Whether the volume expectation holds a file (its suite entry, in Python)."""
    return (
        median is not None
        and prior >= rule.min_periods
        and median >= rule.min_median
        and rows_read < rule.share * median
    )


def trailing_volume(
    feed: str, files: list[dict[str, object]], history: History
) -> dict[str, tuple[float | None, int]]:
    """file_path -> (median rows_read of the dealer's last loaded periods before the file,
    number of earlier loaded periods). Without a volume rule (complaints) the median is None.

    ``history``: files already loaded (not of this batch).
    """
    rules = contract(feed).file_rules
    rule = rules.volume_hold if rules else None
    loaded: dict[str, dict[str, int]] = defaultdict(dict)
    for dealer, _feed, period, rows in history:
        loaded[dealer][period] = int(rows)
    out: dict[str, tuple[float | None, int]] = {}
    for f in sorted(files, key=lambda f: (str(f["dealer_code"]), str(f["period"]))):
        dealer, period = str(f["dealer_code"]), str(f["period"])
        prior = sorted(p for p in loaded[dealer] if p < period)
        median = None
        if rule is not None and prior:
            last = [loaded[dealer][p] for p in prior[-rule.trailing_periods :]]
            median = float(statistics.median(last))
        out[str(f["file_path"])] = (median, len(prior))
        rows = int(f["rows_read"])  # type: ignore[call-overload]
        held = rule is not None and volume_held(rule, rows, median, len(prior))
        if not f.get("rejected") and not held:
            loaded[dealer][period] = rows
    return out


def history_partitions(
    feed: str, files: Iterable[tuple[str, str]], history: History
) -> list[tuple[str, str]]:
    """(dealer, period) of the landed periods the distribution checks of ``files`` (dealer,
    period) compare with: per file, the dealer's last ``trailing_periods`` earlier periods
    among those loaded and those of the batch (only the loaded ones need reading)."""
    rules = contract(feed).file_rules
    shifts = rules.distribution if rules else None
    files = list(files)
    if shifts is None or not files:
        return []
    loaded: dict[str, set[str]] = defaultdict(set)
    for dealer, _feed, period, _rows in history:
        loaded[dealer].add(period)
    batch: dict[str, set[str]] = defaultdict(set)
    for dealer, period in files:
        batch[dealer].add(period)
    wanted: set[tuple[str, str]] = set()
    for dealer, period in files:
        earlier = sorted(p for p in loaded[dealer] | batch[dealer] if p < period)
        wanted.update(
            (dealer, p) for p in earlier[-shifts.trailing_periods :] if p in loaded[dealer]
        )
    return sorted(wanted)


def landed_history(lake: Path, feed: str, partitions: list[tuple[str, str]]) -> pd.DataFrame:
    """Current landed rows of the given (dealer, period) partitions: ``dealer_code, period``
    and the columns of the feed's distribution checks. Missing partitions are skipped."""
    rules = contract(feed).file_rules
    shifts = rules.distribution if rules else None
    if shifts is None or not partitions:
        return pd.DataFrame(columns=["dealer_code", "period"])
    columns = sorted({s.column for s in shifts.mix} | {s.column for s in shifts.mean})
    table = read_current(
        lake, feed, columns=["dealer_code", "period", *columns], partitions=partitions
    )
    return table.to_pandas()
