"""Landing as one transaction, whatever kills or races it.

- **Dealer locks**: a run holds an exclusive lock for every dealer it ingests (one lock
  file per bucket of dealers, taken in bucket order), so two runs on the same inbox never
  read the ledger at the same time for the same dealer: the second waits, then finds the
  first's ledger rows and skips what was loaded.
- **Staged files, one commit**: a run writes each part file it adds (one per area and
  feed, ``ingestion.landing``) as a hidden staged file beside its target, then commits the
  ledger rows, the gate results, a journal of the pending renames, the manifest of landed
  files and the moved partition pointers (``lake_partitions``) in **one** control-DB
  transaction, then renames. Killed before the commit: nothing is visible, the ledger knows
  nothing, the next run removes the staged files (their run's lock is free) and processes
  the files again. Killed after it: the next run (or the warehouse build, before reading
  the lake) completes the journal, so the lake matches the ledger.
- **Manifest**: the SHA-256 and row count of every landed file as written;
  ``verify_landed`` names any file that no longer matches (damaged, truncated, replaced,
  removed) instead of letting a reader skip or misread it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import logging
import os
import signal
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.settings import ConfigError

log = logging.getLogger(__name__)

LOCK_DIR = "locks"
STAGED_MARK = ".stage-"
RUN_LOCK_PREFIX = "run-"
FAULT_ENV = "AFTERSALES_FAULT_AT"


class LakeError(ConfigError):
    """The run cannot proceed on this lake; the message says why (exit 2 in the CLI)."""


class IngestionBusy(LakeError):
    """Another run holds a dealer of this run for longer than the lock timeout."""


class LandingFailed(LakeError):
    """Partition files could not be written (e.g. the lake's disk is full): nothing landed."""


class LakeDamaged(LakeError):
    """A landed file differs from what was landed (named in the message)."""


def fault_point(name: str) -> None:
    """Fault drills: SIGKILL this process at the named point when AFTERSALES_FAULT_AT says so."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _lock_key(dealer: str) -> str:
    """The lock file of a dealer: named by a hash of its code (any text is a safe file
    name), 32 bits so that two dealers practically never share a lock. Shards of different
    dealers then never wait for each other (64 shared buckets made two shards of nine
    dealers each wait for one another three times in four)."""
    return f"{zlib.crc32(dealer.encode('utf-8')):08x}"


@contextlib.contextmanager
def dealer_locks(lake: Path, dealers: Iterable[str], run_id: str, timeout: float) -> Iterator[None]:
    """Hold the ingestion lock of every dealer in `dealers` (waits up to `timeout` seconds)."""
    by_bucket: dict[str, list[str]] = {}
    for dealer in sorted(set(dealers)):
        by_bucket.setdefault(_lock_key(dealer), []).append(dealer)
    lock_dir = lake / LOCK_DIR
    lock_dir.mkdir(parents=True, exist_ok=True)
    held: list[object] = []
    try:
        for bucket in sorted(by_bucket):
            handle = open(lock_dir / f"ingest-{bucket}.lock", "a+")  # noqa: SIM115
            try:
                _acquire(handle, by_bucket[bucket], timeout)
            except BaseException:
                handle.close()
                raise
            held.append(handle)
            handle.seek(0)
            handle.truncate()
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            handle.write(f"run {run_id} (pid {os.getpid()}) since {stamp}\n")
            handle.flush()
        yield
    finally:
        for handle in reversed(held):
            fcntl.flock(handle, fcntl.LOCK_UN)  # type: ignore[arg-type]
            handle.close()  # type: ignore[attr-defined]


def _acquire(handle: object, dealers: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    warned = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[arg-type]
            return
        except BlockingIOError:
            handle.seek(0)  # type: ignore[attr-defined]
            holder = handle.read().strip() or "another run"  # type: ignore[attr-defined]
            names = ", ".join(dealers[:5]) + (" ..." if len(dealers) > 5 else "")
            if time.monotonic() >= deadline:
                raise IngestionBusy(
                    f"dealer(s) {names} are being ingested by {holder}; gave up after "
                    f"{timeout:.0f} s (AFTERSALES_LOCK_TIMEOUT). Nothing was read or written."
                ) from None
            if not warned:
                log.warning("waiting: dealer(s) %s are being ingested by %s", names, holder)
                warned = True
            time.sleep(0.2)


@dataclass(frozen=True, order=True)
class Partition:
    """One (area, feed, dealer, period): the unit a file's outcome replaces."""

    area: str
    feed: str
    dealer_code: str
    period: str


@dataclass(frozen=True)
class PointerChange:
    """A partition's current version after the run: the lake-relative part file holding
    its rows (None when it has none), or `removed` (the partition no longer exists)."""

    partition: Partition
    part: str | None
    rows: int
    removed: bool = False


@dataclass(frozen=True)
class StagedOp:
    """One file change of a run: `staged` renamed onto `target`, or (None) a removal."""

    target: Path
    staged: Path | None
    sha256: str | None = None
    rows: int | None = None


def discard_staged(ops: Iterable[StagedOp]) -> None:
    """Remove the staged files of changes that will not be committed."""
    for op in ops:
        if op.staged is not None:
            op.staged.unlink(missing_ok=True)


def staged_path(target: Path, token: str) -> Path:
    return target.with_name(f".{target.name}{STAGED_MARK}{token}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def landing_failed(target: Path, exc: OSError) -> LandingFailed:
    what = (
        "the lake's disk is full"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT)
        else (exc.strerror or str(exc))
    )
    return LandingFailed(
        f"cannot write {target}: {what}. Nothing of this run landed and the ledger is "
        "unchanged; free space and run the ingestion again."
    )


def _rel(lake: Path, path: Path) -> str:
    return path.relative_to(lake).as_posix()


def record_commit(
    conn: sqlite3.Connection,
    lake: Path,
    run_id: str,
    ops: list[StagedOp],
    pointers: list[PointerChange],
) -> None:
    """Journal, manifest and partition pointers of a run (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO landing_journal (run_id, staged, target) VALUES (?, ?, ?)",
        [
            (run_id, None if op.staged is None else _rel(lake, op.staged), _rel(lake, op.target))
            for op in ops
        ],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO landed_files (path, sha256, rows, run_id) VALUES (?, ?, ?, ?)",
        [(_rel(lake, op.target), op.sha256, op.rows, run_id) for op in ops if op.staged],
    )
    conn.executemany(
        "DELETE FROM landed_files WHERE path = ?",
        [(_rel(lake, op.target),) for op in ops if op.staged is None],
    )
    conn.executemany(
        "DELETE FROM lake_partitions WHERE area = ? AND feed = ? AND dealer_code = ? "
        "AND period = ?",
        [_key(c.partition) for c in pointers if c.removed],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO lake_partitions "
        "(area, feed, dealer_code, period, part, rows, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(*_key(c.partition), c.part, c.rows, run_id) for c in pointers if not c.removed],
    )


def _key(p: Partition) -> tuple[str, str, str, str]:
    return (p.area, p.feed, p.dealer_code, p.period)


def apply_ops(lake: Path, pairs: Iterable[tuple[str | None, str]]) -> None:
    """Rename staged files onto their targets, remove targets of removals (idempotent: a
    second process completing the same journal finds the work done)."""
    for staged, target in pairs:
        if staged is None:
            (lake / target).unlink(missing_ok=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.replace(lake / staged, lake / target)


def complete_run(conn: sqlite3.Connection, lake: Path, run_id: str, ops: list[StagedOp]) -> None:
    pairs = [
        (None if o.staged is None else _rel(lake, o.staged), _rel(lake, o.target)) for o in ops
    ]
    half = len(pairs) // 2
    apply_ops(lake, pairs[:half])
    fault_point("ingest.renaming")
    apply_ops(lake, pairs[half:])
    fault_point("ingest.renamed")
    with conn:
        conn.execute("DELETE FROM landing_journal WHERE run_id = ?", (run_id,))


def complete_pending(conn: sqlite3.Connection, lake: Path) -> list[str]:
    """Finish the renames and removals of committed runs that were killed; returns the
    lake-relative targets changed. Committed work is always completed, whoever does it."""
    rows = conn.execute(
        "SELECT rowid, staged, target FROM landing_journal ORDER BY rowid"
    ).fetchall()
    if not rows:
        return []
    apply_ops(lake, [(r[1], r[2]) for r in rows])
    with conn:
        conn.executemany("DELETE FROM landing_journal WHERE rowid = ?", [(r[0],) for r in rows])
    log.warning("completed %d file change(s) of a killed run's landing", len(rows))
    return [str(r[2]) for r in rows]


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` (created if missing) while the block runs;
    the kernel releases it when the process dies."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def run_lock(lake: Path, run_id: str) -> Iterator[None]:
    """Held for a run's whole life: staged files of a run whose lock is free are orphans."""
    lock_dir = lake / LOCK_DIR
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / f"{RUN_LOCK_PREFIX}{run_id}.lock"
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_alive(lake: Path, run_id: str) -> bool:
    path = lake / LOCK_DIR / f"{RUN_LOCK_PREFIX}{run_id}.lock"
    try:
        handle = open(path)  # noqa: SIM115
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def sweep_staged(lake: Path, areas: Iterable[str]) -> list[Path]:
    """Remove the hidden staged files that killed runs left (a run whose lock is free);
    call after complete_pending, which renames the staged files of committed runs."""
    removed = []
    for area in areas:
        for path in (lake / area).glob(f"*/.*{STAGED_MARK}*"):
            run_id = path.name.rsplit(STAGED_MARK, 1)[1]
            if not _run_alive(lake, run_id):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def remove_orphan_temporaries(folder: Path, pattern: str) -> list[Path]:
    """Remove `<name>.tmp-<pid>` files in `folder` whose writing process is gone (killed
    between its write and its rename); a live writer's file is left alone."""
    removed = []
    for path in folder.glob(pattern):
        pid = path.name.rsplit(".tmp-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def verify_landed(conn: sqlite3.Connection, lake: Path) -> list[str]:
    """Problems of the landed files against the manifest: missing, changed or unreadable."""
    problems = []
    for path, sha, _rows in conn.execute(
        "SELECT path, sha256, rows FROM landed_files ORDER BY path"
    ):
        full = lake / path
        if not full.exists():
            problems.append(f"{path}: missing (the ledger says it was landed)")
        elif file_sha256(full) != sha:
            problems.append(f"{path}: damaged (its content differs from what was landed)")
    return problems
