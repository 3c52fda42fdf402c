"""Paths and runtime settings, read from AFTERSALES_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# Relative paths resolve against the project root (AFTERSALES_ROOT where the code is installed
# apart from its data, e.g. in an image).
PROJECT_ROOT = Path(os.environ.get("AFTERSALES_ROOT") or Path(__file__).resolve().parent.parent)

# Development-only key: clearly marked and refused when AFTERSALES_ENV=production.
DEV_PHONE_HMAC_KEY = "dev-only-phone-hmac-key-not-for-production"

_ENV_FIELDS = {
    "data_root": "AFTERSALES_DATA_ROOT",
    "inbox": "AFTERSALES_INBOX",
    "dealer_master": "AFTERSALES_DEALER_MASTER",
    "lake": "AFTERSALES_LAKE",
    "warehouse": "AFTERSALES_WAREHOUSE",
    "shard_size": "AFTERSALES_SHARD_SIZE",
    "workers": "AFTERSALES_INGEST_WORKERS",
    "lock_timeout": "AFTERSALES_LOCK_TIMEOUT",
    "phone_hmac_key": "AFTERSALES_PHONE_HMAC_KEY",
    "env": "AFTERSALES_ENV",
    "registry_path": "AFTERSALES_FEED_REGISTRY",
    "dialects_dir": "AFTERSALES_DIALECTS_DIR",
}


class ConfigError(ValueError):
    """Configuration is invalid or unsafe (exit code 2 in the CLI)."""


class Settings(BaseModel):
    """All paths and knobs of the ingestion layer; relative paths resolve against the project root."""

    model_config = ConfigDict(frozen=True)

    data_root: Path = Path("var")
    inbox: Path = Path("var/sample_network/inbox")
    dealer_master: Path = Path("var/sample_network/master/dealers.csv")
    lake: Path = Path("var/lake")
    warehouse: Path = Path("var/warehouse/aftersales.duckdb")
    shard_size: int = Field(2000, ge=1)
    workers: int = Field(
        0, ge=0, description="shards ingested side by side by `aftersales ingest` (0: one per core)"
    )
    lock_timeout: float = Field(
        3600.0, ge=0, description="seconds a run waits for another run holding its dealers"
    )
    phone_hmac_key: str = DEV_PHONE_HMAC_KEY
    env: Literal["development", "test", "production"] = "development"
    registry_path: Path = Path("ingestion/config/registry.yaml")
    dialects_dir: Path = Path("ingestion/config/dialects")

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        for name in (
            "data_root",
            "inbox",
            "dealer_master",
            "lake",
            "warehouse",
            "registry_path",
            "dialects_dir",
        ):
            value: Path = getattr(self, name)
            if not value.is_absolute():
                object.__setattr__(self, name, (PROJECT_ROOT / value).resolve())
        if self.env == "production" and self.phone_hmac_key == DEV_PHONE_HMAC_KEY:
            raise ConfigError(
                "AFTERSALES_PHONE_HMAC_KEY is the development key; set a real key in production"
            )
        if len(self.phone_hmac_key) < 16:
            raise ConfigError("AFTERSALES_PHONE_HMAC_KEY must be at least 16 characters")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            field: env[var] for field, var in _ENV_FIELDS.items() if env.get(var)
        }
        values.update(overrides)
        try:
            return cls(**values)  # type: ignore[arg-type]
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigError(f"invalid AFTERSALES_* settings: {problems}") from exc

    @property
    def ingest_workers(self) -> int:
        """Processes `aftersales ingest` runs shards on: the setting, or one per core."""
        return self.workers or os.cpu_count() or 1

    @property
    def control_db(self) -> Path:
        from ingestion.control_db import control_db_path

        return control_db_path(self.lake)

    @property
    def landed_dir(self) -> Path:
        return self.lake / "landed"

    @property
    def quarantine_dir(self) -> Path:
        return self.lake / "quarantine"

    @property
    def control_export_dir(self) -> Path:
        from ingestion.control_export import EXPORT_DIR

        return self.lake / EXPORT_DIR


def resolve_settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else Settings.from_env()
