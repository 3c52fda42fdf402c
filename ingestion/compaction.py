"""`aftersales lake compact`: rewrite each feed's current rows into one part file per area.

The append-only lake grows a part file per (area, feed) and batch, and keeps the rows a
resend or reprocess superseded. Compaction copies the current rows of each (area, feed) into
one new part (ordered by dealer and period, so readers prune row groups), moves every
pointer to it and removes the old parts, in the same transaction as a landing
(``ingestion.lake_state``): readers see the same rows before and after, a kill leaves either
state, and the next run completes or cleans up.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ingestion import lake_state
from ingestion.contracts import DEALER_FEEDS
from ingestion.control_db import connect
from ingestion.lake_read import current_partitions, current_relation
from ingestion.landing import AREAS, COMPRESSION, area_schema, part_name
from ingestion.settings import Settings


@dataclass(frozen=True)
class Compacted:
    area: str
    feed: str
    files_before: int
    files_after: int
    rows: int
    superseded_rows: int


def compact_lake(
    settings: Settings,
    feeds: Iterable[str] = DEALER_FEEDS,
    progress: Callable[[Compacted], None] | None = None,
) -> list[Compacted]:
    """Compact every (area, feed) of `feeds` that has more than one part file or rows no
    pointer reaches; returns what was done per (area, feed)."""
    lake = settings.lake
    if not settings.control_db.exists():
        return []
    conn = connect(settings.control_db)
    run_id = f"compact-{uuid.uuid4().hex[:12]}"
    done: list[Compacted] = []
    try:
        dealers = [r[0] for r in conn.execute("SELECT DISTINCT dealer_code FROM lake_partitions")]
        with (
            lake_state.dealer_locks(lake, dealers, run_id, settings.lock_timeout),
            lake_state.run_lock(lake, run_id),
        ):
            lake_state.complete_pending(conn, lake)
            lake_state.sweep_staged(lake, AREAS)
            for area in AREAS:
                for feed in feeds:
                    result = _compact_one(conn, lake, area, feed, run_id)
                    if result is not None:
                        done.append(result)
                        if progress:
                            progress(result)
    finally:
        conn.close()
    return done


def _compact_one(
    conn: sqlite3.Connection, lake: Path, area: str, feed: str, run_id: str
) -> Compacted | None:
    import duckdb

    folder = lake / area / feed
    parts = sorted(folder.glob("*.parquet"))
    pointers = current_partitions(conn, area, feed)
    current_rows = sum(
        int(r[0])
        for r in conn.execute(
            "SELECT rows FROM lake_partitions WHERE area = ? AND feed = ?", (area, feed)
        )
    )
    stored = sum(
        int(r[0] or 0)
        for r in conn.execute(
            f"SELECT rows FROM landed_files WHERE path IN ({', '.join('?' * len(parts))})",
            [p.relative_to(lake).as_posix() for p in parts],
        )
    )
    if len(parts) <= 1 and stored == current_rows:
        return None  # already one part holding exactly the current rows
    ops: list[lake_state.StagedOp] = []
    changes: list[lake_state.PointerChange] = []
    columns = area_schema(area, feed).names
    with duckdb.connect() as db:
        sql = current_relation(db, lake, pointers, columns)
        if sql is not None:
            target = folder / part_name(run_id)
            staged = lake_state.staged_path(target, run_id)
            try:
                db.execute(
                    f"COPY ({sql} ORDER BY r.dealer_code, r.period, r._source_row) TO "
                    f"'{staged}' (FORMAT parquet, COMPRESSION {COMPRESSION})"
                )
                lake_state.fault_point("compact.staged")
            except (duckdb.IOException, OSError) as exc:
                staged.unlink(missing_ok=True)
                raise lake_state.landing_failed(target, OSError(str(exc))) from exc
            counts = dict(
                ((d, p), n)
                for d, p, n in db.execute(
                    f"SELECT dealer_code, period, count(*) FROM read_parquet('{staged}') "
                    "GROUP BY ALL"
                ).fetchall()
            )
            rows = sum(counts.values())
            ops.append(lake_state.StagedOp(target, staged, lake_state.file_sha256(staged), rows))
            part = target.relative_to(lake).as_posix()
            for (dealer, period), old in sorted(pointers.items()):
                if old:
                    n = counts.get((dealer, period), 0)
                    changes.append(
                        lake_state.PointerChange(
                            lake_state.Partition(area, feed, dealer, period), part, n
                        )
                    )
    ops += [lake_state.StagedOp(p, None) for p in parts]
    try:
        with conn:
            lake_state.record_commit(conn, lake, run_id, ops, changes)
    except BaseException:
        lake_state.discard_staged(ops)
        raise
    lake_state.fault_point("compact.committed")
    lake_state.complete_run(conn, lake, run_id, ops)
    after = 1 if any(op.staged for op in ops) else 0
    kept = sum(int(c.rows) for c in changes)
    return Compacted(area, feed, len(parts), after, kept, max(stored - kept, 0))
