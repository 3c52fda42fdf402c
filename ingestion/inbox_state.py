"""What each inbox file looked like when its content was last read: a stat signature.

A nightly run finds thousands of files it has already processed. Reading and hashing each
of them again costs more than the new month itself, so a file whose signature (size,
modification and change times, inode) is the one recorded when its content was last
hashed is not read again: its ledger outcome stands. A signature is recorded only when the
file had not been written for `RACY_SECONDS` before it was read (a write in the same clock
tick as the read could otherwise leave the signature unchanged: the "racy" case of
git's index). Any write, rename onto the path, `touch` or copy changes the change time, so
the file is then read and hashed again; same content is skipped by its hash as before.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

RACY_SECONDS = 2.0
"""A file written less than this before it was read is hashed again on the next run."""


def signature(st: os.stat_result) -> str:
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def read_file(path: Path) -> tuple[bytes, str | None]:
    """The file's bytes (links not followed) and its signature as read, None when it was
    written within `RACY_SECONDS` of the read."""
    now_ns = time.time_ns()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        data = fh.read()
    written_ns = max(st.st_mtime_ns, st.st_ctime_ns)
    trusted = written_ns <= now_ns - int(RACY_SECONDS * 1e9)
    return data, signature(st) if trusted else None


def recorded_signatures(conn: sqlite3.Connection, rel_paths: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(rel_paths), 500):
        chunk = rel_paths[i : i + 500]
        sql = (
            "SELECT file_path, signature FROM inbox_files "
            f"WHERE file_path IN ({', '.join('?' * len(chunk))})"
        )
        out.update(conn.execute(sql, chunk).fetchall())
    return out


def record_signatures(conn: sqlite3.Connection, seen: list[tuple[str, str, str]]) -> None:
    """(inbox path, signature, sha256) of files read by a run, in the run's commit."""
    conn.executemany(
        "INSERT OR REPLACE INTO inbox_files (file_path, signature, file_sha256) VALUES (?, ?, ?)",
        seen,
    )


def untouched_files(conn: sqlite3.Connection, inbox: Path, rel_paths: list[str]) -> set[str]:
    """The files whose signature now is the one recorded when their content was last read."""
    recorded = recorded_signatures(conn, rel_paths)
    out = set()
    base = f"{inbox}{os.sep}"
    for rel, sig in recorded.items():
        try:
            st = os.stat(base + rel, follow_symlinks=False)
        except OSError:
            continue
        if signature(st) == sig:
            out.add(rel)
    return out
