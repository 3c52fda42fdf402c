"""The feed contracts are the one definition: every other listing derives from them or equals them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import yaml
from pydantic import ValidationError

from ingestion.contract.checks import CheckContext, reasons
from ingestion.contract.validate import explain_rows, validate_rows
from ingestion.contracts import DEALER_FEEDS, FEEDS, FeedContract, contract
from ingestion.contracts.landed import WAREHOUSE_TYPES, landed_columns
from ingestion.contracts.model import CheckSpec
from ingestion.control_db import SCHEMA as CONTROL_SCHEMA
from ingestion.control_export import export_path
from ingestion.lake_read import POINTERS_EXPORT, current_rows_sql
from ingestion.landing import QUARANTINE_SCHEMA, landed_schema

ROOT = Path(__file__).resolve().parents[2]
STAGING = ROOT / "dbt_project" / "models" / "staging" / "lake"
MARTS = ROOT / "dbt_project" / "models" / "marts"
DATASETS = ROOT / "superset" / "assets" / "datasets"
NOW = pd.Timestamp("2024-06-30 12:00")


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8"))


def _lake_tables() -> dict[str, dict]:
    sources = _yaml(STAGING / "_lake__sources.yml")["sources"]
    return {t["name"]: t for s in sources if s["name"] == "lake" for t in s["tables"]}


def _models(path: Path) -> dict[str, dict]:
    return {m["name"]: m for m in _yaml(path)["models"]}


@pytest.mark.parametrize("feed", DEALER_FEEDS)
def test_lake_source_columns_and_key_equal_the_contract(feed: str) -> None:
    table = _lake_tables()[feed]
    declared = [(c["name"], c["data_type"]) for c in table["columns"]]
    expected = [(n, WAREHOUSE_TYPES[t]) for n, t in landed_columns(FEEDS[feed])]
    assert declared == expected
    assert tuple(table["meta"]["key"]) == FEEDS[feed].key


@pytest.mark.parametrize(
    ("table", "area", "feed"),
    [*((f, "landed", f) for f in DEALER_FEEDS), ("quarantine", "quarantine", None)],
)
def test_lake_sources_read_the_current_rows_as_the_ingestion_defines_them(
    table: str, area: str, feed: str | None
) -> None:
    """The warehouse's lake sources are the one relation of current rows (superseded part
    rows never reach staging)."""
    root = "{{ var('lake', env_var('AFTERSALES_LAKE', '../var/lake')) }}"
    location = _lake_tables()[table]["meta"]["external_location"]
    assert location == current_rows_sql(root, area, feed)


@pytest.mark.parametrize("table", ["file_ledger", "gx_results", "feed_alerts"])
def test_control_sources_read_where_the_export_writes(table: str) -> None:
    root = "{{ var('lake', env_var('AFTERSALES_LAKE', '../var/lake')) }}"
    location = _lake_tables()[table]["meta"]["external_location"]
    assert location == f"read_parquet('{root}/{export_path(table)}')"
    model = (STAGING / f"stg_lake__{table}.sql").read_text(encoding="utf-8")
    assert f"'{export_path(table)}'" in model


def test_the_incremental_build_reads_the_exported_pointers() -> None:
    macros = (ROOT / "dbt_project" / "macros" / "incremental.sql").read_text(encoding="utf-8")
    assert f'lake_root() ~ "/{POINTERS_EXPORT}\')"' in macros


@pytest.mark.parametrize("table", ["file_ledger", "gx_results", "feed_alerts"])
def test_lake_source_columns_equal_the_control_table(table: str) -> None:
    """The control tables' staging reads the columns the control database defines."""
    with sqlite3.connect(":memory:") as conn:
        conn.executescript(CONTROL_SCHEMA)
        defined = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    assert [c["name"] for c in _lake_tables()[table]["columns"]] == defined


def test_lake_source_columns_equal_the_quarantine_schema() -> None:
    warehouse = {pa.string(): "varchar", pa.int64(): "bigint", pa.timestamp("us"): "timestamp"}
    declared = [(c["name"], c["data_type"]) for c in _lake_tables()["quarantine"]["columns"]]
    assert declared == [(f.name, warehouse[f.type]) for f in QUARANTINE_SCHEMA]


