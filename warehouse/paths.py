"""Project root and the settings object shared with the ingestion stage."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(os.environ.get("AFTERSALES_ROOT") or Path(__file__).resolve().parents[1])


def resolve(path: str | os.PathLike[str]) -> Path:
    """Absolute path; relative paths are taken from the project root (the embedded default)."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate


def load_settings(overrides: Mapping[str, Any] | None = None) -> Any:
    """`ingestion.settings.Settings` from the environment, with non-empty overrides applied.

    Overrides come from DAG params; a param left at ``None`` keeps the environment or the
    embedded default, so there is one settings source for every stage.
    """
    from ingestion.settings import Settings

    values = {key: value for key, value in (overrides or {}).items() if value not in (None, "")}
    return Settings.from_env(**values)


def served_warehouse(settings: Any) -> Path:
    return resolve(settings.warehouse)


def lake_dir(settings: Any) -> Path:
    return resolve(settings.lake)
