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
from ingestion.landing import PartitionWrites
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


def test_partition_writes_last_change_wins_and_nothing_shows_before_the_renames(
    tmp_path: Path,
) -> None:
    first, second, gone = (
        tmp_path / "feed" / f"dealer_code=D{name}" / "period=2024-01" / "data.parquet"
        for name in ("a", "b", "c")
    )
    gone.parent.mkdir(parents=True)
    pq.write_table(_table(1), gone)
    writes = PartitionWrites(threads=2)
    writes.write(_table(2), first)
    writes.write(_table(3), first)  # a later write to the same partition wins
    writes.write(_table(4), second)
    writes.remove(second)  # ... and so does a later removal
    writes.remove(gone)
    ops = writes.stage("run-1")
    assert not first.exists() and gone.exists()  # staged only: nothing visible yet
    assert [op.dealer_code for op in ops] == ["Da", "Db", "Dc"]
    apply_ops(tmp_path, [(None if o.staged is None else str(o.staged), str(o.target)) for o in ops])
    assert pq.read_table(first).num_rows == 3
    assert not second.exists()
    assert not gone.exists()
    assert not list(tmp_path.rglob(".*"))  # no staged file left behind


def test_partition_writes_raise_the_failure_and_remove_staged_files(tmp_path: Path) -> None:
    blocker = tmp_path / "feed" / "dealer_code=D1" / "period=2024-01"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")
    writes = PartitionWrites(threads=2)
    writes.write(
        _table(1), tmp_path / "feed" / "dealer_code=D0" / "period=2024-01" / "data.parquet"
    )
    writes.write(_table(1), blocker / "data.parquet")
    with pytest.raises(OSError):
        writes.stage("run-1")
    assert not list(tmp_path.rglob(".*"))
