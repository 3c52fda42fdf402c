"""Superset configuration for the after-sales dashboards.

Loaded by Superset through SUPERSET_CONFIG_PATH (bootstrap.py and serve.sh set it).

Embedded default (AFTERSALES_ENV unset or "development"): SQLite metadata under
var/superset/, in-process caches, a development secret key. Nothing needs a network
service.

Production (AFTERSALES_ENV=production): the metadata database URI, the secret key and
(optionally) a Redis cache come from the environment; starting with the development
secret key, or without a secret key or metadata URI, is refused.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# DEVELOPMENT ONLY: publicly known key, refused when AFTERSALES_ENV=production.
DEV_SECRET_KEY = "aftersales-dev-secret-key-NOT-FOR-PRODUCTION"


class ConfigurationRefused(SystemExit):
    """Raised (as a clean exit with a message) when production settings are unsafe."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _refuse(message: str) -> None:
    print(f"superset_config: refusing to start: {message}", file=sys.stderr)
    raise ConfigurationRefused(2)


AFTERSALES_ENV = (_env("AFTERSALES_ENV", "development") or "development").lower()
IS_PRODUCTION = AFTERSALES_ENV == "production"

DATA_DIR = Path(_env("AFTERSALES_SUPERSET_HOME", str(PROJECT_ROOT / "var" / "superset")) or "")
DATA_DIR.mkdir(parents=True, exist_ok=True)

# --- secret key ---------------------------------------------------------------------
SECRET_KEY = _env("AFTERSALES_SUPERSET_SECRET_KEY") or _env("SUPERSET_SECRET_KEY")
if IS_PRODUCTION:
    if not SECRET_KEY:
        _refuse("AFTERSALES_ENV=production but AFTERSALES_SUPERSET_SECRET_KEY is not set.")
    elif SECRET_KEY == DEV_SECRET_KEY:
        _refuse(
            "AFTERSALES_ENV=production with the development secret key; "
            "set AFTERSALES_SUPERSET_SECRET_KEY to a long random value."
        )
SECRET_KEY = SECRET_KEY or DEV_SECRET_KEY

# --- metadata database ----------------------------------------------------------------
_metadata_uri = _env("AFTERSALES_SUPERSET_METADATA_URI")
if IS_PRODUCTION and not _metadata_uri:
    _refuse(
        "AFTERSALES_ENV=production but AFTERSALES_SUPERSET_METADATA_URI is not set "
        "(the embedded SQLite metadata database is for development)."
    )
SQLALCHEMY_DATABASE_URI = (
    _metadata_uri or f"sqlite:///{DATA_DIR / 'superset.db'}?check_same_thread=false"
)

if SQLALCHEMY_DATABASE_URI.startswith("sqlite:"):
    # Superset commits an event-log row several times per chart request; in SQLite's default
    # rollback-journal mode every commit waits for an fsync (about 12 ms here, a third of a
    # light chart's time). In WAL mode with synchronous=NORMAL a commit appends to the log
    # and syncs only at checkpoints: the database stays consistent after a crash, and at
    # worst the last commits before a power loss (event-log rows) are gone.
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


# --- caches ---------------------------------------------------------------------------
_redis_url = _env("AFTERSALES_SUPERSET_REDIS_URL")


def _cache(prefix: str, timeout: int) -> dict[str, Any]:
    if _redis_url:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": _redis_url,
            "CACHE_KEY_PREFIX": f"aftersales_{prefix}_",
            "CACHE_DEFAULT_TIMEOUT": timeout,
        }
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": timeout}


CACHE_CONFIG = _cache("meta", 24 * 3600)
# Chart results: short timeout; the warehouse is replaced on every dbt publish.
DATA_CACHE_CONFIG = _cache("data", 300)
if _redis_url:
    FILTER_STATE_CACHE_CONFIG = _cache("filter", 90 * 24 * 3600)
    EXPLORE_FORM_DATA_CACHE_CONFIG = _cache("explore", 7 * 24 * 3600)

# --- features -------------------------------------------------------------------------
FEATURE_FLAGS = {
    "ENABLE_TEMPLATE_PROCESSING": True,
    "DASHBOARD_RBAC": True,
    "ALLOW_ADHOC_SUBQUERY": False,
    "EMBEDDED_SUPERSET": False,
}

# The UI in Chinese by default; every user may switch language from the menu bar.
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "us", "name": "English"},
}

# --- web security ---------------------------------------------------------------------
# The development server is local and plain HTTP; a production deployment sits behind
# a TLS proxy and keeps Talisman on.
TALISMAN_ENABLED = IS_PRODUCTION
WTF_CSRF_ENABLED = True
# The cache refresh after each publish (orchestration/superset_cache.py) calls these two
# endpoints with a bearer token, from inside the deployment's network over plain HTTP: there
# the Secure session cookie that CSRF validation needs is never sent back (HTTP 400).
_CSRF_EXEMPT_REFRESH = ["superset.cachekeys.api.invalidate", "superset.datasets.api.warm_up_cache"]
# Superset's own defaults stay exempt (superset.config is loading this file when it runs)
_SUPERSET_DEFAULTS = sys.modules.get("superset.config")
WTF_CSRF_EXEMPT_LIST = [
    *getattr(_SUPERSET_DEFAULTS, "WTF_CSRF_EXEMPT_LIST", []),
    *_CSRF_EXEMPT_REFRESH,
]
SESSION_COOKIE_SECURE = IS_PRODUCTION
PUBLIC_ROLE_LIKE = None
AUTH_ROLE_PUBLIC = "Public"

SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50000
SQLLAB_CTAS_NO_LIMIT = False
PREVENT_UNSAFE_DB_CONNECTIONS = True


# --- access explained -----------------------------------------------------------------
# A dashboard outside a user's scope, or a page a dashboard viewer's role does not open
# (Explore, SQL Lab, chart and dataset lists), answers with a page that says why, not
# with "404 Page not found" or raw JSON (access_pages.py).
def FLASK_APP_MUTATOR(app: Any) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import access_pages

    access_pages.install(app)


# The headline tiles (a Handlebars chart) style their boxes inline.
HTML_SANITIZATION_SCHEMA_EXTENSIONS = {"attributes": {"div": ["style"], "span": ["style"]}}
