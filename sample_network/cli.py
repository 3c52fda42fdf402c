"""`sample-network` command line: generate a sample dealer network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from sample_network.config import Preset, config_for
from sample_network.generate import OutputExistsError, generate

app = typer.Typer(
    help="Generate a realistic sample OEM dealer network: dealer master, monthly DMS exports "
    "in three dialects, planted defects and a truth manifest.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()


@app.callback()
def main() -> None:
    """Sample dealer network generator."""


@app.command("generate")
def generate_cmd(
    out: Annotated[Path, typer.Option(help="Output folder (master/, inbox/, truth/).")] = Path(
        "var/sample_network"
    ),
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 42,
    dealers: Annotated[int | None, typer.Option(help="Number of dealers (default 20).")] = None,
    years: Annotated[int | None, typer.Option(help="Years of monthly files (default 2).")] = None,
    months: Annotated[int | None, typer.Option(help="Months of files (overrides --years).")] = None,
    start_month: Annotated[
        str | None, typer.Option(help="First month, YYYY-MM (default 2024-01).")
    ] = None,
    defect_rate: Annotated[
        float | None,
        typer.Option(help="Share of rows with a planted defect (0 to 0.03, default 0.01)."),
    ] = None,
    sales_per_month: Annotated[
        float | None, typer.Option(help="Mean monthly sales of a 4S dealer.")
    ] = None,
    park_vehicles: Annotated[
        int | None, typer.Option(help="Cars per dealer already on the road at the start.")
    ] = None,
    preset: Annotated[
        Preset | None, typer.Option(help="small (20 dealers x 2 years) or large (300 x 3).")
    ] = None,
    file_events: Annotated[
        bool,
        typer.Option(help="Plant a held file, a rejected file and a late feed (for the demo)."),
    ] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing network in --out.")] = False,
) -> None:
    """Generate the network into OUT."""
    try:
        config = config_for(
            preset,
            out=out,
            seed=seed,
            dealers=dealers,
            years=years,
            months=months,
            start_month=start_month,
            defect_rate=defect_rate,
            sales_per_month=sales_per_month,
            park_vehicles=park_vehicles,
            file_events=file_events or None,
            force=force,
        )
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "config"
            console.print(f"[red]invalid option {where}:[/red] {err['msg']}")
        raise typer.Exit(2) from None

    console.print(
        f"Generating {config.dealers} dealers x {config.n_months} months from "
        f"{config.start_month} (seed {config.seed}) into [bold]{config.out}[/bold]"
    )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        try:
            summary = generate(config, progress=report)
        except OutputExistsError as exc:
            console.print(f"[red]{exc}[/red] (use --force)")
            raise typer.Exit(1) from None
        except OSError as exc:
            console.print(f"[red]cannot write the network:[/red] {exc}")
            raise typer.Exit(1) from None

    table = Table(title="Generated feeds")
    table.add_column("feed")
    table.add_column("files", justify="right")
    table.add_column("rows", justify="right")
    files = summary["files"]
    rows = summary["rows"]
    assert isinstance(files, dict) and isinstance(rows, dict)
    for feed, count in files.items():
        table.add_row(feed, f"{count:,}", f"{rows[feed]:,}")
    console.print(table)
    events = summary.get("file_events") or []
    if isinstance(events, list) and events:
        console.print("file events (truth/file_events.csv): " + "; ".join(map(str, events)))
    console.print(
        f"{summary['manifest_entries']:,} planted defects in truth/manifest.csv; "
        f"done in {summary['elapsed_seconds']} s"
    )
