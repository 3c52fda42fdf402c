"""Ingestion throughput on a generated network, against the read + write floor measured in
the same run.

    .venv/pipeline/bin/python bench/bench_ingestion.py --network var/sample_network

Runs the full ingestion (read, map, row contract, quality gate, landing, ledger) feed by feed
over the planned shards into a fresh lake, on `--workers` processes side by side (default: one
per core, as Airflow runs the mapped shard tasks), then measures the floor on the same files
(bench/floor.py): every export read once by the fastest bare reader for its format (DuckDB
`read_csv` over each dialect's file list with every value materialised, best of three, GB18030
decoded first and counted; calamine for workbooks) plus the same rows written once as Parquet,
one COPY per feed. Reports per feed and overall the pipeline's seconds, the floor's read and
write seconds, and the ratio pipeline / (read + write); also the time spent in the quality gate,
the process CPU time (the wall-clock ratio is inflated when other work shares the cores), CPU
per landed row, the files in the lake and the peak resident memory of one worker. A feed's
seconds are its share of the wall time (its worker-seconds over all worker-seconds). Prints
one progress line per shard.

    --report var/bench/reports/ingestion_large   writes ingestion_large.json and .md
    --max-shards N                                ingest only the first N shards
    --workers N                                   shards side by side (1 = one process)
    --shard-size N                                files per shard (default: the setting)
    --cli                                         time `aftersales ingest` as a user runs it
                                                  (ingest_inbox on --workers processes, its own
                                                  shard plan) against the floor, nothing else
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import duckdb
from floor import measure_floor

import ingestion.shard as shard_module
from ingestion.contracts import DEALER_FEEDS
from ingestion.pipeline import ingest_inbox, plan_shards
from ingestion.settings import PROJECT_ROOT, Settings


def _peak_rss_mb() -> float:
    """Largest resident set of this process or any finished worker (one worker's batch)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024


def _cpu_seconds() -> float:
    """CPU time of this process plus its finished workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _progress(done: int, total: int, files: int, rows: float, started: float) -> None:
    elapsed = time.perf_counter() - started
    eta = elapsed / done * (total - done) if done else 0.0
    print(
        f"shard {done}/{total}: {files} files, {rows:.0f} rows, {elapsed:.0f} s, "
        f"{rows / elapsed if elapsed else 0:.0f} rows/s, eta {eta / 60:.1f} min",
        flush=True,
    )


_GATE_SECONDS = 0.0


def _install_gate_timer() -> None:
    """Worker initializer: time the quality gate inside each worker (measure, do not replace)."""
    original = shard_module.run_quality_gate

    def timed_gate(*args, **kwargs):  # type: ignore[no-untyped-def]
        global _GATE_SECONDS
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _GATE_SECONDS += time.perf_counter() - t

    shard_module.run_quality_gate = timed_gate


def _ingest_shard(
    settings: Settings, shard: dict
) -> tuple[dict[str, dict[str, float]], float, int]:
    """One shard feed by feed in a worker: per-feed rows/files/seconds, gate seconds, files."""
    global _GATE_SECONDS
    _GATE_SECONDS = 0.0
    by_feed: dict[str, list[str]] = defaultdict(list)
    for f in shard["files"]:
        parts = f.split("/")
        by_feed[parts[1] if len(parts) == 3 else "other"].append(f)
    stats: dict[str, dict[str, float]] = {}
    for feed, files in by_feed.items():
        t, c = time.perf_counter(), time.process_time()
        summary = shard_module.ingest_files(settings, files)
        stats[feed] = {
            "seconds": time.perf_counter() - t,
            "cpu_seconds": time.process_time() - c,
            "rows": float(summary["rows_read"]),
            "files": float(len(files)),
        }
    return stats, _GATE_SECONDS, len(shard["files"])


def run_pipeline(
    settings: Settings, max_shards: int | None = None, workers: int = 1
) -> tuple[dict[str, dict[str, float]], float]:
    """Ingest every shard on `workers` processes (as Airflow runs mapped shard tasks side by
    side); returns per-feed rows / files / worker-seconds and the gate's worker-seconds."""
    stats: dict[str, dict[str, float]] = defaultdict(
        lambda: {"rows": 0.0, "files": 0.0, "seconds": 0.0, "cpu_seconds": 0.0}
    )
    shards = plan_shards(settings, min_shards=workers)
    shards = shards[:max_shards] if max_shards else shards
    started = time.perf_counter()
    done_files, done_rows, gate_seconds = 0, 0.0, 0.0
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_install_gate_timer) as pool:
        futures = [pool.submit(_ingest_shard, settings, shard) for shard in shards]
        for n, future in enumerate(as_completed(futures), start=1):
            feed_stats, gate, files = future.result()
            gate_seconds += gate
            for feed, st in feed_stats.items():
                for key, value in st.items():
                    stats[feed][key] += value
                done_rows += st["rows"]
            done_files += files
            _progress(n, len(shards), done_files, done_rows, started)
    return dict(stats), gate_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--network", type=Path, default=PROJECT_ROOT / "var" / "sample_network")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "var" / "bench" / "ingestion")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here too")
    parser.add_argument(
        "--report", type=Path, default=None, help="write <report>.json and <report>.md"
    )
    parser.add_argument("--max-shards", type=int, default=None, help="only the first N shards")
    parser.add_argument(
        "--shard-size",
        type=int,
        default=None,
        help="files per shard (default: the settings default, AFTERSALES_SHARD_SIZE)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="shards ingested side by side, like mapped Airflow tasks (default: all cores)",
    )
    parser.add_argument(
        "--drop-work", action="store_true", help="delete the work directory (lake, floor copy)"
    )
    parser.add_argument(
        "--cli", action="store_true", help="time `aftersales ingest` (ingest_inbox) instead"
    )
    args = parser.parse_args()
    network = args.network.resolve()
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = Settings(
        inbox=network / "inbox",
        dealer_master=network / "master" / "dealers.csv",
        lake=work / "lake",
        env="test",
        **({"shard_size": args.shard_size} if args.shard_size else {}),
    )
    if args.cli:
        run_cli(settings.model_copy(update={"workers": args.workers}), work, args.report)
        return
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    worker_seconds, gate_worker_seconds = run_pipeline(settings, args.max_shards, args.workers)
    total_seconds = time.perf_counter() - started
    total_cpu = _cpu_seconds() - cpu_started
    # Per feed: its share of the wall time = its worker-seconds / all worker-seconds.
    busy = sum(st["seconds"] for st in worker_seconds.values()) or 1.0
    ours = {
        feed: {
            **st,
            "worker_seconds": st["seconds"],
            "seconds": st["seconds"] / busy * total_seconds,
        }
        for feed, st in worker_seconds.items()
    }
    gate_seconds = gate_worker_seconds / busy * total_seconds
    peak = _peak_rss_mb()
    print(
        f"pipeline: {total_seconds:.1f} s, gate {gate_seconds:.1f} s, peak RSS {peak:.0f} MB",
        json.dumps(ours, default=float),
        flush=True,
    )
    landed_rows = _landed_rows(settings.landed_dir)
    lake_files = sum(1 for p in settings.lake.rglob("*") if p.is_file())
    print("measuring the floor (read + write) on the same files ...", flush=True)
    floor = measure_floor(settings, work / "floor", args.workers)
    shutil.rmtree(work / "floor", ignore_errors=True)
    read_s = sum(f["read_seconds"] for f in floor.values())
    write_s = sum(f["write_seconds"] for f in floor.values())
    floor_seconds = read_s + write_s
    print(f"floor: read {read_s:.1f} s + write {write_s:.1f} s", flush=True)

    print(f"network {network}: {sum(s['files'] for s in ours.values()):.0f} files")
    print(
        f"{'feed':24} {'files':>7} {'rows':>10} {'s':>8} {'read s':>8} {'write s':>8} {'ratio':>7}"
    )
    report: dict[str, object] = {"network": str(network), "feeds": {}}
    for feed in [*DEALER_FEEDS, "other"]:
        if feed not in ours:
            continue
        o = ours[feed]
        f = floor.get(feed)
        rate = o["rows"] / o["seconds"] if o["seconds"] else 0.0
        ratio = o["seconds"] / f["seconds"] if f and f["seconds"] else float("nan")
        print(
            f"{feed:24} {o['files']:7.0f} {o['rows']:10.0f} {o['seconds']:8.1f} "
            f"{(f or {}).get('read_seconds', 0):8.2f} {(f or {}).get('write_seconds', 0):8.2f} "
            f"{ratio:7.1f}"
        )
        report["feeds"][feed] = {**o, "rows_per_s": rate, "floor": f, "ratio": ratio}  # type: ignore[index]
    rows = sum(o["rows"] for o in ours.values())
    overall = {
        "rows": rows,
        "landed_rows": landed_rows,
        "seconds": total_seconds,
        "rows_per_s": rows / total_seconds,
        "floor_read_seconds": read_s,
        "floor_write_seconds": write_s,
        "floor_seconds": floor_seconds,
        "ratio": total_seconds / floor_seconds,
        "gate_seconds": gate_seconds,
        "ratio_without_gate": (total_seconds - gate_seconds) / floor_seconds,
        "cpu_seconds": total_cpu,
        "cpu_ratio": total_cpu / floor_seconds,
        "cpu_us_per_landed_row": total_cpu / landed_rows * 1e6 if landed_rows else float("nan"),
        "files": sum(o["files"] for o in ours.values()),
        "lake_files": lake_files,
        "shards_limit": args.max_shards,
        "workers": args.workers,
        "shard_size": settings.shard_size,
        "peak_rss_mb": peak,
    }
    report["overall"] = overall
    print(
        f"{'overall':24} {overall['files']:7.0f} {rows:10.0f} {total_seconds:8.1f} "
        f"{read_s:8.2f} {write_s:8.2f} {overall['ratio']:7.1f}"
    )
    print(
        f"quality gate {gate_seconds:.1f} s of {total_seconds:.1f} s; ratio without gate "
        f"{overall['ratio_without_gate']:.1f}; peak RSS {peak:.0f} MB"
    )
    print(
        f"pipeline cpu {total_cpu:.1f} s ({overall['cpu_us_per_landed_row']:.1f} us per landed "
        f"row); cpu / floor wall {overall['cpu_ratio']:.1f}; files in the lake {lake_files}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=float), encoding="utf-8")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.with_suffix(".json").write_text(
            json.dumps(report, indent=2, default=float), encoding="utf-8"
        )
        args.report.with_suffix(".md").write_text(_markdown(report), encoding="utf-8")
    if args.drop_work:
        shutil.rmtree(work, ignore_errors=True)


