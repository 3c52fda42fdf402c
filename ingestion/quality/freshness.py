"""Feed freshness: which dealer x feed has no file for a period that is past due.

A period's file is due ``grace_days`` after the period's last day. The cadence and grace
days of a feed are its contract's ``freshness`` section (``ingestion/contracts/<feed>.yaml``);
``expectations/freshness.yaml`` holds only per-dealer overrides and how far back alerts look.
The same rule, from the same values (the generated seed ``feed_freshness``), decides
``is_late`` in the feed-health mart ``rpt_feed_health``. Late feeds are recorded in
``feed_alerts`` as ``late_feed`` alerts, one per dealer, feed and period however often the
check runs.
"""

from __future__ import annotations

import calendar
import csv
import io
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field

from ingestion.contracts import DEALER_FEEDS, Freshness, contract
from ingestion.control_db import FEED_ALERTS_DDL, connect
from ingestion.settings import PROJECT_ROOT, Settings

FRESHNESS_CONFIG = PROJECT_ROOT / "expectations" / "freshness.yaml"
FRESHNESS_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "feed_freshness.csv"
SEED_COLUMNS = ("feed", "dealer_code", "cadence", "grace_days", "expected_from")


class Cadence(BaseModel):
    """A per-dealer override of a feed's contract freshness; unset fields keep the contract's."""

    model_config = ConfigDict(extra="forbid")

    cadence: Literal["monthly", "none"] | None = None
    grace_days: int | None = Field(default=None, ge=0)


class FreshnessConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lookback_periods: int = Field(default=3, ge=1)
    dealers: dict[str, dict[str, Cadence]] = Field(default_factory=dict)

    def rule(self, dealer_code: str, feed: str) -> tuple[str, int]:
        """(cadence, grace_days) for a dealer and feed: dealer override > feed contract."""
        base = contract(feed).freshness or Freshness()
        cadence, grace = base.cadence, base.grace_days
        override = self.dealers.get(dealer_code, {}).get(feed)
        if override is not None:
            cadence = override.cadence or cadence
            grace = override.grace_days if override.grace_days is not None else grace
        return cadence, grace


def load_config(path: Path = FRESHNESS_CONFIG) -> FreshnessConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return FreshnessConfig.model_validate(data)


