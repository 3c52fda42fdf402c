"""Benchmark of the batch quality gate: GX time per million rows per feed.

Synthetic, contract-valid rows per canonical feed spread over many files (one shard). Reports
the one-off cost (import great_expectations, build the context) apart from validation, and
compares the gate (one GX run per feed and shard) with a baseline of one GX run per file,
measured on a sample of files in the same run and extrapolated.

    .venv/pipeline/bin/python bench/bench_quality_gate.py --rows 1000000 --files 2000
"""

from __future__ import annotations

import os
import time
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ingestion.contracts import DEALER_FEEDS, FEEDS

VIN = "LSVAU2180N2183294"
PERIOD = "2024-03"


def synthetic_batch(feed: str, n_rows: int, n_files: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Valid rows of a feed for n_files dealers' files of one period, plus the files frame."""
    definition = FEEDS[feed]
    assert definition.file_rules is not None
    main = definition.file_rules.period_column
    file_no = np.arange(n_rows) % n_files
    dealers = np.array([f"D{i:05d}" for i in range(n_files)], dtype=object)
    paths = np.array([f"D{i:05d}/{feed}/{PERIOD}.csv" for i in range(n_files)], dtype=object)
    base = pd.Timestamp(f"{PERIOD}-01 08:00") + pd.to_timedelta(np.arange(n_rows) % 600, unit="h")
    data: dict[str, object] = {}
    for col in definition.columns:
        if col.name == "dealer_code":
            data[col.name] = dealers[file_no]
        elif col.name == "vin":
            data[col.name] = VIN
        elif col.enum:
            data[col.name] = np.array(col.enum, dtype=object)[np.arange(n_rows) % len(col.enum)]
        elif col.type == "ts":
            data[col.name] = base if col.name == main else base + pd.Timedelta(days=1)
        elif col.type == "date":
            day = base.normalize()
            data[col.name] = day if col.name == main else day + pd.Timedelta(days=1)
        elif col.type in ("int", "decimal"):
            data[col.name] = (np.arange(n_rows) % 5 + 1).astype(float)
        elif col.type == "bool":
            data[col.name] = True
        else:
            data[col.name] = np.char.add(f"{col.name[:2].upper()}", np.arange(n_rows).astype(str))
    if feed == "survey_responses":
        data["scale_min"], data["scale_max"] = 1.0, 5.0
        data["item_code"] = np.array(["overall", "advisor", "facility"], dtype=object)[
            np.arange(n_rows) % 3
        ]
        data["survey_id"] = np.char.add("S", (np.arange(n_rows) // 3).astype(str))
    rows = pd.DataFrame(data)
    rows["_source_file"] = paths[file_no]
    rows["_source_row"] = np.arange(n_rows) // n_files + 1
    rows["period"] = PERIOD
    rows["dq_flags"] = np.where((np.arange(n_rows) // n_files) % 50 == 0, "promised_missing", "")
    per_file = np.bincount(file_no, minlength=n_files)
    files = pd.DataFrame(
        {
            "file_path": paths,
            "dealer_code": dealers,
            "feed": feed,
            "period": PERIOD,
            "rows_read": per_file,
            "rows_loaded": per_file,
            "rows_quarantined": 0,
            "rows_duplicate": 0,
            "trailing_median": per_file.astype(float),
            "prior_periods": 6,
        }
    )
    return rows, files


def main(
    rows: Annotated[int, typer.Option(help="rows per feed")] = 1_000_000,
    files: Annotated[int, typer.Option(help="files per feed (one shard)")] = 2000,
    feeds: Annotated[str, typer.Option(help="comma-separated feeds")] = ",".join(DEALER_FEEDS),
    per_file_sample: Annotated[int, typer.Option(help="files timed for the baseline")] = 40,
) -> None:
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    console = Console(width=150)
    from ingestion.quality.gate import run_gate
    from ingestion.quality.gx_runtime import get_runtime

    started = time.perf_counter()
    runtime = get_runtime()
    console.print(
        f"start-up (once per process): import great_expectations {runtime.import_seconds:.2f} s, "
        f"context + data source {runtime.context_seconds:.3f} s, "
        f"total {time.perf_counter() - started:.2f} s"
    )
    table = Table(title=f"quality gate, {rows:,} rows in {files:,} files per feed")
    for name in (
        "feed",
        "expectations",
        "gate s",
        "s per 1M rows",
        "per-file GX s (extrap.)",
        "per-file / gate",
    ):
        table.add_column(name, justify="right")
    for feed in [f.strip() for f in feeds.split(",") if f.strip()]:
        batch, files_frame = synthetic_batch(feed, rows, files)
        run_gate(feed, batch.head(1000), files_frame.head(5), "warm")  # build the suites once
        t0 = time.perf_counter()
        report = run_gate(feed, batch, files_frame, "bench")
        gate_s = time.perf_counter() - t0
        statuses = pd.Series([v[0] for v in report.verdicts.values()]).value_counts().to_dict()
        if statuses != {"pass": files}:
            console.print(f"[red]{feed}: unexpected verdicts {statuses}[/red]")
        sample = files_frame.head(per_file_sample)
        wanted = set(sample["file_path"])
        pieces = {
            path: frame
            for path, frame in batch.groupby("_source_file", sort=False)
            if path in wanted
        }
        t0 = time.perf_counter()
        for record in sample.to_dict("records"):
            run_gate(feed, pieces[record["file_path"]], pd.DataFrame([record]), "per-file")
        per_file_s = (time.perf_counter() - t0) / len(sample) * files
        n_exp = len(report.results) // files
        table.add_row(
            feed,
            str(n_exp),
            f"{gate_s:.2f}",
            f"{gate_s / rows * 1e6:.2f}",
            f"{per_file_s:.1f}",
            f"{per_file_s / gate_s:.1f}x",
        )
    console.print(table)


if __name__ == "__main__":
    typer.run(main)
