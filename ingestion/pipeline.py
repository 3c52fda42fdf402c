"""Pipeline API used by Airflow and the CLI: plan shards, ingest them, land the master, export."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from ingestion.control_db import connect, control_db, latest_entries
from ingestion.control_export import export_tables
from ingestion.dealer_master import land_dealers, load_dealer_master
from ingestion.discovery import list_inbox
from ingestion.inbox_state import untouched_files
from ingestion.lake_state import (
    LakeDamaged,
    complete_pending,
    remove_orphan_temporaries,
    verify_landed,
)
from ingestion.registry import load_registry
from ingestion.settings import ConfigError, Settings, resolve_settings
from ingestion.shard import Progress, ingest_files

MIN_SHARD_FILES = 500
"""Files below which a shard of its own does not pay for a worker process: a worker spends
about 5 s importing pandas, pandera and Great Expectations before its first file, and a
file takes about 5 ms (docs/benchmarks.md)."""


def plan_shards(
    settings: Settings | None = None,
    dealers_per_shard: int | None = None,
    min_shards: int = 1,
) -> list[dict]:
    """Group the inbox files to ingest by dealer into balanced shards of at most about
    `shard_size` files (JSON-serialisable).

    Files untouched since their content was last read (``ingestion.inbox_state``) are left
    out: a nightly run plans only what arrived or changed. A dealer's files always stay in
    one shard, so the number of tasks follows the number of dealers / shard size, not the
    number of files. The shard count is the smallest that keeps shards within the shard
    size (at least `min_shards`, e.g. one per worker, as long as each holds
    `MIN_SHARD_FILES` and there are dealers to split), and each shard takes about the same
    number of files: shards run side by side, so the largest one sets the wall time.
    """
    return plan_ingestion(settings, dealers_per_shard, min_shards)[0]


def plan_ingestion(
    settings: Settings | None = None,
    dealers_per_shard: int | None = None,
    min_shards: int = 1,
) -> tuple[list[dict], int]:
    """The shards of `plan_shards` and the number of untouched files left out."""
    s = resolve_settings(settings)
    listing, untouched = pending_files(s)
    return balanced_shards(listing, s.shard_size, dealers_per_shard, min_shards), untouched


def pending_files(settings: Settings) -> tuple[dict[str, list[str]], int]:
    """The inbox listing by dealer without the untouched files, and how many those were."""
    listing = list_inbox(settings.inbox)
    if not settings.control_db.exists():
        return listing, 0
    with control_db(settings.control_db) as conn:
        untouched = untouched_files(
            conn, settings.inbox, [f for fs in listing.values() for f in fs]
        )
    pending = {d: [f for f in fs if f not in untouched] for d, fs in listing.items()}
    return {d: fs for d, fs in pending.items() if fs}, len(untouched)


def balanced_shards(
    listing: dict[str, list[str]],
    shard_size: int,
    dealers_per_shard: int | None = None,
    min_shards: int = 1,
) -> list[dict]:
    shards: list[dict[str, Any]] = []
    current: dict[str, Any] = {"dealer_codes": [], "files": []}

    def close() -> None:
        if current["dealer_codes"]:
            shards.append(
                {
                    "shard_id": f"shard-{len(shards):04d}",
                    "dealer_codes": list(current["dealer_codes"]),
                    "files": list(current["files"]),
                }
            )
            current["dealer_codes"], current["files"] = [], []

    total = sum(len(files) for files in listing.values())
    wanted = min(min_shards, total // MIN_SHARD_FILES)
    count = min(max(-(-total // shard_size), wanted, 1), max(len(listing), 1))
    target = total / count
    placed = 0
    for dealer in sorted(listing):
        current["dealer_codes"].append(dealer)
        current["files"].extend(listing[dealer])
        placed += len(listing[dealer])
        full = (
            len(current["dealer_codes"]) >= dealers_per_shard
            if dealers_per_shard
            else placed >= target * (len(shards) + 1)
        )
        if full:
            close()
    close()
    return shards


def ingest_shard(
    shard: dict,
    settings: Settings | None = None,
    run_id: str | None = None,
    progress: Progress | None = None,
) -> dict:
    """Ingest the files of one shard; returns counts per file status and rows."""
    s = resolve_settings(settings)
    files = [str(f) for f in shard.get("files", [])]
    summary = ingest_files(s, files, run_id=run_id, progress=progress)
    summary["shard_id"] = shard.get("shard_id")
    return summary


def land_dealer_master(settings: Settings | None = None) -> dict[str, Any]:
    """Land the dealer master; `changed` is false when the landed copy was already equal."""
    s = resolve_settings(settings)
    master = load_dealer_master(s.dealer_master)
    target = s.landed_dir / "dealers" / "data.parquet"
    remove_orphan_temporaries(target.parent, ".data.parquet.tmp-*")
    changed = land_dealers(master, target)
    return {"dealers": len(master.rows), "changed": changed}


def settle_lake(settings: Settings | None = None) -> dict[str, Any]:
    """Make the lake safe to read (the warehouse build calls this first): complete the
    renames of a killed run that had committed (idempotent: committed work is completed by
    whoever comes first), export the
    control tables (a run killed before its export leaves them behind the ledger), then
    check every landed file against the manifest. Raises LakeDamaged naming each missing or
    damaged file."""
    s = resolve_settings(settings)
    if not s.control_db.exists():
        return {"completed": 0, "checked": 0}
    with control_db(s.control_db) as conn:
        completed = complete_pending(conn, s.lake)
        problems = verify_landed(conn, s.lake)
        checked = int(conn.execute("SELECT count(*) FROM landed_files").fetchone()[0])
    export_control_tables(s)
    if problems:
        raise LakeDamaged(
            f"{len(problems)} landed file(s) do not match what ingestion wrote: "
            + "; ".join(problems[:10])
            + ". Reprocess the files of those partitions (aftersales reprocess) or restore them."
        )
    return {"completed": len(completed), "checked": checked}


def export_control_tables(settings: Settings | None = None) -> dict[str, int]:
    s = resolve_settings(settings)
    if s.control_export_dir.is_dir():
        remove_orphan_temporaries(s.control_export_dir, "**/*.tmp-*")
    return export_tables(s.control_db, s.control_export_dir)


def ingest_inbox(settings: Settings | None = None, progress: bool = True) -> dict:
    """Land the dealer master, ingest the shards of the files that arrived or changed,
    export the control tables."""
    s = resolve_settings(settings)
    master = land_dealer_master(s)
    shards, untouched = plan_ingestion(s, min_shards=s.ingest_workers)
    totals = _ingest_batches(s, [sh["files"] for sh in shards], progress)
    totals["unchanged"] = totals.get("unchanged", 0) + untouched
    totals.update(dealers=master["dealers"], shards=len(shards))
    totals["control_tables"] = export_control_tables(s)
    return totals


def select_files(
    settings: Settings | None = None,
    dealers: list[str] | None = None,
    feeds: list[str] | None = None,
    dialect: str | None = None,
    statuses: list[str] | None = None,
) -> list[str]:
    """Inbox files matching every given filter (dealer, feed folder, the dealer's current
    dialect profile, the file's latest ledger status), in inbox order."""
    s = resolve_settings(settings)
    listing = list_inbox(s.inbox)
    wanted_dealers = set(dealers) if dealers else None
    dialect_of: dict[str, str] = {}
    if dialect is not None:
        registry = load_registry(s)
        master = load_dealer_master(s.dealer_master)
        vendors = master.vendors()
        for code in master.codes:
            dialect_of[code] = registry.dialect_for(code, vendors.get(code)).name
    selected = []
    for dealer, files in listing.items():
        if wanted_dealers is not None and dealer not in wanted_dealers:
            continue
        if dialect is not None and dialect_of.get(dealer) != dialect:
            continue
        for rel in files:
            parts = rel.split("/")
            if feeds and (len(parts) < 3 or parts[1] not in feeds):
                continue
            selected.append(rel)
    if statuses:
        with control_db(s.control_db) as conn:
            latest = latest_entries(conn, selected)
        selected = [r for r in selected if r in latest and latest[r]["status"] in statuses]
    return selected


def reprocess_files(settings: Settings | None, files: list[str], progress: bool = True) -> dict:
    """Process the given inbox files again with the current registry, even when their
    content was seen before: loaded periods are replaced atomically, rejected or held files
    get a new outcome. Batches follow the shard size; the control tables are exported."""
    s = resolve_settings(settings)
    land_dealer_master(s)
    batches = [files[i : i + s.shard_size] for i in range(0, len(files), s.shard_size)]
    totals = _ingest_batches(s, batches, progress, reprocess=True)
    totals["control_tables"] = export_control_tables(s)
    return totals


def _ingest_batches(
    s: Settings, batches: list[list[str]], progress: bool, reprocess: bool = False
) -> dict[str, Any]:
    """Ingest batches of files with a progress bar and sum the counts: one after another in
    this process, or side by side on `s.ingest_workers` processes (as Airflow runs mapped
    shard tasks) when there is more than one batch. Every batch is a run of its own
    (`<run_id>-<n>`): it takes its dealers' locks and commits its own landing."""
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    totals: dict[str, Any] = {"run_id": run_id}
    started = time.perf_counter()
    bar = None
    if progress and batches:
        from rich.progress import Progress as RichProgress

        bar = RichProgress(transient=False)
        bar.start()
        task = bar.add_task("ingesting", total=sum(len(b) for b in batches))

    def add(summary: dict[str, Any]) -> None:
        for key, value in summary.items():
            if isinstance(value, int | float):
                totals[key] = totals.get(key, 0) + value

    jobs = [
        (s, [str(f) for f in batch], _batch_run_id(run_id, n, len(batches)), reprocess)
        for n, batch in enumerate(batches)
    ]
    workers = min(s.ingest_workers, len(jobs))
    try:
        if workers <= 1:
            for settings, files, batch_run, again in jobs:
                add(
                    _ingest_batch(
                        settings,
                        files,
                        batch_run,
                        again,
                        (lambda feed, n: bar.advance(task, n)) if bar else None,  # type: ignore[misc]
                    )
                )
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, as_completed

            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = {pool.submit(_ingest_batch, *job): len(job[1]) for job in jobs}
                for future in as_completed(futures):
                    add(future.result())
                    if bar:
                        bar.advance(task, futures[future])
    finally:
        if bar:
            bar.stop()
    totals["seconds"] = round(time.perf_counter() - started, 3)  # wall time, not a sum
    return totals


def _batch_run_id(run_id: str, n: int, batches: int) -> str:
    return run_id if batches == 1 else f"{run_id}-{n:03d}"


def _ingest_batch(
    settings: Settings,
    files: list[str],
    run_id: str,
    reprocess: bool,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """One batch as one run (module level: a worker process imports it by name)."""
    return ingest_files(
        settings,
        files,
        run_id=run_id,
        progress=progress,
        reprocess=frozenset(files) if reprocess else frozenset(),
    )


def release_file(settings: Settings | None, file_path: str | Path) -> dict:
    """Release a held file: load it despite the volume hold (status `released`)."""
    s = resolve_settings(settings)
    rel = _relative(s, file_path)
    conn = connect(s.control_db)
    try:
        entry = latest_entries(conn, [rel]).get(rel)
    finally:
        conn.close()
    if entry is None or entry["status"] != "held":
        state = entry["status"] if entry else "never ingested"
        raise ConfigError(f"{rel} is not held (latest status: {state})")
    summary = ingest_files(s, [rel], release=frozenset([rel]))
    export_control_tables(s)
    return summary


def _relative(s: Settings, file_path: str | Path) -> str:
    p = Path(file_path)
    if p.is_absolute():
        try:
            return p.relative_to(s.inbox).as_posix()
        except ValueError as exc:
            raise ConfigError(f"{p} is not inside the inbox {s.inbox}") from exc
    return p.as_posix()
