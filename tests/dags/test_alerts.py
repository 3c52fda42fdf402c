"""Failure alerts: a feed_alerts row in the lake's control DB, and the webhook when set."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from orchestration.alerts import record_alert
from orchestration.task_policy import task_failure_alert


def alerts(lake: Path) -> list[dict[str, Any]]:
    con = sqlite3.connect(lake / "control.sqlite")
    con.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in con.execute("select * from feed_alerts order by raised_at")]
    finally:
        con.close()


@pytest.fixture
def webhook() -> Any:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alerts", received
    server.shutdown()


def test_failure_callback_records_alert_and_posts_webhook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook: Any
) -> None:
    url, received = webhook
    lake = tmp_path / "lake"
    monkeypatch.setenv("AFTERSALES_LAKE", str(lake))
    monkeypatch.setenv("AFTERSALES_ALERT_WEBHOOK_URL", url)
    ti = SimpleNamespace(dag_id="feed_ingestion", task_id="ingest_shard", map_index=3, run_id="r1")

    task_failure_alert({"ti": ti, "exception": OSError("disk full")})

    rows = alerts(lake)
    assert len(rows) == 1
    assert rows[0]["kind"] == "task_failure"
    assert (
        "feed_ingestion.ingest_shard[3] failed in run r1: OSError: disk full" in rows[0]["message"]
    )
    assert received == [{**{k: rows[0][k] for k in rows[0]}}]


def test_alert_fits_the_ingestion_feed_alerts_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control DB may already hold feed_alerts with an integer alert_id."""
    from ingestion.control_db import connect

    monkeypatch.delenv("AFTERSALES_ALERT_WEBHOOK_URL", raising=False)
    lake = tmp_path / "lake"
    connect(lake / "control.sqlite").close()

    record_alert(lake, "task_failure", "x failed", feed="repair_orders")
    record_alert(lake, "task_failure", "y failed")

    rows = alerts(lake)
    assert [row["message"] for row in rows] == ["x failed", "y failed"]
    assert rows[0]["feed"] == "repair_orders"


def test_unreachable_webhook_does_not_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSALES_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/nothing-listens-here")
    alert = record_alert(tmp_path / "lake", "task_failure", "still recorded")
    assert alerts(tmp_path / "lake")[0]["alert_id"] == alert["alert_id"]
