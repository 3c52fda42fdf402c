"""``python -m ingestion.quality.freshness_cli``: record late-feed alerts and list them."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ingestion.quality.cli_options import settings_and_reference
from ingestion.quality.freshness import check_freshness

app = typer.Typer(help="Late dealer feeds (no file N days after period end) -> feed_alerts.")


@app.callback(invoke_without_command=True)
def freshness(
    as_of: str = typer.Option(None, "--as-of", help="Reference date YYYY-MM-DD (default today)"),
) -> None:
    """Check every dealer x feed, record new late_feed alerts, print the late ones."""
    console = Console()
    settings, reference = settings_and_reference(console, as_of)
    late = check_freshness(settings, reference)
    table = Table(title=f"Late feeds as of {reference.isoformat()}: {len(late)}")
    for name in ("dealer", "feed", "period", "due", "days late", "new alert"):
        table.add_column(name)
    for item in late:
        table.add_row(
            item["dealer_code"],
            item["feed"],
            item["period"],
            item["due_date"],
            str(item["days_late"]),
            "yes" if item["new"] else "",
        )
    console.print(table)


if __name__ == "__main__":
    app()
