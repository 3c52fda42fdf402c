"""Incremental warehouse build == full build, on the tiny lake after a second ingestion batch.

The first build is full; then a batch lands: a resent file (new part, the pointer moves; one
repair order dropped, one changed, one added), a late file for an old month (which also
carries a newer load of a repair order from the month before), a resent sales file that
drops a sale, a resend that drops an order's later load (the earlier load is current again),
a resent file with no rows (the pointer names no part), a withdrawn partition (pointer
gone), and a dealer closes into a successor.
The incremental build of the first warehouse must then hold the same rows as a full build
of a second one, in every table of the build file (staging, intermediate, facts, marts),
and serve the same KPI marts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from dbt_runner import run_dbt
from make_lake import DEALER_COLUMNS, DEALERS, write_tiny_lake

from ingestion.lake_read import POINTERS_EXPORT
from ingestion.settings import Settings
from warehouse.compare import RUN_DEPENDENT, _rows, differences, duckdb_marts, main_tables
from warehouse.dbt_build import DEFAULT_PROJECT_DIR
from warehouse.publish import (
    BUILD_STATE_TABLE,
    BUILT_PARTITIONS_TABLE,
    build_and_publish,
    build_dir_for,
    code_fingerprint,
    current_build_db,
    exported_pointers,
    incremental_state,
    invalidate_state,
)

BATCH_PART = "part-20240801T020000000000-batch2.parquet"
LOADED_AT = dt.datetime(2024, 8, 1, 2, 0)
STATE_TABLES = (BUILT_PARTITIONS_TABLE, BUILD_STATE_TABLE)


def current_rows(lake: Path, feed: str, dealer: str, period: str) -> pa.Table:
    pointers = pq.read_table(lake / POINTERS_EXPORT)
    row = pointers.filter(
        (pc.field("area") == "landed")
        & (pc.field("feed") == feed)
        & (pc.field("dealer_code") == dealer)
        & (pc.field("period") == period)
    ).to_pylist()
    assert len(row) == 1, (feed, dealer, period)
    part = pq.read_table(lake / row[0]["part"])
    return part.filter((pc.field("dealer_code") == dealer) & (pc.field("period") == period))


def shifted(row: dict[str, Any], days: int) -> dict[str, Any]:
    return {
        k: (v + dt.timedelta(days=days) if isinstance(v, dt.datetime) and k != "_loaded_at" else v)
        for k, v in row.items()
    }


def reloaded_order(lake: Path, dealer: str) -> tuple[str, str, str]:
    """A repair order of `dealer` loaded in two months: (ro_no, later month, earlier month)."""
    found = duckdb.sql(
        "select ro_no, max(period), min(period) "
        f"from read_parquet('{lake}/landed/repair_orders/*.parquet') "
        f"where dealer_code = '{dealer}' group by ro_no having count(*) = 2 order by ro_no limit 1"
    ).fetchone()
    assert found is not None
    return found


def land_second_batch(lake: Path, fallbacks: list[tuple[str, str]]) -> int:
    """Land the second batch; returns how many pointer rows it adds, moves or removes."""
    Edit = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
    batch: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {}

    def land(feed: str, dealer: str, period: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row.update(_loaded_at=LOADED_AT, _file_sha256=f"sha2-{feed}-{dealer}-{period}")
        batch.setdefault(feed, {})[(dealer, period)] = rows

    def resend(feed: str, dealer: str, period: str, edit: Edit) -> None:
        land(feed, dealer, period, edit(current_rows(lake, feed, dealer, period).to_pylist()))

    def resent_orders(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        _dropped, changed, *rest = rows
        changed["total_amount"] += 100
        added = {**rest[0], "ro_no": rest[0]["ro_no"] + "-N", "_source_row": 999}
        return [changed, *rest, added]

    resend("repair_orders", "D001", "2024-03", resent_orders)
    resend("vehicle_sales", "D003", "2024-02", lambda rows: rows[1:])
    # a resend drops an order whose later load it held: the earlier month's load is current
    ro_no, later, earlier = reloaded_order(lake, "D002")
    resend("repair_orders", "D002", later, lambda rows: [r for r in rows if r["ro_no"] != ro_no])
    fallbacks.append((ro_no, earlier))
    # a resent file with no rows: the partition's pointer names no part
    resend("warranty_claims", "D001", "2024-03", lambda rows: [])
    # the late file: D002's June orders, held until now; it also carries a newer load of
    # a May order (status changed), which wins over the May file's row
    may = current_rows(lake, "repair_orders", "D002", "2024-05").to_pylist()
    late = [
        {**shifted(row, 31), "ro_no": row["ro_no"] + "-L", "period": "2024-06"} for row in may[1:]
    ]
    update = {**may[0], "status": "settled", "period": "2024-06", "_source_row": 1}
    land("repair_orders", "D002", "2024-06", [update, *late])

    pointers = pq.read_table(lake / POINTERS_EXPORT).to_pylist()
    before = {(p["area"], p["feed"], p["dealer_code"], p["period"]): p for p in pointers}
    after = dict(before)
    for feed, partitions in batch.items():
        part = f"landed/{feed}/{BATCH_PART}"
        schema = pq.read_schema(lake / next(p["part"] for p in pointers if p["feed"] == feed))
        rows = [row for key in sorted(partitions) for row in partitions[key]]
        if rows:
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), lake / part)
        for (dealer, period), partition_rows in partitions.items():
            after[("landed", feed, dealer, period)] = {
                "area": "landed",
                "feed": feed,
                "dealer_code": dealer,
                "period": period,
                "part": part if partition_rows else None,
                "rows": len(partition_rows),
                "run_id": "batch2",
            }
    # a withdrawn file: its partition has no current version any more
    withdrawn = ("landed", "survey_responses", "D006", "2024-06")
    assert withdrawn in after
    del after[withdrawn]
    export = pq.read_table(lake / POINTERS_EXPORT)
    pq.write_table(
        pa.Table.from_pylist(list(after.values()), schema=export.schema), lake / POINTERS_EXPORT
    )

    # D002 closes at the end of May 2024; D001 takes over its customers
    dealers = [
        {**d, "closed_on": dt.date(2024, 5, 31), "successor_dealer_code": "D001"}
        if d["dealer_code"] == "D002"
        else d
        for d in DEALERS
    ]
    pq.write_table(
        pa.Table.from_pylist(dealers, schema=pa.schema(DEALER_COLUMNS)),
        lake / "landed" / "dealers" / "data.parquet",
    )
    moved = [k for k in after if k in before and after[k]["part"] != before[k]["part"]]
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    return 2 * len(moved) + len(added) + len(removed)


def build_tables(build_db: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table the build made, normalised for comparison (not the build's own state)."""
    tables = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        for table in main_tables(con):
            if table in STATE_TABLES or table in RUN_DEPENDENT:
                continue
            result = con.execute(f'select * from main."{table}"')
            tables[table] = ([d[0] for d in result.description], _rows(result.fetchall()))
    return tables


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("incremental")
    lake = base / "lake"
    write_tiny_lake(lake)
    incremental = Settings(lake=lake, warehouse=base / "incremental" / "aftersales.duckdb")
    first = build_and_publish(incremental, run_label="first")
    fallbacks: list[tuple[str, str]] = []
    changes = land_second_batch(lake, fallbacks)
    second = build_and_publish(incremental, run_label="second")
    full = Settings(lake=lake, warehouse=base / "full" / "aftersales.duckdb")
    refreshed = build_and_publish(full, run_label="full", full_refresh=True)
    return {
        "lake": lake,
        "incremental": incremental,
        "full": full,
        "first": first,
        "second": second,
        "refreshed": refreshed,
        "changes": changes,
        "fallbacks": fallbacks,
    }


