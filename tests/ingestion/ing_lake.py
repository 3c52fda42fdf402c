"""Small readers of the lake and control DB used by the ingestion tests."""

from __future__ import annotations

import sqlite3

import pandas as pd

from ingestion.lake_read import read_current
from ingestion.landing import QUARANTINE
from ingestion.settings import Settings


def ledger(settings: Settings) -> pd.DataFrame:
    with sqlite3.connect(settings.control_db) as conn:
        return pd.read_sql_query("SELECT rowid AS seq, * FROM file_ledger ORDER BY rowid", conn)


def landed(settings: Settings, feed: str, dealer: str, period: str) -> pd.DataFrame:
    return read_current(settings.lake, feed, partitions=[(dealer, period)]).to_pandas()


def quarantine(settings: Settings, feed: str, dealer: str, period: str) -> pd.DataFrame:
    return read_current(
        settings.lake, feed, area=QUARANTINE, partitions=[(dealer, period)]
    ).to_pandas()


def pointer(settings: Settings, area: str, feed: str, dealer: str, period: str) -> str | None:
    """The part file holding the partition's current rows ("" when it has none); None when
    the lake has no such partition."""
    if not settings.control_db.exists():
        return None
    with sqlite3.connect(settings.control_db) as conn:
        row = conn.execute(
            "SELECT part FROM lake_partitions WHERE area = ? AND feed = ? AND dealer_code = ? "
            "AND period = ?",
            (area, feed, dealer, period),
        ).fetchone()
    return None if row is None else (row[0] or "")


def rules_by_row(q: pd.DataFrame) -> dict[int, str]:
    return {int(r): str(rule) for r, rule in zip(q["_source_row"], q["rule_id"], strict=True)}
