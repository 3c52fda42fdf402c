"""Alerts raised by orchestration: a row in the lake's control DB, a log line, a webhook."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

WEBHOOK_ENV = "AFTERSALES_ALERT_WEBHOOK_URL"


def write_alert_row(lake: Path, alert: dict[str, Any]) -> None:
    # imported here: the failure callback module is loaded at DAG parse time
    from ingestion.control_db import connect, control_db_path, insert_alerts

    conn = connect(control_db_path(lake))
    try:
        insert_alerts(conn, [alert])
    finally:
        conn.close()


def post_webhook(url: str, alert: dict[str, Any]) -> bool:
    import requests

    try:
        response = requests.post(
            url, data=json.dumps(alert), timeout=10, headers={"Content-Type": "application/json"}
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        log.warning("alert webhook failed (%s); the alert is recorded in feed_alerts", exc)
        return False
    return True


def record_alert(
    lake: Path,
    kind: str,
    message: str,
    *,
    dealer_code: str | None = None,
    feed: str | None = None,
    period: str | None = None,
) -> dict[str, Any]:
    """Record one alert; never raises (alerting must not mask the original failure)."""
    alert: dict[str, Any] = {
        "alert_id": uuid.uuid4().hex,
        "raised_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "kind": kind,
        "dealer_code": dealer_code,
        "feed": feed,
        "period": period,
        "message": message,
    }
    log.error("ALERT %s: %s", kind, message)
    try:
        write_alert_row(lake, alert)
    except (OSError, sqlite3.Error) as exc:
        log.error("could not write alert to the control database in %s: %s", lake, exc)
    url = os.environ.get(WEBHOOK_ENV)
    if url:
        post_webhook(url, alert)
    return alert
