"""After a publish, invalidate Superset's cached query results and warm the charts up.

Configured by environment only (no credentials in the repo):
AFTERSALES_SUPERSET_URL, AFTERSALES_SUPERSET_USERNAME, AFTERSALES_SUPERSET_PASSWORD.
Without a URL this is a no-op with a log line.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__)

URL_ENV = "AFTERSALES_SUPERSET_URL"
USER_ENV = "AFTERSALES_SUPERSET_USERNAME"
PASSWORD_ENV = "AFTERSALES_SUPERSET_PASSWORD"
TIMEOUT = 60


class SupersetRefreshError(RuntimeError):
    """Superset answered, but not as expected (login refused, API error)."""


def _login(session: Any, base: str, username: str, password: str) -> None:
    response = session.post(
        f"{base}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
        timeout=TIMEOUT,
    )
    if response.status_code != 200:
        raise SupersetRefreshError(f"Superset login refused ({response.status_code})")
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    csrf = session.get(f"{base}/api/v1/security/csrf_token/", timeout=TIMEOUT)
    csrf.raise_for_status()
    session.headers["X-CSRFToken"] = csrf.json()["result"]
    session.headers["Referer"] = base


def _datasets(session: Any, base: str) -> list[dict[str, Any]]:
    query = "(columns:!(id,table_name,database.database_name),page_size:100)"
    response = session.get(f"{base}/api/v1/dataset/", params={"q": query}, timeout=TIMEOUT)
    response.raise_for_status()
    return list(response.json().get("result", []))


def refresh_superset_cache(settings: Any = None) -> dict[str, Any]:
    """Invalidate dataset caches and warm up every chart per dataset; no-op when unconfigured."""
    base = (os.environ.get(URL_ENV) or "").rstrip("/")
    if not base:
        log.info("%s not set: Superset cache refresh skipped", URL_ENV)
        return {"configured": False}
    username = os.environ.get(USER_ENV)
    password = os.environ.get(PASSWORD_ENV)
    if not username or not password:
        raise SupersetRefreshError(f"{URL_ENV} is set but {USER_ENV}/{PASSWORD_ENV} are not")

    import requests

    with requests.Session() as session:
        _login(session, base, username, password)
        datasets = _datasets(session, base)
        uids = [f"{dataset['id']}__table" for dataset in datasets]
        if uids:
            response = session.post(
                f"{base}/api/v1/cachekey/invalidate",
                json={"datasource_uids": uids},
                timeout=TIMEOUT,
            )
            if response.status_code >= 400:
                raise SupersetRefreshError(
                    f"cache invalidation failed ({response.status_code}): {response.text[:300]}"
                )
        warmed = 0
        errors: list[str] = []
        # Superset's warm-up runs a chart's saved query context; a chart without one (the
        # deck.gl map) cannot be warmed that way and is computed on first view instead
        unwarmable = _charts_without_query_context(session, base)
        skipped = 0
        for dataset in datasets:
            response = session.put(
                f"{base}/api/v1/dataset/warm_up_cache",
                json={
                    "db_name": dataset["database"]["database_name"],
                    "table_name": dataset["table_name"],
                },
                timeout=TIMEOUT,
            )
            if response.status_code >= 400:
                errors.append(
                    f"{dataset['table_name']}: HTTP {response.status_code} {response.text[:200]}"
                )
                continue
            for chart in response.json().get("result", []):
                if chart.get("chart_id") in unwarmable:
                    skipped += 1
                elif chart.get("viz_error"):
                    errors.append(f"chart {chart.get('chart_id')}: {chart['viz_error']}")
                else:
                    warmed += 1
    log.info(
        "Superset: invalidated %d datasets, warmed %d charts, %d errors",
        len(uids),
        warmed,
        len(errors),
    )
    for error in errors[:20]:
        log.warning("Superset warm-up: %s", error)
    return {
        "configured": True,
        "datasets": len(uids),
        "charts_warmed": warmed,
        "charts_without_query_context": skipped,
        "errors": errors,
    }


def _charts_without_query_context(session: Any, base: str) -> set[int]:
    """deck.gl charts are legacy visualisations: Superset keeps no query context for them."""
    query = "(columns:!(id,viz_type),page_size:100)"
    response = session.get(f"{base}/api/v1/chart/", params={"q": query}, timeout=TIMEOUT)
    response.raise_for_status()
    return {
        c["id"]
        for c in response.json().get("result", [])
        if str(c.get("viz_type", "")).startswith("deck_")
    }
