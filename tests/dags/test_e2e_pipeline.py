"""End to end through Airflow: generated network -> feed_ingestion -> warehouse_build.

Runs the real DAGs with `python -m orchestration.run_dags` (`airflow dags test` in one process)
on a tiny generated network, then checks the published warehouse, the ledger and the
quarantine; re-runs the same inbox (nothing changes) and resends one corrected file (only
that dealer-period changes).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from dag_e2e_helpers import (
    byte_hashes,
    dealer_vendors,
    lake_digests,
    latest_ledger,
    mart_hashes,
    mart_tables,
    pipeline_env,
    read_manifest,
    rows_by_source_file,
    run_dags,
    table_columns,
    table_rows,
)

from ingestion.inbox_state import RACY_SECONDS
from ingestion.lake_read import current_rows_sql

pytestmark = pytest.mark.e2e
LOGICAL_DATE = "2023-07-20"
CONTRACT_MARTS = {
    "dim_dealers",
    "dim_vehicles",
    "fct_repair_orders",
    "fct_vehicle_sales",
    "fct_warranty_registrations",
    "fct_warranty_claims",
    "fct_survey_responses",
    "fct_complaints",
    "kpi_dealer_monthly",
    "kpi_dealer_yearly",
    "rpt_regional_rankings",
    "rpt_dealer_scorecard",
    "rpt_feed_health",
}


@pytest.fixture(scope="module")
def first_run(tiny_network: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("e2e")
    inbox = work / "inbox"
    shutil.copytree(tiny_network / "inbox", inbox)
    time.sleep(RACY_SECONDS)  # files arrived before the nightly run, not while it reads them
    env = pipeline_env(inbox, tiny_network / "master" / "dealers.csv", work, work / "airflow")
    summary = run_dags(env, work / "run1.json", LOGICAL_DATE)
    return {
        "work": work,
        "inbox": inbox,
        "env": env,
        "summary": summary,
        "lake": work / "lake",
        "warehouse": work / "warehouse" / "aftersales.duckdb",
    }


def test_first_run_publishes_marts(first_run: dict[str, Any]) -> None:
    states = {dag["dag_id"]: dag["state"] for dag in first_run["summary"]["dags"]}
    assert states == {
        "feed_ingestion": "success",
        "warehouse_build": "success",
        "feed_freshness": "success",
    }
    ingestion = next(d for d in first_run["summary"]["dags"] if d["dag_id"] == "feed_ingestion")
    mapped = [t for t in ingestion["tasks"] if t["task_id"] == "ingest_shard"]
    assert len(mapped) == 1, "4 dealers fit in one shard: tasks follow shards, not files"
    warehouse = first_run["warehouse"]
    assert set(mart_tables(warehouse)) >= CONTRACT_MARTS
    assert len(table_rows(warehouse, "kpi_dealer_monthly")) > 0
    assert not list((warehouse.parent / "build").glob("aftersales-*"))
    # the DAG builds the Great Expectations Data Docs of the run it just validated
    pages = list((first_run["lake"] / "data_docs").rglob("*.html"))
    assert any("repair_orders" in page.read_text(encoding="utf-8") for page in pages)


def test_a_successful_run_prints_no_error_or_warning_line(first_run: dict[str, Any]) -> None:
    """What `make demo` shows: no spurious "XCom not found" (reading the mapped shard
    results), no library warnings, no migration log."""
    output = first_run["summary"]["output"]
    noisy = [
        line
        for line in output.splitlines()
        if re.search(r"\[(error|warning)\s*\]|XCom not found|Traceback|alembic", line)
    ]
    assert not noisy, "\n".join(noisy[:10])


def test_ledger_reconciles_with_the_lake(first_run: dict[str, Any], tiny_network: Path) -> None:
    lake = first_run["lake"]
    ledger = latest_ledger(lake)
    inbox_files = {
        p.relative_to(first_run["inbox"]).as_posix()
        for p in first_run["inbox"].rglob("*")
        if p.is_file()
    }
    assert set(ledger) == inbox_files
    landed = rows_by_source_file(lake, "landed")
    quarantined = rows_by_source_file(lake, "quarantine")
    for path, entry in ledger.items():
        assert entry["status"] == "loaded", (path, entry["status"], entry["reason"])
        assert entry["rows_read"] == (
            entry["rows_loaded"] + entry["rows_quarantined"] + entry["rows_duplicate"]
        ), path
        assert landed.get(path, 0) == entry["rows_loaded"], path
        assert quarantined.get(path, 0) == entry["rows_quarantined"], path


def test_planted_defects_are_quarantined(first_run: dict[str, Any], tiny_network: Path) -> None:
    import duckdb

    manifest = read_manifest(tiny_network)
    relation = current_rows_sql(str(first_run["lake"]), "quarantine")
    with duckdb.connect() as con:
        quarantined = set(
            con.execute(f"select _source_file, _source_row from {relation}").fetchall()
        )
    landed = rows_by_source_file(first_run["lake"], "landed")
    row_defects = [m for m in manifest if m["defect"] != "duplicate_row"]
    assert row_defects
    missing = [m for m in row_defects if (m["file"], int(m["row"])) not in quarantined]
    assert missing == []
    assert landed  # the clean rows did land


def test_rerun_changes_nothing_and_resend_changes_one_dealer_period(
    first_run: dict[str, Any], tiny_network: Path
) -> None:
    lake, warehouse, env, work = (first_run[k] for k in ("lake", "warehouse", "env", "work"))
    landed_before = byte_hashes(lake)
    marts_before = mart_hashes(warehouse)
    loaded = latest_ledger(lake)
    kpis_before = table_rows(warehouse, "kpi_dealer_monthly")

    rerun = run_dags(env, work / "run2.json", LOGICAL_DATE, "feed_ingestion", "warehouse_build")

    # nothing landed or replaced: no asset event, so no warehouse build
    states = {r["dag_id"]: r for r in rerun["dags"]}
    assert states["feed_ingestion"]["announced"] == []
    assert states["warehouse_build"]["state"] == "not_triggered"
    assert byte_hashes(lake) == landed_before
    assert mart_hashes(warehouse) == marts_before
    # every file untouched since the first run: none is read again, no ledger row is added
    assert latest_ledger(lake) == loaded

    # Resend: the canonical-CSV dealer corrects its March repair orders: one clean RO (not a
    # planted defect, its ro_no unique in the file) was entered by mistake and is removed.
    dealer = next(
        code
        for code, vendor in dealer_vendors(tiny_network / "master" / "dealers.csv").items()
        if vendor == "oem_dms"
    )
    rel = f"{dealer}/repair_orders/2023-03.csv"
    resent = first_run["inbox"] / rel
    text = resent.read_text(encoding="utf-8")
    records = list(csv.DictReader(io.StringIO(text)))
    lines = text.splitlines(keepends=True)
    assert len(lines) == len(records) + 1, "one line per record"
    defects = {int(m["row"]) for m in read_manifest(tiny_network) if m["file"] == rel}
    ro_counts = Counter(record["ro_no"] for record in records)
    row = max(
        n
        for n, record in enumerate(records, start=1)
        if n not in defects and ro_counts[record["ro_no"]] == 1
    )
    dropped_ro = records[row - 1]["ro_no"]
    resent.write_text("".join(lines[:row] + lines[row + 1 :]), encoding="utf-8")
    landed_digests_before = lake_digests(lake)
    fct_before = table_rows(warehouse, "fct_repair_orders")

    resend = run_dags(env, work / "run3.json", LOGICAL_DATE, "feed_ingestion", "warehouse_build")

    states = {r["dag_id"]: r for r in resend["dags"]}
    assert states["feed_ingestion"]["announced"] == ["lake://landed/repair_orders"]
    assert states["warehouse_build"]["state"] == "success"
    after = latest_ledger(lake)
    assert after[rel]["status"] == "loaded"
    assert after[rel]["rows_read"] == loaded[rel]["rows_read"] - 1
    assert after[rel]["rows_loaded"] == loaded[rel]["rows_loaded"] - 1
    assert {path for path, entry in after.items() if entry != loaded[path]} == {rel}
    partition = f"repair_orders/{dealer}/2023-03"
    landed_digests_after = lake_digests(lake)
    changed = {
        p for p in landed_digests_after if landed_digests_after[p] != landed_digests_before.get(p)
    }
    assert changed == {partition}

    fct_after = table_rows(warehouse, "fct_repair_orders")
    fct_columns = table_columns(warehouse, "fct_repair_orders")
    ro_at, fct_dealer_at = fct_columns.index("ro_no"), fct_columns.index("dealer_code")
    assert fct_after <= fct_before
    assert {(r[fct_dealer_at], r[ro_at]) for r in fct_before - fct_after} == {(dealer, dropped_ro)}

    kpis_after = table_rows(warehouse, "kpi_dealer_monthly")
    columns = table_columns(warehouse, "kpi_dealer_monthly")
    dealer_at, label_at = columns.index("dealer_code"), columns.index("period_label")
    changed_kpis = {(r[dealer_at], r[label_at]) for r in kpis_before ^ kpis_after}
    assert (dealer, "2023-03") in changed_kpis
    # rolling-window KPIs of later months may move; nothing before the resent period does
    assert all(label >= "2023-03" for _, label in changed_kpis), changed_kpis
