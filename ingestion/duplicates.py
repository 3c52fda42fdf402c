"""Within-file duplicates: identical copies -> 'duplicate'; same key, other values -> conflict."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingestion.contracts import FEEDS


def classify_duplicates(feed: str, text: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(is_identical_later_copy, is_conflicting) per row of the canonical text frame."""
    cols = FEEDS[feed].column_names
    ok = ~text["_malformed"].to_numpy(dtype=bool)
    identical = np.zeros(len(text), dtype=bool)
    conflict = np.zeros(len(text), dtype=bool)
    if not ok.any():
        return identical, conflict
    sub = text.loc[ok, ["_file_idx", *cols]]
    identical[ok] = sub.duplicated(keep="first").to_numpy()
    key = ["_file_idx", *FEEDS[feed].key]
    rest = ok & ~identical
    keyed = text.loc[rest, key]
    has_key = keyed.notna().all(axis=1).to_numpy()
    dup_key = keyed.duplicated(keep=False).to_numpy() & has_key
    conflict[np.flatnonzero(rest)[dup_key]] = True
    return identical, conflict
