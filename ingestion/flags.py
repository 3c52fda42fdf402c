"""Load-and-flag rules of the feed contracts: the row loads, and `dq_flags` names what it raised."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.contract.checks import ROLLBACK_COLUMNS, CheckContext, any_failure
from ingestion.contracts import FEEDS
from ingestion.lake_read import read_current


def compute_flags(
    feed: str,
    rows: pd.DataFrame,
    now: pd.Timestamp | None = None,
    history: pd.DataFrame | None = None,
) -> pd.Series:
    """`;`-separated flag ids per row ('' when none), in the contract's order. `history`:
    earlier landed rows the history-aware flags compare with (``landed_rollback_history``)."""
    contract = FEEDS[feed]
    ctx = CheckContext(now=now if now is not None else pd.Timestamp.now(), history=history)
    out = np.full(len(rows), "", dtype=object)
    for spec in contract.flags:
        m = any_failure(rows, spec, contract, ctx).to_numpy(dtype=bool)
        if m.any():
            out[m] = np.where(out[m] == "", spec.id, out[m] + ";" + spec.id)
    return pd.Series(out, index=rows.index, dtype=object)


def needs_history(feed: str) -> bool:
    return any(spec.check == "odometer_rollback" for spec in FEEDS[feed].flags)


def landed_rollback_history(
    lake: Path, feed: str, vins: Iterable[str], replaced: set[tuple[str, str]]
) -> pd.DataFrame | None:
    """ROLLBACK_COLUMNS of the current landed rows of `vins`, all dealers, except the
    (dealer, period) partitions this batch replaces; None when the feed has no such flag."""
    if not needs_history(feed):
        return None
    wanted = {v for v in vins if isinstance(v, str)}
    if not wanted:
        return None
    table = read_current(lake, feed, columns=ROLLBACK_COLUMNS, exclude=replaced, vins=wanted)
    return table.to_pandas() if table.num_rows else None
