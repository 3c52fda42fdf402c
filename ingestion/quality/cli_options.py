"""Shared start of the quality CLIs: settings from the environment and the reference date."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console

from ingestion.settings import ConfigError, Settings


def settings_and_reference(console: Console, as_of: str | None) -> tuple[Settings, date]:
    """Settings and the --as-of date (default today); a bad value exits 2 with a message."""
    try:
        settings = Settings.from_env()
        reference = date.fromisoformat(as_of) if as_of else date.today()
    except (ConfigError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    return settings, reference
