"""Load-and-flag rules: promised time, odometer rollback, phone and plate validity."""

from __future__ import annotations

import numpy as np
import pandas as pd

ODOMETER_TOLERANCE_KM = 50


def _odometer_rollback(rows: pd.DataFrame) -> pd.Series:
    """Odometer below the VIN's earlier maximum (by arrival, within this batch) by > 50 km."""
    sub = rows[["vin", "arrived_at", "odometer_km"]].dropna(subset=["vin", "arrived_at"])
    sub = sub.sort_values(["vin", "arrived_at"], kind="stable")
    odo = sub["odometer_km"].astype("float64")
    running = odo.groupby(sub["vin"]).cummax()
    prior_max = running.groupby(sub["vin"]).shift(1)
    # visits at the same minute are not "earlier" than each other
    prior_max = prior_max.groupby([sub["vin"], sub["arrived_at"]]).transform("first")
    flagged = (odo < prior_max - ODOMETER_TOLERANCE_KM).fillna(False)
    out = pd.Series(False, index=rows.index)
    out.loc[flagged.index] = flagged.to_numpy(dtype=bool)
    return out


def compute_flags(feed: str, rows: pd.DataFrame) -> pd.Series:
    """`;`-separated flag ids per row ('' when none)."""
    flags: list[tuple[str, pd.Series]] = []
    if feed == "repair_orders":
        flags.append(("promised_missing", rows["promised_at"].isna()))
        flags.append(
            ("promised_before_arrival", (rows["promised_at"] < rows["arrived_at"]).fillna(False))
        )
        flags.append(("odometer_rollback", _odometer_rollback(rows)))
    if "customer_phone" in rows:
        flags.append(
            ("phone_invalid", rows["customer_phone__raw"].notna() & rows["customer_phone"].isna())
        )
    if "plate_no" in rows:
        flags.append(("plate_invalid", rows["plate_no__raw"].notna() & rows["plate_no"].isna()))
    out = np.full(len(rows), "", dtype=object)
    for name, mask in flags:
        m = mask.to_numpy(dtype=bool)
        if m.any():
            out[m] = np.where(out[m] == "", name, out[m] + ";" + name)
    return pd.Series(out, index=rows.index, dtype=object)
