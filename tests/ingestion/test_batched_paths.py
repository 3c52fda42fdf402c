"""Batched and vectorised paths give the same answers as the per-value rules they replace."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingestion.lake_state import apply_ops
from ingestion.landing import LakeWrites, Partition
from ingestion.parsing.identifiers import (
    _SCIENTIFIC,
    _SCIENTIFIC_RE2,
    PHONE_PATTERN,
    VIN_PATTERN,
    fullmatch_mask,
)
from ingestion.readers.xlsx_reader import cell_text

CELLS = [
    "1.38E+10",
    "１.３８E+10",  # full-width digits are Unicode digits for Python's \d
    "٣e5",  # Arabic-Indic digit
    "138e5",
    "+1E-3",
    "1.2e",
    " 1e5",
    "1e5\n",
    "13812345678",
    "1HGCM82633A004352",
    "1HGCM82633A00435",
    "1hgcm82633a004352",
    "",
    None,
]


@pytest.mark.parametrize(
    ("python_pattern", "re2_pattern"),
    [(_SCIENTIFIC, _SCIENTIFIC_RE2), (VIN_PATTERN, VIN_PATTERN), (PHONE_PATTERN, PHONE_PATTERN)],
)
def test_fullmatch_mask_agrees_with_python_fullmatch(python_pattern: str, re2_pattern: str) -> None:
    values = pd.Series(CELLS, dtype=object)
    expected = [isinstance(v, str) and re.fullmatch(python_pattern, v) is not None for v in CELLS]
    assert fullmatch_mask(values, re2_pattern).tolist() == expected
    assert any(expected)  # the sample exercises both outcomes


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.datetime(2024, 3, 5, 14, 30), "2024-03-05 14:30"),
        (dt.datetime(2024, 3, 5, 14, 30, 29, 999_999), "2024-03-05 14:30"),
        (dt.datetime(2024, 3, 5, 14, 30, 30), "2024-03-05 14:31"),
        (dt.datetime(2024, 12, 31, 23, 59, 45), "2025-01-01 00:00"),
        (dt.timedelta(days=45356, seconds=52194), "2024-03-05 14:30"),
        (1280.0, "1280"),
        (1280.5, "1280.5"),
        (True, "true"),
        (None, ""),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def _table(n: int) -> pa.Table:
    return pa.table({"x": pa.array(range(n), pa.int64())})


def test_lake_writes_one_part_per_feed_last_change_wins_nothing_visible_before_renames(
    tmp_path: Path,
) -> None:
    a, b, gone = (Partition("landed", "feed", d, "2024-01") for d in ("Da", "Db", "Dc"))
    other = Partition("quarantine", "feed", "Da", "2024-01")
    writes = LakeWrites(threads=2)
    writes.write(a, _table(2))
    writes.write(a, _table(3))  # a later write to the same partition wins
    writes.write(b, _table(4))
    writes.remove(b)  # ... and so does a later removal
    writes.remove(gone)
    writes.write(other, _table(5))
    batch = writes.stage(tmp_path, "run-1")
    assert [op.rows for op in batch.files] == [3, 5]  # one part per (area, feed)
    assert not list(tmp_path.rglob("*.parquet"))  # staged only: nothing visible yet
    part = {c.partition: c for c in batch.pointers}
    assert part[a].part == batch.files[0].target.relative_to(tmp_path).as_posix()
    assert part[a].rows == 3 and not part[a].removed
    assert part[b].removed and part[gone].removed
    assert part[other].part == batch.files[1].target.relative_to(tmp_path).as_posix()
    apply_ops(tmp_path, [(str(o.staged), str(o.target)) for o in batch.files])
    assert pq.read_table(batch.files[0].target).num_rows == 3
    assert batch.files[0].target.parent == tmp_path / "landed" / "feed"
    assert not list(tmp_path.rglob(".*"))  # no staged file left behind


def test_lake_writes_raise_the_failure_and_remove_staged_files(tmp_path: Path) -> None:
    blocker = tmp_path / "quarantine" / "feed"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")
    writes = LakeWrites(threads=2)
    writes.write(Partition("landed", "feed", "D0", "2024-01"), _table(1))
    writes.write(Partition("quarantine", "feed", "D0", "2024-01"), _table(1))
    with pytest.raises(OSError):
        writes.stage(tmp_path, "run-1")
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p != blocker]
