"""Ingest a list of inbox files: classify, skip known content, process per feed, gate, land."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ingestion.clock import local_now
from ingestion.contracts import DEALER_FEEDS, FEEDS
from ingestion.control_db import (
    commit_run,
    connect,
    latest_entries,
    loaded_content,
    loaded_history,
)
from ingestion.dealer_master import DealerMaster, load_dealer_master
from ingestion.discovery import classify
from ingestion.feed_batch import FileJob, process_feed
from ingestion.flags import compute_flags, landed_rollback_history
from ingestion.inbox_state import read_file, record_signatures, untouched_files
from ingestion.lake_state import (
    PointerChange,
    StagedOp,
    complete_pending,
    complete_run,
    dealer_locks,
    discard_staged,
    fault_point,
    record_commit,
    run_lock,
    sweep_staged,
)
from ingestion.landing import (
    AREAS,
    LANDED,
    QUARANTINE,
    QUARANTINE_SCHEMA,
    LakeWrites,
    Partition,
    landed_schema,
    to_landed_table,
)
from ingestion.phone import hash_phones, mask_phones
from ingestion.quality.gate import run_quality_gate
from ingestion.registry import load_registry
from ingestion.settings import Settings

Progress = Callable[[str, int], None]
LANDING_STATUSES = frozenset({"loaded", "released"})  # the file's rows were landed


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _iso(t: dt.datetime) -> str:
    return t.isoformat(sep=" ", timespec="microseconds")


def ingest_files(
    settings: Settings,
    rel_paths: list[str],
    run_id: str | None = None,
    release: frozenset[str] = frozenset(),
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    reprocess: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Ingest the given inbox-relative files; returns counts per status and rows.

    A file untouched since its content was last read (``ingestion.inbox_state``) is not read
    again; a file whose content was seen before is skipped (loaded) or keeps its status (held,
    rejected) unless it is in `release` (a held file loads) or `reprocess` (processed again
    with the current registry, e.g. after a dialect profile was corrected). A file with the
    content of another file already landed (another name, e.g. another month) is skipped.

    The run holds its dealers' locks from reading the ledger to the last rename, and lands
    through staged files and one control-DB commit (``ingestion.lake_state``)."""
    run_id = run_id or f"run-{uuid.uuid4().hex[:12]}"
    started = _utc_now()
    clock = pd.Timestamp(now) if now is not None else local_now()
    master = load_dealer_master(settings.dealer_master)
    dealers = sorted({rel.split("/", 1)[0] for rel in rel_paths} & set(master.codes))
    lake = settings.lake
    conn = connect(settings.control_db)
    ledger: list[dict[str, Any]] = []
    unchanged = 0
    try:
        with dealer_locks(lake, dealers, run_id, settings.lock_timeout), run_lock(lake, run_id):
            completed = complete_pending(conn, lake)  # a killed run's renames
            sweep_staged(lake, AREAS)
            ledger, unchanged = _ingest_locked(
                settings, master, conn, rel_paths, run_id, clock, release, reprocess, progress
            )
    finally:
        conn.close()
    summary: dict[str, Any] = {"run_id": run_id, "files": len(rel_paths), "unchanged": unchanged}
    summary.update({f"files_{k}": v for k, v in Counter(e["status"] for e in ledger).items()})
    for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate"):
        summary[key] = sum(int(e.get(key) or 0) for e in ledger)
    # feeds whose landed data this run wrote or replaced: what the warehouse must rebuild
    summary["feeds_changed"] = sorted(
        {str(e["feed"]) for e in ledger if e["status"] in LANDING_STATUSES}
        | {target.split("/")[1] for target in completed if target.startswith("landed/")}
    )
    summary["seconds"] = round((_utc_now() - started).total_seconds(), 3)
    return summary


def _skipped(base: dict[str, Any], sha: str, dialect: str | None, reason: str) -> dict[str, Any]:
    return {
        **base,
        "file_sha256": sha,
        "dialect": dialect,
        "status": "skipped",
        "rows_read": 0,
        "reason": reason,
    }


