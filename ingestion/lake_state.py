"""Landing as one transaction, whatever kills or races it.

- **Dealer locks**: a run holds an exclusive lock for every dealer it ingests (one lock
  file per bucket of dealers, taken in bucket order), so two runs on the same inbox never
  read the ledger at the same time for the same dealer: the second waits, then finds the
  first's ledger rows and skips what was loaded.
- **Staged files, one commit**: a run writes every partition it replaces to a hidden
  staged file beside the target, then commits the ledger rows, the gate results, a journal
  of the pending renames and the manifest of landed files in **one** control-DB
  transaction, then renames. Killed before the commit: nothing is visible, the ledger knows
  nothing, the next run removes the staged files and processes the files again. Killed
  after it: the next run (or the warehouse build, before reading the lake) completes the
  journal, so the lake matches the ledger.
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

LOCK_BUCKETS = 64
LOCK_DIR = "locks"
STAGED_MARK = ".stage-"
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


def _bucket(dealer: str) -> int:
    return zlib.crc32(dealer.encode("utf-8")) % LOCK_BUCKETS


@contextlib.contextmanager
def dealer_locks(lake: Path, dealers: Iterable[str], run_id: str, timeout: float) -> Iterator[None]:
    """Hold the ingestion lock of every dealer in `dealers` (waits up to `timeout` seconds)."""
    by_bucket: dict[int, list[str]] = {}
    for dealer in sorted(set(dealers)):
        by_bucket.setdefault(_bucket(dealer), []).append(dealer)
    lock_dir = lake / LOCK_DIR
    lock_dir.mkdir(parents=True, exist_ok=True)
    held: list[object] = []
    try:
        for bucket in sorted(by_bucket):
            handle = open(lock_dir / f"ingest-{bucket:02d}.lock", "a+")  # noqa: SIM115
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


@dataclass(frozen=True)
class StagedOp:
    """One partition change of a run: `staged` renamed onto `target`, or (None) a removal."""

    dealer_code: str
    target: Path
    staged: Path | None
    sha256: str | None = None
    rows: int | None = None


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


def record_commit(conn: sqlite3.Connection, lake: Path, run_id: str, ops: list[StagedOp]) -> None:
    """Journal and manifest rows of a run (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO landing_journal (run_id, dealer_code, staged, target) VALUES (?, ?, ?, ?)",
        [
            (
                run_id,
                op.dealer_code,
                None if op.staged is None else _rel(lake, op.staged),
                _rel(lake, op.target),
            )
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


def apply_ops(lake: Path, pairs: Iterable[tuple[str | None, str]]) -> None:
    """Rename staged files onto their targets, remove targets of removals (idempotent)."""
    for staged, target in pairs:
        if staged is None:
            (lake / target).unlink(missing_ok=True)
        elif (lake / staged).exists():
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


def complete_pending(
    conn: sqlite3.Connection, lake: Path, dealers: Iterable[str] | None = None
) -> list[str]:
    """Finish the renames of committed runs that were killed (for `dealers`, or all);
    returns the lake-relative targets changed."""
    wanted = None if dealers is None else set(dealers)
    rows = conn.execute(
        "SELECT rowid, dealer_code, staged, target FROM landing_journal ORDER BY rowid"
    ).fetchall()
    todo = [r for r in rows if wanted is None or r[1] in wanted]
    if not todo:
        return []
    apply_ops(lake, [(r[2], r[3]) for r in todo])
    with conn:
        conn.executemany("DELETE FROM landing_journal WHERE rowid = ?", [(r[0],) for r in todo])
    log.warning("completed the landing of %d partition change(s) of a killed run", len(todo))
    return [str(r[3]) for r in todo]


def sweep_staged(areas: Iterable[Path], dealers: Iterable[str]) -> list[Path]:
    """Remove the hidden staged or temporary files a killed run left in the dealers'
    partitions (call under their locks, after complete_pending)."""
    removed = []
    for area in areas:
        for dealer in dealers:
            for path in area.glob(f"*/dealer_code={dealer}/period=*/.*"):
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


def pending_dealers(conn: sqlite3.Connection) -> list[str]:
    return sorted({r[0] for r in conn.execute("SELECT dealer_code FROM landing_journal")})


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
