"""Small readers of the lake and control DB used by the ingestion tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from ingestion.settings import Settings


def ledger(settings: Settings) -> pd.DataFrame:
    with sqlite3.connect(settings.control_db) as conn:
        return pd.read_sql_query("SELECT rowid AS seq, * FROM file_ledger ORDER BY rowid", conn)


def landed(settings: Settings, feed: str, dealer: str, period: str) -> pd.DataFrame:
    path = (
        settings.landed_dir / feed / f"dealer_code={dealer}" / f"period={period}" / "data.parquet"
    )
    return pd.read_parquet(path)


def quarantine(settings: Settings, feed: str, dealer: str, period: str) -> pd.DataFrame:
    path = (
        settings.quarantine_dir
        / feed
        / f"dealer_code={dealer}"
        / f"period={period}"
        / "data.parquet"
    )
    return (
        pd.read_parquet(path)
        if Path(path).exists()
        else pd.DataFrame(columns=["_source_row", "rule_id", "reason"])
    )


def rules_by_row(q: pd.DataFrame) -> dict[int, str]:
    return {int(r): str(rule) for r, rule in zip(q["_source_row"], q["rule_id"], strict=True)}
