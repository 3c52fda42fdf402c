"""Settings: embedded defaults, AFTERSALES_* overrides, production refuses the dev key."""

from __future__ import annotations

import pytest

from ingestion.settings import DEV_PHONE_HMAC_KEY, PROJECT_ROOT, ConfigError, Settings


def test_defaults_relative_to_project_root() -> None:
    s = Settings.from_env({})
    assert s.inbox == PROJECT_ROOT / "var" / "sample_network" / "inbox"
    assert s.lake == PROJECT_ROOT / "var" / "lake"
    assert s.control_db == PROJECT_ROOT / "var" / "lake" / "control.sqlite"
    assert s.shard_size == 2000 and s.env == "development"
    assert s.phone_hmac_key == DEV_PHONE_HMAC_KEY


def test_environment_overrides(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Settings.from_env(
        {
            "AFTERSALES_LAKE": str(tmp_path),
            "AFTERSALES_SHARD_SIZE": "10",
            "AFTERSALES_INBOX": "elsewhere/inbox",
        }
    )
    assert s.lake == tmp_path and s.shard_size == 10
    assert s.inbox == PROJECT_ROOT / "elsewhere" / "inbox"


def test_production_refuses_dev_key() -> None:
    with pytest.raises(ConfigError):
        Settings.from_env({"AFTERSALES_ENV": "production"})
    ok = Settings.from_env(
        {
            "AFTERSALES_ENV": "production",
            "AFTERSALES_PHONE_HMAC_KEY": "a-real-secret-from-the-vault-0123",
        }
    )
    assert ok.env == "production"


def test_invalid_values_rejected() -> None:
    with pytest.raises(ValueError):
        Settings.from_env({"AFTERSALES_SHARD_SIZE": "0"})
    with pytest.raises(ValueError):
        Settings.from_env({"AFTERSALES_ENV": "staging"})
