"""The dbt build caps DuckDB's memory so a large build cannot take the whole machine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from warehouse.dbt_build import dbt_env, default_memory_limit


def test_default_limit_is_half_the_memory() -> None:
    total_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    limit = default_memory_limit()
    assert limit.endswith("GB")
    assert 1 <= int(limit[:-2]) <= max(1, total_gb / 2)


def test_env_carries_limit_and_spill_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AFTERSALES_DUCKDB_MEMORY_LIMIT", raising=False)
    env = dbt_env(tmp_path / "build" / "b.duckdb", tmp_path / "lake")
    assert env["AFTERSALES_DUCKDB_MEMORY_LIMIT"] == default_memory_limit()
    assert env["AFTERSALES_DUCKDB_TEMP_DIR"] == str(tmp_path / "build" / "duckdb_spill")
    monkeypatch.setenv("AFTERSALES_DUCKDB_MEMORY_LIMIT", "3GB")
    assert dbt_env(tmp_path / "b.duckdb", tmp_path)["AFTERSALES_DUCKDB_MEMORY_LIMIT"] == "3GB"
