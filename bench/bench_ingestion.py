"""Ingestion throughput on a generated network, against a DuckDB floor measured in the same run.

    .venv/pipeline/bin/python bench/bench_ingestion.py --network var/sample_network

Runs the full ingestion (read, map, row contract, quality gate, landing, ledger) feed by feed
over the planned shards into a fresh lake, on `--workers` processes side by side (default: one
per core, as Airflow runs the mapped shard tasks), then measures the floor: DuckDB `read_csv`
over the same number of files per feed, written in the canonical dialect, with explicit column
types and `auto_detect=false` (the fastest of three reads). Then measures the work any
ingestion must do beyond that plain read (bench/required_work.py: parsing the Excel exports,
writing one Parquet file per landed partition) on the same number of workers. Reports rows/s
per feed and overall, the ratio to the floor, the time spent in the quality gate, the process
CPU time (the wall-clock ratio is inflated when other work shares the cores) and the peak
resident memory of one worker. A feed's seconds are its share of the wall time (its
worker-seconds over all worker-seconds). Prints one progress line per shard.

    --report var/bench/reports/ingestion_large   writes ingestion_large.json and .md
    --max-shards N                                ingest only the first N shards
    --workers N                                   shards side by side (1 = one process)
    --shard-size N                                files per shard (default: the setting)
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

import ingestion.shard as shard_module
from ingestion.contracts import DEALER_FEEDS, FEEDS
from ingestion.pipeline import plan_shards
from ingestion.settings import PROJECT_ROOT, Settings
from required_work import excel_parse_seconds, partition_write_seconds


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
    shards = plan_shards(settings)[:max_shards] if max_shards else plan_shards(settings)
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


def write_canonical_copy(settings: Settings, out: Path) -> None:
    """One canonical UTF-8 CSV per landed partition (same file count and rows as landed)."""
    out.mkdir(parents=True, exist_ok=True)
    for feed in DEALER_FEEDS:
        src = settings.landed_dir / feed
        if not src.exists():
            continue
        cols = [c for c in FEEDS[feed].column_names if c != "customer_phone"]
        duckdb.sql(
            f"COPY (SELECT {', '.join(cols)}, dealer_code AS d, period AS p FROM read_parquet("
            f"'{src}/*/*/data.parquet', hive_partitioning=true)) TO '{out / feed}' "
            "(FORMAT csv, HEADER true, PARTITION_BY (d, p), OVERWRITE_OR_IGNORE true)"
        )


FLOOR_REPEATS = 3


def measure_floor(root: Path, repeats: int = FLOOR_REPEATS) -> dict[str, dict[str, float]]:
    """Per feed, the fastest of `repeats` DuckDB reads of its files (a floor is a best case:
    single reads of 64,710 small files varied from 14.6 to 44 s between runs)."""
    out: dict[str, dict[str, float]] = {}
    for feed in DEALER_FEEDS:
        files = sorted(str(p) for p in (root / feed).rglob("*.csv"))
        if not files:
            continue
        cols = [c for c in FEEDS[feed].column_names if c != "customer_phone"]
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
        best, rows = float("inf"), 0
        for _ in range(repeats):
            con = duckdb.connect()
            t = time.perf_counter()
            rows = con.execute(
                f"SELECT count(*) FROM read_csv(?, columns={columns}, header=true, "
                "auto_detect=false, delim=',', quote='\"', filename=true, "
                "hive_partitioning=false)",
                [files],
            ).fetchone()[0]
            best = min(best, time.perf_counter() - t)
            con.close()
        out[feed] = {"rows": float(rows), "files": float(len(files)), "seconds": best}
    return out


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
    print("writing the canonical copy for the floor ...", flush=True)
    write_canonical_copy(settings, work / "canonical")
    floor = measure_floor(work / "canonical")
    print(f"floor: {sum(f['seconds'] for f in floor.values()):.1f} s", flush=True)
    print("measuring the required work (Excel parse, partition writes) ...", flush=True)
    excel = excel_parse_seconds(network / "inbox", args.workers)
    writes = partition_write_seconds(settings.landed_dir, work / "rewrite", args.workers)
    shutil.rmtree(work / "rewrite", ignore_errors=True)

    print(f"network {network}: {sum(s['files'] for s in ours.values()):.0f} files")
    print(f"{'feed':24} {'files':>7} {'rows':>10} {'rows/s':>10} {'floor rows/s':>13} {'ratio':>7}")
    report: dict[str, object] = {"network": str(network), "feeds": {}}
    for feed in [*DEALER_FEEDS, "other"]:
        if feed not in ours:
            continue
        o = ours[feed]
        f = floor.get(feed)
        rate = o["rows"] / o["seconds"] if o["seconds"] else 0.0
        frate = f["rows"] / f["seconds"] if f and f["seconds"] else 0.0
        ratio = o["seconds"] / f["seconds"] if f and f["seconds"] else float("nan")
        print(
            f"{feed:24} {o['files']:7.0f} {o['rows']:10.0f} {rate:10.0f} {frate:13.0f} {ratio:7.1f}"
        )
        report["feeds"][feed] = {**o, "rows_per_s": rate, "floor": f, "ratio": ratio}  # type: ignore[index]
    rows = sum(o["rows"] for o in ours.values())
    floor_seconds = sum(f["seconds"] for f in floor.values())
    overall = {
        "rows": rows,
        "seconds": total_seconds,
        "rows_per_s": rows / total_seconds,
        "floor_seconds": floor_seconds,
        "ratio": total_seconds / floor_seconds,
        "gate_seconds": gate_seconds,
        "ratio_without_gate": (total_seconds - gate_seconds) / floor_seconds,
        "cpu_seconds": total_cpu,
        "cpu_ratio": total_cpu / floor_seconds,
        "files": sum(o["files"] for o in ours.values()),
        "shards_limit": args.max_shards,
        "workers": args.workers,
        "shard_size": settings.shard_size,
        "peak_rss_mb": peak,
    }
    required = excel["seconds"] + writes["seconds"]
    report["required_work"] = {
        "excel_parse": excel,
        "partition_writes": writes,
        "seconds": required,
        "ratio": required / floor_seconds,
        "pipeline_share": required / total_seconds,
        "pipeline_ratio": total_seconds / (floor_seconds + required),
    }
    report["overall"] = overall
    print(
        f"{'overall':24} {'':7} {rows:10.0f} {rows / total_seconds:10.0f} "
        f"{sum(f['rows'] for f in floor.values()) / floor_seconds:13.0f} "
        f"{overall['ratio']:7.1f}"
    )
    print(
        f"quality gate {gate_seconds:.1f} s of {total_seconds:.1f} s; ratio without gate "
        f"{overall['ratio_without_gate']:.1f}; peak RSS {peak:.0f} MB"
    )
    print(f"pipeline cpu {total_cpu:.1f} s; cpu / floor wall {overall['cpu_ratio']:.1f}")
    print(
        f"required work beyond the floor's read: Excel parse {excel['seconds']:.1f} s "
        f"({excel['files']:.0f} files), partition writes {writes['seconds']:.1f} s "
        f"({writes['files']:.0f} files) = {required:.1f} s = {required / floor_seconds:.1f}x "
        f"the floor ({required / total_seconds:.0%} of the pipeline); pipeline / (floor + "
        f"required work) {total_seconds / (floor_seconds + required):.1f}"
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


def _markdown(report: dict) -> str:
    o = report["overall"]
    lines = [
        f"# Ingestion bench: {report['network']}",
        "",
        f"{o['files']:.0f} files, {o['rows']:.0f} rows; pipeline {o['seconds']:.1f} s wall, "
        f"{o['cpu_seconds']:.1f} s cpu; floor {o['floor_seconds']:.1f} s; quality gate "
        f"{o['gate_seconds']:.1f} s; {o['workers']} workers, shards of "
        f"{o['shard_size']} files, peak RSS per worker "
        f"{o['peak_rss_mb']:.0f} MB.",
        "",
        "| feed | files | rows | s | cpu s | rows/s | floor s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for feed, f in report["feeds"].items():
        fl = f.get("floor") or {}
        lines.append(
            f"| {feed} | {f['files']:.0f} | {f['rows']:.0f} | {f['seconds']:.1f} | "
            f"{f['cpu_seconds']:.1f} | {f['rows_per_s']:.0f} | {fl.get('seconds', 0):.2f} | "
            f"{f['ratio']:.1f} |"
        )
    lines.append(
        f"| overall | {o['files']:.0f} | {o['rows']:.0f} | {o['seconds']:.1f} | "
        f"{o['cpu_seconds']:.1f} | {o['rows_per_s']:.0f} | {o['floor_seconds']:.2f} | "
        f"{o['ratio']:.1f} |"
    )
    lines += [
        "",
        f"Ratio without the gate {o['ratio_without_gate']:.1f}; cpu / floor {o['cpu_ratio']:.1f}.",
        "",
    ]
    r = report.get("required_work")
    if r:
        lines += [
            f"Required work beyond the floor's read (bare libraries, same workers): Excel parse "
            f"{r['excel_parse']['seconds']:.1f} s ({r['excel_parse']['files']:.0f} files), "
            f"one Parquet file per landed partition {r['partition_writes']['seconds']:.1f} s "
            f"({r['partition_writes']['files']:.0f} files): {r['seconds']:.1f} s, "
            f"{r['ratio']:.1f}x the floor, {r['pipeline_share']:.0%} of the pipeline; "
            f"pipeline / (floor + required work) {r['pipeline_ratio']:.1f}.",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