def run_cli(settings: Settings, work: Path, report: Path | None) -> None:
    """`aftersales ingest` as a user runs it (its own shard plan, one process per worker)
    against the read + write floor on the same files, in one run."""
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    totals = ingest_inbox(settings, progress=False)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    floor = measure_floor(settings, work / "floor", settings.ingest_workers)
    shutil.rmtree(work / "floor", ignore_errors=True)
    read_s = sum(f["read_seconds"] for f in floor.values())
    write_s = sum(f["write_seconds"] for f in floor.values())
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows_read": totals.get("rows_read"),
        "shards": totals.get("shards"),
        "workers": settings.ingest_workers,
        "floor_read_seconds": read_s,
        "floor_write_seconds": write_s,
        "ratio": seconds / (read_s + write_s),
    }
    print(
        f"aftersales ingest: {seconds:.1f} s ({cpu:.1f} s cpu, {result['shards']} shards on "
        f"{result['workers']} workers) against a floor of read {read_s:.1f} s + write "
        f"{write_s:.1f} s: {result['ratio']:.1f}x",
        flush=True,
    )
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")


def _landed_rows(landed: Path) -> int:
    """Rows in the landed Parquet files (what the ingestion wrote for readers)."""
    files = [str(p) for p in landed.rglob("*.parquet")]
    if not files:
        return 0
    return int(
        duckdb.sql(f"SELECT sum(num_rows) FROM parquet_file_metadata({files})").fetchone()[0]  # type: ignore[index]
    )


