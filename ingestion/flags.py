"""Load-and-flag rules of the feed contracts: the row loads, and `dq_flags` names what it raised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingestion.contract.checks import CheckContext, any_failure
from ingestion.contracts import FEEDS


def compute_flags(feed: str, rows: pd.DataFrame, now: pd.Timestamp | None = None) -> pd.Series:
    """`;`-separated flag ids per row ('' when none), in the contract's order."""
    contract = FEEDS[feed]
    ctx = CheckContext(now=now if now is not None else pd.Timestamp.now())
    out = np.full(len(rows), "", dtype=object)
    for spec in contract.flags:
        m = any_failure(rows, spec, contract, ctx).to_numpy(dtype=bool)
        if m.any():
            out[m] = np.where(out[m] == "", spec.id, out[m] + ";" + spec.id)
    return pd.Series(out, index=rows.index, dtype=object)
