"""The ingestion clock: dealer exports carry local (China Standard Time) wall-clock times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

DATA_ZONE = ZoneInfo("Asia/Shanghai")


def local_now() -> pd.Timestamp:
    """Now in the dealers' zone, naive like the timestamps of the exports."""
    return pd.Timestamp(dt.datetime.now(DATA_ZONE).replace(tzinfo=None))
