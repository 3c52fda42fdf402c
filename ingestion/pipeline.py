"""Pipeline API used by Airflow and the CLI: plan shards, ingest them, land the master, export."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from ingestion.control_db import connect, export_tables, latest_entries
from ingestion.dealer_master import land_dealers, load_dealer_master
from ingestion.discovery import list_inbox
from ingestion.settings import ConfigError, Settings, resolve_settings
from ingestion.shard import Progress, ingest_files


def plan_shards(
    settings: Settings | None = None, dealers_per_shard: int | None = None
) -> list[dict]:
    """Group inbox files by dealer into shards of about `shard_size` files (JSON-serialisable).

    A dealer's files always stay in one shard, so the number of tasks follows the number of
    dealers / shard size, not the number of files.
    """
    s = resolve_settings(settings)
    listing = list_inbox(s.inbox)
    shards: list[dict[str, Any]] = []
    current: dict[str, Any] = {"dealer_codes": [], "files": []}

    def close() -> None:
        if current["dealer_codes"]:
            current["shard_id"] = f"shard-{len(shards):04d}"
            shards.append(
                {
                    "shard_id": current["shard_id"],
                    "dealer_codes": list(current["dealer_codes"]),
                    "files": list(current["files"]),
                }
            )
            current["dealer_codes"], current["files"] = [], []

    for dealer in sorted(listing):
        current["dealer_codes"].append(dealer)
        current["files"].extend(listing[dealer])
        full = (
            len(current["dealer_codes"]) >= dealers_per_shard
            if dealers_per_shard
            else len(current["files"]) >= s.shard_size
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


def land_dealer_master(settings: Settings | None = None) -> int:
    s = resolve_settings(settings)
    return land_dealers(
        load_dealer_master(s.dealer_master), s.landed_dir / "dealers" / "data.parquet"
    )


def export_control_tables(settings: Settings | None = None) -> dict[str, int]:
    s = resolve_settings(settings)
    return export_tables(s.control_db, s.control_export_dir)


def ingest_inbox(settings: Settings | None = None, progress: bool = True) -> dict:
    """Land the dealer master, ingest every shard in turn, export the control tables."""
    s = resolve_settings(settings)
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    dealers = land_dealer_master(s)
    shards = plan_shards(s)
    totals: dict[str, Any] = {"run_id": run_id, "dealers": dealers, "shards": len(shards)}
    bar = None
    if progress and shards:
        from rich.progress import Progress as RichProgress

        bar = RichProgress(transient=False)
        bar.start()
        task = bar.add_task("ingesting", total=sum(len(sh["files"]) for sh in shards))
    try:
        for shard in shards:
            summary = ingest_shard(
                shard,
                s,
                run_id=run_id,
                progress=(lambda feed, n: bar.advance(task, n)) if bar else None,  # type: ignore[misc]
            )
            for key, value in summary.items():
                if isinstance(value, int | float) and key not in ("shard_id",):
                    totals[key] = totals.get(key, 0) + value
    finally:
        if bar:
            bar.stop()
    totals["control_tables"] = export_control_tables(s)
    return totals


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
