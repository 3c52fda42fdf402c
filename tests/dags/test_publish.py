"""warehouse.build_and_publish: a real dbt build into a new file, published atomically."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion.settings import Settings
from warehouse.publish import WarehouseBuildFailed, build_and_publish

PROFILES = """
tiny:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('AFTERSALES_WAREHOUSE_BUILD_PATH') }}"
      threads: 1
"""
PROJECT = """
name: tiny
version: "1.0"
config-version: 2
profile: tiny
models:
  tiny:
    +materialized: table
"""


def make_project(root: Path, marker_sql: str, failing_test: bool = False) -> Path:
    project = root / "dbt"
    (project / "models" / "marts").mkdir(parents=True, exist_ok=True)
    (project / "models" / "staging").mkdir(exist_ok=True)
    (project / "tests").mkdir(exist_ok=True)
    (project / "dbt_project.yml").write_text(PROJECT)
    (project / "profiles.yml").write_text(PROFILES)
    # a staging model is built but not served: the served file holds the marts only
    (project / "models" / "staging" / "stg_marker.sql").write_text("select 1 as staged")
    (project / "models" / "marts" / "marker.sql").write_text(marker_sql)
    singular = project / "tests" / "marker_is_small.sql"
    if failing_test:
        singular.write_text("select * from {{ ref('marker') }} where marker > 0")
    else:
        singular.unlink(missing_ok=True)
    return project


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(lake=tmp_path / "lake", warehouse=tmp_path / "warehouse" / "aftersales.duckdb")


def read_marker_in_new_process(path: Path) -> int:
    """A reader in another process (like Superset): DuckDB caches open databases per process."""
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(con.execute('select marker from main.marker').fetchone()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_publish_lifecycle(tmp_path: Path, settings: Settings) -> None:
    """Publish, fail twice without touching the served file, publish again under a reader."""
    build_dir = settings.warehouse.parent / "build"
    build_dir.mkdir(parents=True)
    stale = build_dir / "aftersales-crashed-earlier.duckdb"
    stale.write_bytes(b"partial")
    project = make_project(tmp_path, "select 1 as marker")

    first = build_and_publish(settings, project_dir=project, mode="subprocess", run_label="run 1")

    assert read_marker_in_new_process(settings.warehouse) == 1
    assert first["table_rows"] == {"marker": 1}
    assert first["dbt_status_counts"] == {"success": 2}
    assert stale.name in first["cleaned_build_files"]
    assert not list(build_dir.glob("aftersales-*"))
    assert (build_dir / "dbt_target" / "run_results.json").exists()
    assert not Path(f"{settings.warehouse}.wal").exists()
    published = sha256(settings.warehouse)

    reader = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert reader.execute("select marker from main.marker").fetchone()[0] == 1

        make_project(tmp_path, "select marker from table_that_does_not_exist")
        with pytest.raises(WarehouseBuildFailed, match="left unchanged"):
            build_and_publish(settings, project_dir=project, mode="subprocess")
        assert sha256(settings.warehouse) == published
        assert not list(build_dir.glob("aftersales-*"))

        make_project(tmp_path, "select 2 as marker", failing_test=True)
        with pytest.raises(WarehouseBuildFailed, match="marker_is_small"):
            build_and_publish(settings, project_dir=project, mode="inprocess")
        assert sha256(settings.warehouse) == published
        assert read_marker_in_new_process(settings.warehouse) == 1

        make_project(tmp_path, "select 2 as marker")
        second = build_and_publish(settings, project_dir=project, mode="inprocess")

        assert second["dbt_mode"] == "inprocess"
        assert reader.execute("select marker from main.marker").fetchone()[0] == 1
        assert read_marker_in_new_process(settings.warehouse) == 2
    finally:
        reader.close()
    print(f"\ndbt subprocess {first['dbt_seconds']} s, in-process {second['dbt_seconds']} s")