def _ingest_locked(
    settings: Settings,
    master: DealerMaster,
    conn: sqlite3.Connection,
    rel_paths: list[str],
    run_id: str,
    clock: pd.Timestamp,
    release: frozenset[str],
    reprocess: frozenset[str],
    progress: Progress | None,
) -> tuple[list[dict[str, Any]], int]:
    registry = load_registry(settings)
    known = master.codes
    vendors = master.vendors()
    inbox = settings.inbox

    def dialect_pattern(dealer: str, feed: str) -> str | None:
        return registry.dialect_for(dealer, vendors.get(dealer)).file_pattern_for(feed)

    ledger: list[dict[str, Any]] = []
    unchanged = 0
    previous = latest_entries(conn, rel_paths)
    untouched = untouched_files(conn, inbox, rel_paths) - release - reprocess
    seen: list[tuple[str, str, str]] = []  # (path, signature, sha256) of the files read
    jobs_by_feed: dict[str, list[FileJob]] = defaultdict(list)
    copies: list[tuple[FileJob, FileJob]] = []  # (later copy, first file) of the same content
    first_of: dict[str, FileJob] = {}
    read: list[tuple[int, str, dict[str, Any], Any, bytes, str]] = []
    for i, rel in enumerate(rel_paths):
        info = classify(rel, inbox, known, registry.config, dialect_pattern)
        base = {
            "file_path": rel,
            "dealer_code": info.dealer_code,
            "feed": info.feed,
            "period": info.period,
            "run_id": run_id,
            "started_at": _iso(_utc_now()),
        }
        if info.problem:
            ledger.append(
                {
                    **base,
                    "status": "rejected",
                    "reason": f"{info.problem[0]}: {info.problem[1]}",
                    "rows_read": 0,
                }
            )
            continue
        if rel in untouched:
            unchanged += 1  # not written since its content was read: its outcome stands
            continue
        try:
            data, sig = read_file(inbox / rel)
        except OSError as exc:
            ledger.append(
                {
                    **base,
                    "status": "rejected",
                    "rows_read": 0,
                    "reason": f"unreadable: {exc.strerror or exc}",
                }
            )
            continue
        sha = hashlib.sha256(data).hexdigest()
        read.append((i, rel, base, info, data, sha))
        if sig is not None:
            seen.append((rel, sig, sha))
    elsewhere = loaded_content(conn, sorted({r[5] for r in read}))
    for i, rel, base, info, data, sha in read:
        prev = previous.get(rel)
        if prev and prev["file_sha256"] == sha and rel not in release and rel not in reprocess:
            if prev["status"] in ("loaded", "released", "skipped"):
                ledger.append(_skipped(base, sha, prev["dialect"], "same content already loaded"))
            else:
                unchanged += 1  # held / rejected content unchanged: its status stands
            continue
        profile = registry.dialect_for(info.dealer_code, vendors.get(info.dealer_code))
        other = elsewhere.get(sha)
        if other is not None and other != rel:
            ledger.append(
                _skipped(base, sha, profile.name, f"same content as {other}, already loaded")
            )
            continue
        assert info.feed is not None and info.period is not None
        job = FileJob(
            i, rel, info.dealer_code, info.feed, info.period, sha, data, profile, outcome=base
        )
        if sha in first_of:
            copies.append((job, first_of[sha]))
            continue
        first_of[sha] = job
        jobs_by_feed[info.feed].append(job)
    history = loaded_history(
        conn, sorted({j.dealer_code for js in jobs_by_feed.values() for j in js})
    )
    gx_rows: list[dict[str, Any]] = []
    staged: list[StagedOp] = []
    pointers: list[PointerChange] = []
    try:
        entries, results = _ingest_jobs(
            settings, jobs_by_feed, history, run_id, clock, release, progress, staged, pointers
        )
        # a later copy of a file this run landed is skipped; of one it did not, processed
        outcome = {e["file_path"]: e for e in entries}
        again: dict[str, list[FileJob]] = defaultdict(list)
        for job, first in copies:
            done = outcome[first.rel_path]
            if done["status"] in LANDING_STATUSES and done["rows_read"]:
                reason = f"same content as {first.rel_path}, already loaded"
                entries.append(_skipped(job.outcome, job.sha256, job.dialect.name, reason))
            else:
                again[job.feed].append(job)
        more, more_results = _ingest_jobs(
            settings, again, history, run_id, clock, release, progress, staged, pointers
        )
        ledger.extend(entries + more)
        gx_rows.extend(results + more_results)
        fault_point("ingest.staged")
        finished = _iso(_utc_now())
        for e in ledger:
            e.setdefault("finished_at", finished)
        lake = settings.lake

        def also(c: sqlite3.Connection) -> None:
            record_commit(c, lake, run_id, staged, pointers)
            record_signatures(c, seen)

        commit_run(conn, ledger, gx_rows, also)
    except BaseException:
        discard_staged(staged)
        raise
    fault_point("ingest.committed")
    complete_run(conn, settings.lake, run_id, staged)
    return ledger, unchanged


