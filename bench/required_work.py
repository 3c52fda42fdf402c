"""Work any ingestion of the network must do beyond the floor's plain CSV read, measured
with the bare libraries (no mapping, typing or checks):

- parsing every Excel export (calamine, the fastest reader that installs here: DuckDB
  cannot read .xlsx) into cell values;
- writing the landed layout the contract asks for, one Parquet file per (feed, dealer,
  month), in the cheapest form Parquet allows (no compression, no dictionaries, no
  statistics; the landing itself keeps them), through a temporary file and a rename so that
  a resend replaces a month atomically.

Both run on `workers` processes, like the ingestion itself; each returns the seconds of the
slowest worker (the wall time of that work on those cores).
"""

from __future__ import annotations

import io
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import python_calamine

from ingestion.landing import write_atomic

PLAIN_PARQUET = {"compression": "none", "use_dictionary": False, "write_statistics": False}


def _chunks(items: list[Path], n: int) -> list[list[Path]]:
    return [items[i::n] for i in range(n) if items[i::n]]


def _parse_workbooks(paths: list[Path]) -> tuple[float, int]:
    blobs = [p.read_bytes() for p in paths]  # disk reads are not part of the parse
    started = time.perf_counter()
    cells = 0
    for blob in blobs:
        sheet = python_calamine.load_workbook(io.BytesIO(blob)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
        cells += sum(len(r) for r in rows)
    return time.perf_counter() - started, cells


def _rewrite_partitions(paths: list[Path], scratch: Path) -> tuple[float, int]:
    spent, written = 0.0, 0
    for i, path in enumerate(paths):
        table = pq.read_table(path)  # reading the landed file back is not timed
        target = scratch / f"{i % 1000:03d}" / f"{path.parent.parent.name}-{i}" / "data.parquet"
        started = time.perf_counter()
        write_atomic(table, target, PLAIN_PARQUET)
        spent += time.perf_counter() - started
        written += 1
    return spent, written


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def excel_parse_seconds(inbox: Path, workers: int) -> dict[str, float]:
    files = sorted(inbox.rglob("*.xlsx"))
    if not files:
        return {"files": 0.0, "cells": 0.0, "seconds": 0.0}
    with _pool(workers) as pool:
        parts = list(pool.map(_parse_workbooks, _chunks(files, workers)))
    return {
        "files": float(len(files)),
        "cells": float(sum(c for _, c in parts)),
        "seconds": max(s for s, _ in parts),
    }


def partition_write_seconds(landed: Path, scratch: Path, workers: int) -> dict[str, float]:
    files = sorted(landed.glob("*/dealer_code=*/period=*/data.parquet"))
    if not files:
        return {"files": 0.0, "seconds": 0.0}
    with _pool(workers) as pool:
        parts = list(
            pool.map(
                _rewrite_partitions,
                _chunks(files, workers),
                [scratch / f"w{i}" for i in range(workers)],
            )
        )
    return {"files": float(len(files)), "seconds": max(s for s, _ in parts)}
