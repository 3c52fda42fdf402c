"""Reuse a migrated, initialised SQLite metadata database for fresh embedded installs.

`superset db upgrade` on an empty SQLite file replays every migration (about 20 s) and
`superset init` then creates all permissions (about 15 s). The result depends only on
the Superset version and its migrations, so the first fresh bootstrap on a machine
saves a copy (before any user, import or role of ours exists) and later fresh
bootstraps start from it. Upgrade and init still run afterwards and reconcile
anything that differs. Only the embedded SQLite default uses this.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import sqlite3
from contextlib import closing
from pathlib import Path


def template_key() -> str:
    spec = importlib.util.find_spec("superset")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("superset is not installed in this environment")
    versions = Path(next(iter(spec.submodule_search_locations))) / "migrations" / "versions"
    digest = hashlib.sha256()
    digest.update(importlib.metadata.version("apache-superset").encode())
    for path in sorted(versions.glob("*.py")):
        digest.update(path.name.encode())
    return digest.hexdigest()[:16]


def template_path(template_dir: Path) -> Path:
    return template_dir / f"superset-metadata-{template_key()}.db"


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy the database `source` to `target` through a temporary file beside it: a reader
    sees the old file or the whole new one, never part of it. SQLite's backup copies what is
    committed, including commits still in a write-ahead log beside the file (the metadata
    database runs in WAL mode, superset_config.py)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.copying")
    tmp.unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(tmp)) as dst:
        src.backup(dst)
    os.replace(tmp, target)


def restore(target: Path, template_dir: Path) -> bool:
    """Copy the template to `target` if `target` is missing and a template exists."""
    source = template_path(template_dir)
    if target.exists() or not source.exists():
        return False
    _copy_atomically(source, target)
    return True


def save(source: Path, template_dir: Path) -> Path:
    """Keep a copy of a freshly upgraded and initialised metadata database."""
    target = template_path(template_dir)
    _copy_atomically(source, target)
    return target
