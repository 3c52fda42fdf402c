"""The metadata template copy takes what is committed, also while it sits in a WAL."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "superset"))

from metadata_template import _copy_atomically


def test_a_copy_holds_commits_not_yet_checkpointed_from_the_wal(tmp_path: Path) -> None:
    source = tmp_path / "superset.db"
    con = sqlite3.connect(source)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("create table logs (id integer)")
    con.executemany("insert into logs values (?)", [(i,) for i in range(100)])
    con.commit()
    assert (tmp_path / "superset.db-wal").stat().st_size > 0  # the rows are in the WAL only
    target = tmp_path / "template" / "copy.db"
    _copy_atomically(source, target)
    con.close()
    assert [p.name for p in target.parent.iterdir()] == ["copy.db"]
    copy = sqlite3.connect(target)
    assert copy.execute("select count(*) from logs").fetchone() == (100,)
    copy.close()