def test_second_build_is_incremental_on_the_moved_pointers(builds: dict[str, Any]) -> None:
    assert builds["first"]["build_kind"] == "full"
    assert builds["second"]["build_kind"] == "incremental"
    assert builds["second"]["changed_partitions"] == builds["changes"] == 10
    assert builds["refreshed"]["build_kind"] == "full"
    # the staging models took the incremental path (they read the build's pointer snapshot)
    build_dir = build_dir_for(builds["incremental"].warehouse)
    compiled = next((build_dir / "dbt_target" / "run").rglob("stg_lake__repair_orders.sql"))
    assert BUILT_PARTITIONS_TABLE in compiled.read_text()


def recompute_models(build_dir: Path) -> dict[str, dict[str, Any]]:
    """The models that recompute changed groups only, with their meta (from the manifest)."""
    manifest = json.loads((build_dir / "dbt_target" / "manifest.json").read_text())
    return {
        node["name"]: node["config"]["meta"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("incremental_strategy") == "recompute_groups"
    }


def test_downstream_models_recomputed_only_the_touched_groups(builds: dict[str, Any]) -> None:
    build_dir = build_dir_for(builds["incremental"].warehouse)
    build_db = current_build_db(build_dir)
    models = recompute_models(build_dir)
    assert {"fct_repair_orders", "fct_survey_responses"} <= set(models)
    with duckdb.connect(str(build_db), read_only=True) as con:
        for model, meta in models.items():
            group = ", ".join(meta["recompute_by"])
            scope = f"recompute.{model}__scope"
            recomputed = con.sql(f"select count(*) from {scope}").fetchone()
            held = con.sql(f"select count(distinct ({group})) from main.{model}").fetchone()
            assert recomputed is not None and held is not None
            assert 0 < recomputed[0] < held[0], model
            # D002 closed into D001: every row of D002 carries another rolled-up code now
            d002 = con.sql(
                f"select count(distinct ({group})) filter (where dealer_code = 'D002'), "
                f"count(*) filter (where dealer_code = 'D002' and ({group}) in "
                f"(select ({group}) from {scope})) = count(*) filter (where dealer_code = 'D002') "
                f"from main.{model}"
            ).fetchone()
            assert d002 is not None and d002[0] > 0
            assert d002[1] == ("rolled_up_dealer_code" in meta["dealer_attributes"]), model


def test_uniqueness_after_an_incremental_build_checks_the_written_rows(
    builds: dict[str, Any], tmp_path: Path
) -> None:
    """After an incremental build the uniqueness test of a group-recomputed model checks the
    keys of the recomputed groups only, and still fails on a duplicate among them."""
    build_dir = build_dir_for(builds["incremental"].warehouse)
    compiled = [p.read_text() for p in (build_dir / "dbt_target" / "compiled").rglob("unique_*")]
    for model in recompute_models(build_dir):
        assert any(f"{model}__scope" in sql for sql in compiled), model
    assert any("stg_lake__repair_orders__changes" in sql for sql in compiled)

    build_db = current_build_db(build_dir)
    assert build_db is not None
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(build_db.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "insert into main.fct_repair_orders select * from main.fct_repair_orders as f "
            "where exists (select 1 from recompute.fct_repair_orders__scope as s "
            "where s.dealer_code = f.dealer_code and s.vin = f.vin) limit 1"
        )
    select = "fct_repair_orders,test_name:unique_combination_of_columns"
    run = run_dbt(["test", "--select", select], builds["lake"], copy, tmp_path)
    assert run.returncode == 1, run.output
    assert "FAIL 1 unique_combination_of_columns_fct_repair_orders" in run.output, run.output


def test_incremental_build_equals_full_build_in_every_table(builds: dict[str, Any]) -> None:
    incremental_db = current_build_db(build_dir_for(builds["incremental"].warehouse))
    full_db = current_build_db(build_dir_for(builds["full"].warehouse))
    assert incremental_db is not None and full_db is not None
    incremental, full = build_tables(incremental_db), build_tables(full_db)
    assert any(t.startswith("stg_lake__") for t in incremental)
    assert differences(incremental, full) == []


def test_incremental_build_serves_the_same_kpi_marts(builds: dict[str, Any]) -> None:
    incremental = duckdb_marts(builds["incremental"].warehouse)
    full = duckdb_marts(builds["full"].warehouse)
    assert incremental and differences(incremental, full) == []


def test_the_second_batch_reached_the_warehouse(builds: dict[str, Any]) -> None:
    """The comparison above is not trivially equal: the batch's changes are in both."""
    with duckdb.connect(str(builds["incremental"].warehouse), read_only=True) as con:
        late = con.execute(
            "select count(*) from main.fct_repair_orders where ro_no like '%-L'"
        ).fetchone()
        added = con.execute(
            "select count(*) from main.fct_repair_orders where ro_no like '%-N'"
        ).fetchone()
        closed = con.execute(
            "select closed_on from main.dim_dealers where dealer_code = 'D002'"
        ).fetchone()
    build_db = current_build_db(build_dir_for(builds["incremental"].warehouse))
    assert build_db is not None
    ro_no, earlier = builds["fallbacks"][0]
    with duckdb.connect(str(build_db), read_only=True) as con:
        reloaded = con.execute(
            "select source_period from main.stg_lake__repair_orders "
            "where dealer_code = 'D002' and ro_no = ?",
            [ro_no],
        ).fetchall()
    assert late is not None and late[0] > 0
    assert reloaded == [(earlier,)]
    assert added == (1,)
    assert closed == (dt.date(2024, 5, 31),)


def test_a_build_that_did_not_finish_is_not_trusted(builds: dict[str, Any]) -> None:
    settings = builds["incremental"]
    build_db = current_build_db(build_dir_for(settings.warehouse))
    assert build_db is not None
    fingerprint = code_fingerprint(DEFAULT_PROJECT_DIR, settings.lake)
    pointers = exported_pointers(settings.lake)
    assert incremental_state(build_db, fingerprint, pointers) == 0
    assert incremental_state(build_db, "other code", pointers) is None
    invalidate_state(build_db)
    assert incremental_state(build_db, fingerprint, pointers) is None


def test_fingerprint_follows_the_code_and_the_lake(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "target").mkdir()
    model = project / "models" / "m.sql"
    model.write_text("select 1")
    first = code_fingerprint(project, tmp_path / "lake")
    (project / "target" / "manifest.json").write_text("{}")
    assert code_fingerprint(project, tmp_path / "lake") == first
    assert code_fingerprint(project, tmp_path / "other_lake") != first
    model.write_text("select 2")
    assert code_fingerprint(project, tmp_path / "lake") != first
