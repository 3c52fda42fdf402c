"""``aftersales health DEALER_CODE``: a dealer's feed health as a table."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ingestion.quality.cli_options import settings_and_reference
from ingestion.quality.health import feed_health

app = typer.Typer(
    help="Feed health per dealer and feed, from the control DB.",
    context_settings={"allow_interspersed_args": True},
)


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.1%}"
    return str(value)


@app.callback(invoke_without_command=True)
def health(
    dealer_code: str = typer.Argument(..., help="Dealer code, e.g. D0001"),
    as_of: str = typer.Option(None, "--as-of", help="Reference date YYYY-MM-DD (default today)"),
) -> None:
    """Print the feed health of one dealer."""
    console = Console()
    settings, reference = settings_and_reference(console, as_of)
    frame = feed_health(settings, reference, dealer_code=dealer_code)
    if frame.empty:
        console.print(f"no ledger entries for dealer {dealer_code} in {settings.control_db}")
        raise typer.Exit(1)
    table = Table(title=f"Feed health {dealer_code} as of {reference.isoformat()}")
    columns = [
        ("feed", "feed"),
        ("last period", "last_period"),
        ("days late", "days_late"),
        ("read", "rows_read"),
        ("loaded", "rows_loaded"),
        ("quar.", "rows_quarantined"),
        ("dup.", "rows_duplicate"),
        ("quar. share", "quarantine_share"),
        ("top quarantine reasons", "top_quarantine_reasons"),
        ("GX pass", "gx_pass_rate"),
        ("held", "held_batches"),
        ("rejected", "rejected_batches"),
    ]
    for label, _ in columns:
        table.add_column(
            label, justify="left" if label in ("feed", "top quarantine reasons") else "right"
        )
    for record in frame.to_dict("records"):
        style = "red" if record["is_late"] or record["rejected_batches"] else None
        table.add_row(*(_fmt(record[key]) for _, key in columns), style=style)
    console.print(table)


if __name__ == "__main__":
    app()
