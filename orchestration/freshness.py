"""The feed_freshness task: run the freshness check; it records one alert per late feed."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime
from typing import Any

from orchestration.task_support import load_settings

log = logging.getLogger(__name__)


def check_date(as_of: str | None, logical_date: Any) -> date:
    if as_of:
        return date.fromisoformat(str(as_of))
    if isinstance(logical_date, datetime):
        return logical_date.date()
    if isinstance(logical_date, date):
        return logical_date
    return date.today()


def run_freshness_check(as_of: str | None = None, logical_date: Any = None) -> dict[str, Any]:
    """check_freshness records each late dealer/feed/period once in feed_alerts (kind late_feed)."""
    from ingestion.quality.freshness import check_freshness

    day = check_date(as_of, logical_date)
    late = check_freshness(load_settings(), day)
    new = [item for item in late if item.get("new", True)]
    for item in new:
        log.info(
            "late feed: dealer %s %s %s (%s days late)",
            item.get("dealer_code"),
            item.get("feed"),
            item.get("period"),
            item.get("days_late"),
        )
    by_feed = Counter(str(item.get("feed")) for item in late)
    if late:
        log.warning(
            "freshness as of %s: %d late dealer feeds (%d new alerts) %s",
            day,
            len(late),
            len(new),
            dict(by_feed),
        )
    else:
        log.info("freshness as of %s: every dealer feed on time", day)
    return {
        "as_of": day.isoformat(),
        "late_feeds": len(late),
        "new_alerts": len(new),
        "late_by_feed": dict(by_feed),
    }