def _markdown(report: dict) -> str:
    o = report["overall"]
    lines = [
        f"# Ingestion bench: {report['network']}",
        "",
        f"{o['files']:.0f} files, {o['rows']:.0f} rows read, {o['landed_rows']} landed; "
        f"pipeline {o['seconds']:.1f} s wall, {o['cpu_seconds']:.1f} s cpu "
        f"({o['cpu_us_per_landed_row']:.1f} us per landed row); floor: read "
        f"{o['floor_read_seconds']:.1f} s + write {o['floor_write_seconds']:.1f} s; quality "
        f"gate {o['gate_seconds']:.1f} s; {o['workers']} workers, shards of "
        f"{o['shard_size']} files; {o['lake_files']} files in the lake; peak RSS per worker "
        f"{o['peak_rss_mb']:.0f} MB.",
        "",
        "| feed | files | rows | s | cpu s | rows/s | floor read s | floor write s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for feed, f in report["feeds"].items():
        fl = f.get("floor") or {}
        lines.append(
            f"| {feed} | {f['files']:.0f} | {f['rows']:.0f} | {f['seconds']:.1f} | "
            f"{f['cpu_seconds']:.1f} | {f['rows_per_s']:.0f} | {fl.get('read_seconds', 0):.2f} | "
            f"{fl.get('write_seconds', 0):.2f} | {f['ratio']:.1f} |"
        )
    lines.append(
        f"| overall | {o['files']:.0f} | {o['rows']:.0f} | {o['seconds']:.1f} | "
        f"{o['cpu_seconds']:.1f} | {o['rows_per_s']:.0f} | {o['floor_read_seconds']:.2f} | "
        f"{o['floor_write_seconds']:.2f} | {o['ratio']:.1f} |"
    )
    lines += [
        "",
        f"Ratio = pipeline / (read + write floor). Without the gate "
        f"{o['ratio_without_gate']:.1f}; cpu / floor {o['cpu_ratio']:.1f}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
