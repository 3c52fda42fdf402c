"""Write the files generated from the feed contracts in the quality area:

- ``expectations/suites/<feed>.files.json``: the gate's expectation suites;
- ``dbt_project/seeds/feed_freshness.csv``: the freshness rule per feed (and per-dealer
  overrides) that the feed-health mart ``rpt_feed_health`` applies.

    .venv/pipeline/bin/python -m ingestion.quality.generate          # rewrite them
    .venv/pipeline/bin/python -m ingestion.quality.generate --check  # exit 1 when stale

Tests fail when a committed file differs from what the contracts generate.
"""

from __future__ import annotations

import typer

from ingestion.quality.freshness import stale_freshness_seed, write_freshness_seed
from ingestion.quality.suites import stale_suites, write_suites
from ingestion.settings import PROJECT_ROOT

app = typer.Typer(help="Generate the expectation suites and the feed-freshness seed.")


@app.callback(invoke_without_command=True)
def main(
    check: bool = typer.Option(False, "--check", help="Exit 1 when a generated file is stale."),
) -> None:
    if check:
        stale = stale_suites() + stale_freshness_seed()
        for path in stale:
            typer.echo(f"stale: {path.relative_to(PROJECT_ROOT)}")
        raise typer.Exit(1 if stale else 0)
    for path in [*write_suites(), write_freshness_seed()]:
        typer.echo(f"wrote {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    app()