def period_end(period: str) -> date:
    year, month = (int(p) for p in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def shift_period(period: str, months: int) -> str:
    year, month = (int(p) for p in period.split("-"))
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def due_date(period: str, grace_days: int) -> date:
    return period_end(period) + timedelta(days=grace_days)


def latest_due_period(as_of: date, grace_days: int) -> str:
    """The most recent period whose file is due strictly before ``as_of``."""
    period = f"{as_of.year:04d}-{as_of.month:02d}"
    while due_date(period, grace_days) >= as_of:
        period = shift_period(period, -1)
    return period


def _master(dealer_master: Path) -> pd.DataFrame:
    if not dealer_master.exists():
        return pd.DataFrame(columns=["dealer_code"])
    return pd.read_csv(dealer_master, dtype=str, keep_default_na=False)


def closed_periods(dealer_master: Path) -> dict[str, str]:
    """dealer_code -> last period a closed dealer is expected to send (its closing month)."""
    frame = _master(dealer_master)
    if "closed_on" not in frame.columns:
        return {}
    closed = frame[frame["closed_on"].str.strip() != ""]
    return {row.dealer_code: row.closed_on.strip()[:7] for row in closed.itertuples()}


def service_only_dealers(dealer_master: Path) -> set[str]:
    """Outlets that do not sell cars: feeds expected only from sales outlets are not due."""
    frame = _master(dealer_master)
    if "outlet_type" not in frame.columns:
        return set()
    return set(frame.loc[frame["outlet_type"].str.strip() == "service_only", "dealer_code"])


def is_expected(feed: str, dealer_code: str, service_only: set[str]) -> bool:
    rule = contract(feed).freshness or Freshness()
    return not (rule.expected_from == "sales_outlets" and dealer_code in service_only)


def late_feeds(
    conn: sqlite3.Connection,
    as_of: date,
    config: FreshnessConfig,
    closed: dict[str, str] | None = None,
    service_only: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Dealer x feed x period with no file in the ledger although past due.

    Pairs come from the ledger (a dealer is expected to keep sending a feed it has sent);
    periods before the pair's first file, and after a closed dealer's closing month
    (``closed``: dealer -> ``YYYY-MM``), are never expected, nor are sales feeds from
    service-only outlets (``service_only``).
    """
    closed = closed or {}
    service_only = service_only or set()
    received: dict[tuple[str, str], set[str]] = {}
    for row in conn.execute(
        "SELECT DISTINCT dealer_code, feed, period FROM file_ledger "
        "WHERE dealer_code IS NOT NULL AND feed IS NOT NULL AND period IS NOT NULL"
    ):
        received.setdefault((row[0], row[1]), set()).add(row[2])
    late: list[dict[str, Any]] = []
    for (dealer, feed), periods in sorted(received.items()):
        if feed not in DEALER_FEEDS or not is_expected(feed, dealer, service_only):
            continue
        cadence, grace = config.rule(dealer, feed)
        if cadence == "none":
            continue
        first = min(periods)
        last_due = latest_due_period(as_of, grace)
        for back in range(config.lookback_periods):
            period = shift_period(last_due, -back)
            if period < first:
                break
            if period in periods or period > closed.get(dealer, "9999-12"):
                continue
            due = due_date(period, grace)
            late.append(
                {
                    "dealer_code": dealer,
                    "feed": feed,
                    "period": period,
                    "due_date": due.isoformat(),
                    "days_late": (as_of - due).days,
                }
            )
    return late


def alert_id(dealer_code: str, feed: str, period: str) -> str:
    return f"late_feed:{dealer_code}:{feed}:{period}"


def record_alerts(conn: sqlite3.Connection, late: list[dict[str, Any]]) -> int:
    """Insert one ``late_feed`` alert per dealer/feed/period not yet recorded; returns new count."""
    conn.execute(FEED_ALERTS_DDL)
    raised_at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    existing = {
        r[0] for r in conn.execute("SELECT alert_id FROM feed_alerts WHERE kind = 'late_feed'")
    }
    new = 0
    for item in late:
        aid = alert_id(item["dealer_code"], item["feed"], item["period"])
        item["alert_id"] = aid
        item["new"] = aid not in existing
        if not item["new"]:
            continue
        conn.execute(
            "INSERT INTO feed_alerts (alert_id, raised_at, kind, dealer_code, feed, period, message)"
            " VALUES (?, ?, 'late_feed', ?, ?, ?, ?)",
            (
                aid,
                raised_at,
                item["dealer_code"],
                item["feed"],
                item["period"],
                f"no {item['feed']} file for {item['period']} from {item['dealer_code']}: "
                f"due {item['due_date']}, {item['days_late']} days late",
            ),
        )
        existing.add(aid)
        new += 1
    conn.commit()
    return new


def check_freshness(
    settings: Settings, as_of: date, config: FreshnessConfig | None = None
) -> list[dict[str, Any]]:
    """Late feeds as of a date, each recorded once in ``feed_alerts``.

    Returns every late dealer/feed/period (``new`` tells whether this call raised its alert).
    """
    config = config or load_config()
    conn = connect(settings.control_db)
    try:
        late = late_feeds(
            conn,
            as_of,
            config,
            closed_periods(settings.dealer_master),
            service_only_dealers(settings.dealer_master),
        )
        record_alerts(conn, late)
        return late
    finally:
        conn.close()


def freshness_seed(config: FreshnessConfig | None = None) -> str:
    """The dbt seed ``feed_freshness``: the rule of every dealer feed (blank dealer_code)
    and every per-dealer override, as the mart ``rpt_feed_health`` applies them."""
    config = config or load_config()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SEED_COLUMNS)
    for feed in DEALER_FEEDS:
        rule = contract(feed).freshness or Freshness()
        writer.writerow([feed, "", rule.cadence, rule.grace_days, rule.expected_from])
    for dealer in sorted(config.dealers):
        for feed in sorted(config.dealers[dealer], key=DEALER_FEEDS.index):
            cadence, grace = config.rule(dealer, feed)
            expected_from = (contract(feed).freshness or Freshness()).expected_from
            writer.writerow([feed, dealer, cadence, grace, expected_from])
    return out.getvalue()


def stale_freshness_seed(path: Path = FRESHNESS_SEED) -> list[Path]:
    return [] if path.exists() and path.read_text("utf-8") == freshness_seed() else [path]


def write_freshness_seed(path: Path = FRESHNESS_SEED) -> Path:
    path.write_text(freshness_seed(), encoding="utf-8")
    return path
