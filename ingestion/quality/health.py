"""Feed health per dealer x feed, computed straight from the control DB (the same view as
the warehouse mart ``rpt_feed_health``, available before any warehouse build)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ingestion.quality.control_db import connect, table_exists
from ingestion.quality.freshness import (
    FreshnessConfig,
    closed_periods,
    due_date,
    latest_due_period,
    load_config,
    shift_period,
)
from ingestion.settings import Settings

HEALTH_COLUMNS = (
    "dealer_code",
    "region",
    "feed",
    "last_file",
    "last_period",
    "days_late",
    "is_late",
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "rows_duplicate",
    "quarantine_share",
    "top_quarantine_reasons",
    "gx_pass_rate",
    "held_batches",
    "rejected_batches",
)
LANDED_STATUSES = ("loaded", "released")


def _ledger(conn: sqlite3.Connection, dealer_code: str | None) -> pd.DataFrame:
    """Latest ledger row per file path and content (re-runs and skips do not double count)."""
    where = "WHERE dealer_code = ?" if dealer_code else ""
    params: tuple[Any, ...] = (dealer_code,) if dealer_code else ()
    ledger = pd.read_sql_query(
        f"SELECT rowid AS _rid, * FROM file_ledger {where}", conn, params=params
    )
    if ledger.empty:
        return ledger
    ledger = ledger[ledger["status"] != "skipped"]
    ledger = ledger.sort_values(["finished_at", "_rid"], na_position="first")
    return ledger.drop_duplicates(["file_path", "file_sha256"], keep="last")


def _regions(settings: Settings) -> dict[str, str]:
    for path in (settings.lake / "landed" / "dealers" / "data.parquet", settings.dealer_master):
        if path.exists():
            frame = (
                pd.read_parquet(path, columns=["dealer_code", "region"])
                if path.suffix == ".parquet"
                else pd.read_csv(path, usecols=["dealer_code", "region"], dtype=str)
            )
            return dict(zip(frame["dealer_code"], frame["region"], strict=False))
    return {}


def _top_reasons(lake: Path, feed: str, dealer_code: str, top: int = 3) -> str:
    """``rule_id (count)`` of the dealer's quarantined rows for a feed, most frequent first."""
    folder = lake / "quarantine" / feed / f"dealer_code={dealer_code}"
    if not folder.exists():
        return ""
    parts = [pd.read_parquet(p, columns=["rule_id"]) for p in sorted(folder.glob("*/*.parquet"))]
    if not parts:
        return ""
    counts = pd.concat(parts)["rule_id"].value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable").head(top)
    return ", ".join(f"{rule} ({n})" for rule, n in counts.items())


def _days_late(
    periods: set[str], as_of: date, rule: tuple[str, int], closed_period: str | None
) -> int:
    """Days since the oldest due period with no file after the last one received (0 if none,
    or if the dealer closed before that period)."""
    cadence, grace = rule
    if cadence == "none" or not periods:
        return 0
    last_due = latest_due_period(as_of, grace)
    last = max(periods)
    first_missing = shift_period(last, 1)
    if last >= last_due or (closed_period is not None and first_missing > closed_period):
        return 0
    return max((as_of - due_date(first_missing, grace)).days, 0)


def feed_health(
    settings: Settings,
    as_of: date,
    dealer_code: str | None = None,
    config: FreshnessConfig | None = None,
) -> pd.DataFrame:
    """One row per dealer x feed with the columns of ``rpt_feed_health``."""
    config = config or load_config()
    if not settings.control_db.exists():
        return pd.DataFrame(columns=list(HEALTH_COLUMNS))
    conn = connect(settings.control_db)
    try:
        if not table_exists(conn, "file_ledger"):
            return pd.DataFrame(columns=list(HEALTH_COLUMNS))
        ledger = _ledger(conn, dealer_code)
        gx = pd.DataFrame(columns=["dealer_code", "feed", "success"])
        if table_exists(conn, "gx_results"):
            where = "WHERE dealer_code = ?" if dealer_code else ""
            params: tuple[Any, ...] = (dealer_code,) if dealer_code else ()
            gx = pd.read_sql_query(
                f"SELECT dealer_code, feed, success FROM gx_results {where}", conn, params=params
            )
    finally:
        conn.close()
    if ledger.empty:
        return pd.DataFrame(columns=list(HEALTH_COLUMNS))
    regions = _regions(settings)
    closed = closed_periods(settings.dealer_master)
    gx_rate = (
        gx.assign(success=gx["success"].astype(float))
        .groupby(["dealer_code", "feed"])["success"]
        .mean()
    )
    out: list[dict[str, Any]] = []
    for (dealer, feed), group in ledger.groupby(["dealer_code", "feed"], sort=True):
        landed = group[group["status"].isin(LANDED_STATUSES)]
        latest = group.sort_values(["finished_at", "_rid"], na_position="first").iloc[-1]
        sums = {
            c: int(pd.to_numeric(group[c], errors="coerce").fillna(0).sum())
            for c in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")
        }
        days_late = _days_late(
            set(group["period"].dropna()), as_of, config.rule(dealer, feed), closed.get(dealer)
        )
        rate = gx_rate.get((dealer, feed))
        out.append(
            {
                "dealer_code": dealer,
                "region": regions.get(dealer),
                "feed": feed,
                "last_file": latest["file_path"],
                "last_period": landed["period"].max() if not landed.empty else None,
                "days_late": days_late,
                "is_late": days_late > 0,
                **sums,
                "quarantine_share": (
                    sums["rows_quarantined"] / sums["rows_read"] if sums["rows_read"] else 0.0
                ),
                "top_quarantine_reasons": _top_reasons(settings.lake, feed, dealer),
                "gx_pass_rate": None if rate is None else float(rate),
                "held_batches": int((group["status"] == "held").sum()),
                "rejected_batches": int((group["status"] == "rejected").sum()),
            }
        )
    return pd.DataFrame(out, columns=list(HEALTH_COLUMNS))