@pytest.mark.parametrize("feed", DEALER_FEEDS)
def test_landing_schema_is_the_contracts_landed_columns(feed: str) -> None:
    assert landed_schema(feed).names == [n for n, _ in landed_columns(FEEDS[feed])]
    assert not set(FEEDS[feed].phone_columns) & set(landed_schema(feed).names)


@pytest.mark.parametrize("feed", DEALER_FEEDS)
def test_staging_tests_restate_the_contract_exactly(feed: str) -> None:
    model = _models(STAGING / "_lake__models.yml")[f"stg_lake__{feed}"]
    keys = [
        t["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
        for t in model.get("data_tests", [])
        if isinstance(t, dict) and "unique_combination_of_columns" in t
    ]
    assert keys == [list(FEEDS[feed].key)]
    for col in model.get("columns", []):
        for t in col.get("data_tests", []):
            if isinstance(t, dict) and "accepted_values" in t:
                values = t["accepted_values"]["arguments"]["values"]
                assert tuple(values) == FEEDS[feed].column(col["name"]).enum, col["name"]
            if t == "not_null":
                assert FEEDS[feed].column(col["name"]).required, col["name"]


def test_superset_datasets_read_columns_the_marts_declare() -> None:
    marts = _models(MARTS / "_marts__models.yml")
    for path in sorted(DATASETS.glob("*.yaml")):
        ds = _yaml(path)
        if ds.get("sql"):  # a virtual dataset: its SQL reads the marts, checked by its tests
            continue
        declared = {c["name"] for c in marts[ds["table_name"]]["columns"]}
        read = {c["name"] for c in ds["columns"] if not c.get("expression")}
        assert read <= declared, f"{path.name}: {sorted(read - declared)} not in the mart"


def test_row_rule_order_is_one_precedence_across_feeds() -> None:
    """A rule ranks the same against another rule in every feed that has both."""
    position: dict[tuple[str, str], str] = {}
    for c in FEEDS.values():
        ids = c.rule_ids
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                assert position.setdefault((a, b), c.feed) and (b, a) not in position, (a, b)


def test_generator_defects_name_contract_rules() -> None:
    """The truth manifest's expected rules are rules of the contracts (or a duplicate)."""
    from sample_network.defects import RULES

    known = {r.id for c in FEEDS.values() for r in c.row_rules}
    assert set(RULES.values()) - known == {"duplicate_row"}


def test_a_rule_naming_an_unknown_column_is_refused() -> None:
    data = yaml.safe_load((ROOT / "ingestion" / "contracts" / "complaints.yaml").read_text())
    data["row_rules"].append({"id": "x", "check": "missing", "columns": ["nope"], "reason": "r"})
    with pytest.raises(ValidationError, match="unknown columns"):
        FeedContract.model_validate(data)


# --- each check kind: the rule it raises and the reason, computed by hand ----------------------


def _ro(**values: object) -> pd.DataFrame:
    """One typed repair-order row: valid unless `values` say otherwise."""
    row: dict[str, object] = {c: None for c in FEEDS["repair_orders"].column_names}
    row.update(
        dealer_code="D1",
        ro_no="RO1",
        vin="LSVAU2180N2183294",
        vin__valid=True,
        arrived_at=pd.Timestamp("2024-03-05 09:00"),
        status="settled",
        ro_category="paid_maintenance",
        total_amount=100.0,
        _malformed=False,
    )
    for c in FEEDS["repair_orders"].columns:
        if c.type != "str" or c.name in ("vin", "customer_phone", "plate_no"):
            row[c.name + "__raw"] = None
    row.update(values)
    frame = pd.DataFrame([row])
    for c in FEEDS["repair_orders"].columns:
        if c.type in ("date", "ts"):
            frame[c.name] = pd.to_datetime(frame[c.name]).astype("datetime64[us]")
        elif c.type == "decimal":
            frame[c.name] = frame[c.name].astype("float64")
        elif c.type == "int":
            frame[c.name] = frame[c.name].astype("Int64")
    return frame


CASES = [
    ({"_malformed": True}, "malformed_row", "record is malformed"),
    (
        {"vin": "LSVAU2180N2183295", "vin__valid": False, "vin__raw": "LSVAU2180N2183295"},
        "vin_invalid",
        "VIN is not 17 valid characters or fails its check digit: vin 'LSVAU2180N2183295'",
    ),
    (
        {"settled_at__raw": "32/13/2024"},
        "unparseable_date",
        "a date or time cannot be read: settled_at '32/13/2024'",
    ),
    (
        {"labour_amount__raw": "1,2,3"},
        "unparseable_amount",
        "a number cannot be read: labour_amount '1,2,3'",
    ),
    (
        {"ro_category": "carwash"},
        "unknown_category",
        "a category, status or yes/no value is not in the allowed list: ro_category 'carwash'",
    ),
    ({"ro_no": None}, "required_missing", "a required field is blank: ro_no"),
    (
        {"ro_no": None, "ro_no__raw": "1.38E+10"},
        "required_missing",
        "a required field is blank: ro_no ('1.38E+10' was turned into a number by a spreadsheet)",
    ),
    (
        {"settled_at": "2024-07-02 08:00"},
        "future_timestamp",
        "a date lies in the future or before 2000: settled_at 2024-07-02 08:00:00",
    ),
    (
        {"arrived_at": "1999-12-31 23:00"},
        "future_timestamp",
        "a date lies in the future or before 2000: arrived_at 1999-12-31 23:00:00",
    ),
    (
        {"delivered_at": "2024-03-05 08:00"},
        "timestamp_order",
        "delivered / QC-completed / settled before arrival: "
        "delivered_at 2024-03-05 08:00:00 < arrived_at 2024-03-05 09:00:00",
    ),
    (
        {"parts_amount": -5.0},
        "negative_amount",
        "an amount is negative on a non-void record: parts_amount -5.0",
    ),
    ({"parts_amount": -5.0, "status": "void"}, None, None),
    ({"settled_at": "2024-07-01 11:00"}, None, None),  # within the one day ahead the rule allows
    ({"_key_conflict": True}, "conflicting_duplicate", "dealer_code 'D1', ro_no 'RO1'"),
    # a row breaking two rules is quarantined under the earlier one in the contract
    ({"ro_no": None, "parts_amount": -1.0}, "required_missing", "a required field is blank"),
]


@pytest.mark.parametrize(("values", "rule", "reason"), CASES)
def test_rule_and_reason_of_each_check(values: dict, rule: str | None, reason: str | None) -> None:
    typed = _ro(**values)
    rules = validate_rows("repair_orders", typed, NOW)
    assert rules.iloc[0] == rule if rule else pd.isna(rules.iloc[0])
    if rule:
        text = explain_rows("repair_orders", typed, rules, NOW).iloc[0]
        assert reason is not None and reason in text


def test_flags_share_the_check_kinds() -> None:
    from ingestion.flags import compute_flags

    rows = pd.concat(
        [
            _ro(ro_no="A", promised_at=pd.Timestamp("2024-03-05 08:00"), odometer_km=10_000),
            _ro(ro_no="B", arrived_at=pd.Timestamp("2024-04-05 09:00"), odometer_km=9_940),
            _ro(
                ro_no="C",
                arrived_at=pd.Timestamp("2024-05-05 09:00"),
                promised_at=pd.Timestamp("2024-05-05 17:00"),
                odometer_km=9_960,
            ),
        ],
        ignore_index=True,
    )
    flags = compute_flags("repair_orders", rows).tolist()
    # A: promised before arrival; B: no promise, 60 km below 10,000; C: 40 km below (within 50)
    assert flags == ["promised_before_arrival", "promised_missing;odometer_rollback", ""]


def test_reason_lists_every_failing_column() -> None:
    spec = CheckSpec(id="t", check="parseable", types=("ts",), reason="unreadable")
    typed = _ro(settled_at__raw="x", delivered_at__raw="y")
    text = reasons(typed, spec, spec.reason, contract("repair_orders"), CheckContext(now=NOW))
    assert text == ["unreadable: delivered_at 'y'; settled_at 'x'"]


def test_the_feed_contract_guide_names_every_rule_and_flag() -> None:
    guide = (ROOT / "docs" / "feed-contract.md").read_text("utf-8")
    ids = {r.id for c in FEEDS.values() for r in (*c.row_rules, *c.flags)}
    assert {i for i in ids if f"`{i}`" not in guide} == set()
