"""superset_config.py: embedded default works, unsafe production settings are refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

from superset_harness import ROOT, SUPERSET_DIR

# the config module only needs the standard library: load it with the pipeline python
LOAD = (
    "import importlib.util, json, sys; "
    f"spec = importlib.util.spec_from_file_location('superset_config', {str(SUPERSET_DIR / 'superset_config.py')!r}); "
    "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
    "print(json.dumps({'uri': m.SQLALCHEMY_DATABASE_URI, 'cache': m.DATA_CACHE_CONFIG['CACHE_TYPE'], "
    "'secret': m.SECRET_KEY, 'flags': m.FEATURE_FLAGS, 'talisman': m.TALISMAN_ENABLED}))"
)


def _load(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    import sys

    base = {"PATH": "/usr/bin:/bin", "AFTERSALES_SUPERSET_HOME": str(tmp_path / "home")}
    return subprocess.run(
        [sys.executable, "-c", LOAD], env={**base, **env}, capture_output=True, text=True, cwd=ROOT
    )


def test_embedded_default_needs_no_service(tmp_path: Path) -> None:
    import json

    proc = _load({}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    cfg = json.loads(proc.stdout)
    assert cfg["uri"].startswith(f"sqlite:///{tmp_path / 'home'}/superset.db")
    assert cfg["cache"] == "SimpleCache"
    assert "NOT-FOR-PRODUCTION" in cfg["secret"]
    assert cfg["flags"]["ENABLE_TEMPLATE_PROCESSING"] is True
    assert cfg["flags"]["DASHBOARD_RBAC"] is True
    assert cfg["flags"]["ALLOW_ADHOC_SUBQUERY"] is False


def test_production_refuses_missing_secret(tmp_path: Path) -> None:
    proc = _load(
        {"AFTERSALES_ENV": "production", "AFTERSALES_SUPERSET_METADATA_URI": "postgresql://x/y"},
        tmp_path,
    )
    assert proc.returncode == 2
    assert "AFTERSALES_SUPERSET_SECRET_KEY is not set" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_production_refuses_dev_secret(tmp_path: Path) -> None:
    proc = _load(
        {
            "AFTERSALES_ENV": "production",
            "AFTERSALES_SUPERSET_SECRET_KEY": "aftersales-dev-secret-key-NOT-FOR-PRODUCTION",
            "AFTERSALES_SUPERSET_METADATA_URI": "postgresql://x/y",
        },
        tmp_path,
    )
    assert proc.returncode == 2
    assert "development secret key" in proc.stderr


def test_production_refuses_embedded_metadata_db(tmp_path: Path) -> None:
    proc = _load(
        {"AFTERSALES_ENV": "production", "AFTERSALES_SUPERSET_SECRET_KEY": "x" * 40}, tmp_path
    )
    assert proc.returncode == 2
    assert "AFTERSALES_SUPERSET_METADATA_URI" in proc.stderr


def test_production_uses_env_services(tmp_path: Path) -> None:
    import json

    proc = _load(
        {
            "AFTERSALES_ENV": "production",
            "AFTERSALES_SUPERSET_SECRET_KEY": "s" * 48,
            "AFTERSALES_SUPERSET_METADATA_URI": "postgresql://superset@db/superset",
            "AFTERSALES_SUPERSET_REDIS_URL": "redis://cache:6379/1",
        },
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    cfg = json.loads(proc.stdout)
    assert cfg["uri"] == "postgresql://superset@db/superset"
    assert cfg["cache"] == "RedisCache"
    assert cfg["secret"] == "s" * 48
    assert cfg["talisman"] is True


def test_bootstrap_refuses_the_dev_admin_password_in_production(tmp_path: Path) -> None:
    from superset_harness import SUPERSET_PYTHON

    proc = subprocess.run(
        [str(SUPERSET_PYTHON), str(SUPERSET_DIR / "bootstrap.py")],
        env={
            "PATH": "/usr/bin:/bin",
            "AFTERSALES_ENV": "production",
            "AFTERSALES_SUPERSET_HOME": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "AFTERSALES_SUPERSET_ADMIN_PASSWORD" in proc.stderr
    assert "Traceback" not in proc.stderr