def _ingest_jobs(
    settings: Settings,
    jobs_by_feed: dict[str, list[FileJob]],
    history: list[tuple[str, str, str, int]],
    run_id: str,
    clock: pd.Timestamp,
    release: frozenset[str],
    progress: Progress | None,
    staged: list[StagedOp],
    pointers: list[PointerChange],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Process, gate and stage the files of each feed; staged part files go to `staged`,
    the partition pointers they move to `pointers`."""
    entries: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for feed in DEALER_FEEDS:
        jobs = jobs_by_feed.get(feed, [])
        if not jobs:
            continue
        feed_entries, feed_results, writes = _ingest_feed(
            settings, feed, jobs, history, run_id, clock, release
        )
        batch = writes.stage(settings.lake, run_id)
        staged.extend(batch.files)
        pointers.extend(batch.pointers)
        entries.extend(feed_entries)
        results.extend(feed_results)
        if progress:
            progress(feed, len(jobs))
    return entries, results


def _ingest_feed(
    settings: Settings,
    feed: str,
    jobs: list[FileJob],
    history: list[tuple[str, str, str, int]],
    run_id: str,
    clock: pd.Timestamp,
    release: frozenset[str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], LakeWrites]:
    result = process_feed(feed, jobs, clock)
    files = []
    for job in jobs:
        st = result.stats[job.idx]
        files.append(
            {
                "file_path": job.rel_path,
                "dealer_code": job.dealer_code,
                "feed": feed,
                "period": job.period,
                "rows_read": st["rows_read"],
                "rows_loaded": st["rows_loaded"],
                "rows_quarantined": st["rows_quarantined"],
                "rows_duplicate": st["rows_duplicate"],
                "rejected": st["reject"] is not None,
            }
        )
    this_batch = {(j.dealer_code, feed, j.period) for j in jobs}
    hist = [h for h in history if h[1] == feed and (h[0], h[1], h[2]) not in this_batch]
    reaches_gate = any(not f["rejected"] for f in files)

    valid = result.valid
    if not valid.empty:
        paths = {j.idx: j.rel_path for j in jobs}
        valid["_source_file"] = valid["_file_idx"].map(paths)
        valid["period"] = valid["_file_idx"].map({j.idx: j.period for j in jobs})
        valid["_file_sha256"] = valid["_file_idx"].map({j.idx: j.sha256 for j in jobs})
    verdicts: dict[str, tuple[str, str]] = {}
    results: list[dict[str, Any]] = []
    if not valid.empty:
        replaced = {(j.dealer_code, j.period) for j in jobs}
        past = landed_rollback_history(settings.lake, feed, valid["vin"], replaced)
        valid["dq_flags"] = compute_flags(feed, valid, history=past)
    if reaches_gate:
        gate_rows = (
            valid.drop(
                columns=[c for c in valid.columns if c.endswith("__raw") or c.endswith("__valid")]
            )
            if not valid.empty
            else valid
        )
        gate_rows = gate_rows.drop(columns=FEEDS[feed].phone_columns, errors="ignore")
        verdicts, results = run_quality_gate(settings, feed, gate_rows, files, hist, run_id)

    loaded_at = pd.Timestamp(_utc_now())
    landed_rows = _prepare_landed(feed, valid, settings.phone_hmac_key, loaded_at)
    slices = _slices_by_file(feed, landed_rows)
    quarantine = result.quarantine
    q_slices = _quarantine_slices(feed, jobs, quarantine)
    writes = LakeWrites()
    entries: list[dict[str, Any]] = []
    for job in jobs:
        st = result.stats[job.idx]
        status, reason, gate_failures = "loaded", None, None
        verdict, vreason = verdicts.get(job.rel_path, ("pass", ""))
        if st["reject"] is not None:
            status, reason = "rejected", f"{st['reject'][0]}: {st['reject'][1]}"  # type: ignore[index]
        elif verdict == "reject":
            status, reason, gate_failures = "rejected", f"gate: {vreason}", vreason
        elif verdict == "hold":
            if job.rel_path in release:
                status, reason, gate_failures = (
                    "released",
                    f"released after hold: {vreason}",
                    vreason,
                )
            else:
                status, reason, gate_failures = "held", f"gate: {vreason}", vreason
        elif verdict == "warn":
            gate_failures = vreason
        counts = {
            k: int(st[k])
            for k in (
                "rows_read",
                "rows_loaded",
                "rows_quarantined",  # type: ignore[call-overload]
                "rows_duplicate",
            )
        }
        if status in ("held", "rejected") and st["reject"] is None:
            counts["rows_quarantined"] = counts["rows_read"] - counts["rows_duplicate"]
            counts["rows_loaded"] = 0
        target = Partition(LANDED, feed, job.dealer_code, job.period)
        q_target = Partition(QUARANTINE, feed, job.dealer_code, job.period)
        if status in LANDING_STATUSES:
            table = slices.get(job.idx)
            if table is None:
                table = landed_schema(feed).empty_table()
            writes.write(target, table)
        if counts["rows_read"] or status in LANDING_STATUSES:
            q_table = q_slices.get(job.idx)
            if status in ("held", "rejected") and st["reject"] is None:
                q_rows = _withheld_rows(
                    _rows_of(quarantine, job.idx),
                    _rows_of(landed_rows, job.idx),
                    status,
                    reason or "",
                )
                q_table = _quarantine_table(feed, job, q_rows) if len(q_rows) else None
            if q_table is not None and q_table.num_rows:
                writes.write(q_target, q_table)
            elif status in LANDING_STATUSES:
                writes.remove(q_target)
        entries.append(
            {
                **job.outcome,
                "file_sha256": job.sha256,
                "dialect": job.dialect.name,
                **counts,
                "status": status,
                "reason": reason,
                "gate_failures": gate_failures,
            }
        )
    return entries, results, writes


def _prepare_landed(
    feed: str, valid: pd.DataFrame, key: str, loaded_at: pd.Timestamp
) -> pd.DataFrame:
    if valid.empty:
        return valid
    rows = valid
    if "dq_flags" not in rows:
        rows["dq_flags"] = compute_flags(feed, rows)
    for col in FEEDS[feed].phone_columns:
        rows[col + "_hash"] = hash_phones(rows[col], key)
        rows[col + "_masked"] = mask_phones(rows[col])
    rows["_loaded_at"] = loaded_at
    return rows


def _rows_of(rows: pd.DataFrame, idx: int) -> pd.DataFrame | None:
    if rows.empty:
        return None
    return rows[rows["_file_idx"].to_numpy() == idx]


def _row_groups(idx: np.ndarray) -> list[tuple[int, int, int]]:
    """(file idx, start, stop) of each run of equal values in an array sorted by file idx."""
    if len(idx) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    ends = np.r_[starts[1:], len(idx)]
    return [(int(idx[a]), int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _quarantine_slices(feed: str, jobs: list[FileJob], rows: pd.DataFrame) -> dict[int, pa.Table]:
    """All quarantined rows of the feed batch as one Arrow table, sliced per file (zero-copy)."""
    if rows is None or rows.empty:
        return {}
    rows = rows.sort_values("_file_idx", kind="stable")
    by_idx = {j.idx: j for j in jobs}
    file_idx = rows["_file_idx"].to_numpy()
    codes, uniques = pd.factorize(file_idx, sort=False)
    members = [by_idx[int(u)] for u in uniques]

    def per_file(values: list[str]) -> pa.Array:
        return pa.DictionaryArray.from_arrays(
            pa.array(codes, pa.int32()), pa.array(values, pa.string())
        ).cast(pa.string())

    n = len(rows)
    table = pa.table(
        {
            "feed": pa.array([feed] * n, pa.string()),
            "dealer_code": per_file([j.dealer_code for j in members]),
            "period": per_file([j.period for j in members]),
            "_source_file": per_file([j.rel_path for j in members]),
            "_source_row": pa.array(rows["_source_row"].to_numpy(dtype=np.int64), pa.int64()),
            "_file_sha256": per_file([j.sha256 for j in members]),
            "rule_id": pa.array(rows["rule_id"].astype(str).tolist(), pa.string()),
            "reason": pa.array(rows["reason"].astype(str).tolist(), pa.string()),
            "raw_record": pa.array(rows["raw_record"].astype(str).tolist(), pa.string()),
            "_quarantined_at": pa.array([pd.Timestamp(_utc_now())] * n, pa.timestamp("us")),
        },
        schema=QUARANTINE_SCHEMA,
    )
    return {i: table.slice(a, b - a) for i, a, b in _row_groups(file_idx)}


def _slices_by_file(feed: str, rows: pd.DataFrame) -> dict[int, pa.Table]:
    """Convert all loaded rows of the feed to Arrow once, then slice per file (zero-copy)."""
    if rows.empty:
        return {}
    file_idx = rows["_file_idx"].to_numpy()
    order = np.lexsort((rows["_source_row"].to_numpy(), file_idx))  # Arrow take, not a pandas sort
    table = to_landed_table(feed, rows).take(pa.array(order))
    return {i: table.slice(a, b - a) for i, a, b in _row_groups(file_idx[order])}


def _withheld_rows(
    q_rows: pd.DataFrame | None, ok_rows: pd.DataFrame | None, status: str, reason: str
) -> pd.DataFrame:
    """A held / gate-rejected file: its passing rows are withheld in quarantine too."""
    import json

    parts = [] if q_rows is None else [q_rows]
    if ok_rows is not None and len(ok_rows):
        records = [json.dumps({"_source_row": int(r)}) for r in ok_rows["_source_row"]]
        parts.append(
            pd.DataFrame(
                {
                    "_file_idx": ok_rows["_file_idx"].to_numpy(),
                    "_source_row": ok_rows["_source_row"].to_numpy(),
                    "rule_id": f"file_{status}",
                    "reason": reason,
                    "raw_record": records,
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _quarantine_table(feed: str, job: FileJob, rows: pd.DataFrame | None) -> pa.Table:
    if rows is None or rows.empty:
        return QUARANTINE_SCHEMA.empty_table()
    n = len(rows)
    now = pd.Timestamp(_utc_now())
    return pa.table(
        {
            "feed": pa.array([feed] * n, pa.string()),
            "dealer_code": pa.array([job.dealer_code] * n, pa.string()),
            "period": pa.array([job.period] * n, pa.string()),
            "_source_file": pa.array([job.rel_path] * n, pa.string()),
            "_source_row": pa.array(rows["_source_row"].astype("int64"), pa.int64()),
            "_file_sha256": pa.array([job.sha256] * n, pa.string()),
            "rule_id": pa.array(rows["rule_id"].astype(str).tolist(), pa.string()),
            "reason": pa.array(rows["reason"].astype(str).tolist(), pa.string()),
            "raw_record": pa.array(rows["raw_record"].astype(str).tolist(), pa.string()),
            "_quarantined_at": pa.array([now] * n, pa.timestamp("us")),
        },
        schema=QUARANTINE_SCHEMA,
    )
