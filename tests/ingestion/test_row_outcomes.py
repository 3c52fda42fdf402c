"""Every row rule of feeds.md ends in the right place: quarantine (rule id), duplicate or flag."""

from __future__ import annotations

import pandas as pd
import pytest
from ing_lake import landed, ledger, quarantine, rules_by_row
from ing_network import Network, csv_text, ro_row

from ingestion.shard import ingest_files

RO_FILE = "D001/repair_orders/2024-03.csv"

# source row (1-based) -> (overrides, expected rule)
ROW_DEFECTS: dict[int, tuple[dict[str, str], str]] = {
    3: ({"vin": "1M8GDM9A1KP042788"}, "vin_invalid"),
    5: ({"delivered_at": "2024-03-05 08:00"}, "timestamp_order"),
    7: ({"settled_at": "2099-01-01 10:00"}, "future_timestamp"),
    9: (
        {
            "arrived_at": "1999-12-31 10:00",
            "promised_at": "1999-12-31 17:00",
            "qc_completed_at": "1999-12-31 15:00",
            "delivered_at": "1999-12-31 16:30",
            "settled_at": "1999-12-31 16:00",
        },
        "future_timestamp",
    ),
    11: ({"total_amount": "-300.00"}, "negative_amount"),
    13: ({"labour_amount": "1,2,3"}, "unparseable_amount"),
    15: ({"arrived_at": "2024-02-30 09:00"}, "unparseable_date"),
    17: ({"ro_no": ""}, "required_missing"),
    19: ({"ro_category": "tyre_service"}, "unknown_category"),
    21: ({"status": "cancelled"}, "unknown_category"),
    23: ({"vin": ""}, "required_missing"),
    25: ({"qc_completed_at": "2024-03-05 08:59"}, "timestamp_order"),
    27: ({"odometer_km": "12.5"}, "unparseable_amount"),
    29: ({"ro_no": "1.38E+10"}, "required_missing"),  # an ID a spreadsheet turned into a number
}


@pytest.fixture(scope="module")
def ro_result(tmp_path_factory: pytest.TempPathFactory) -> tuple[Network, dict]:
    net = Network(tmp_path_factory.mktemp("rows"))
    rows = [ro_row(i) for i in range(1, 401)]
    for n, (over, _) in ROW_DEFECTS.items():
        rows[n - 1].update(over)
    rows[30 - 1].update({"status": "void", "total_amount": "-50.00"})  # void: negative allowed
    rows[31 - 1].update({"promised_at": ""})
    rows[32 - 1].update({"promised_at": "2024-03-05 08:00"})
    rows[33 - 1].update({"customer_phone": "12345"})
    rows[34 - 1].update({"plate_no": "XX123"})
    rows[35 - 1].update({"customer_phone": "+86 139-0013-9000"})
    rows[36 - 1].update({"labour_amount": "1,280.50", "total_amount": "1.5万"})
    rows[37 - 1].update({"advisor_id": '=HYPERLINK("http://x")'})
    # odometer rollback: same VIN, later visit, 100 km less than the earlier maximum
    rows[38 - 1].update(
        {"vin": "LFV2A21K487654321", "odometer_km": "50000", "arrived_at": "2024-03-01 09:00"}
    )
    rows[39 - 1].update(
        {
            "vin": "LFV2A21K487654321",
            "odometer_km": "49900",
            "arrived_at": "2024-03-02 09:00",
            "promised_at": "2024-03-02 17:00",
            "qc_completed_at": "2024-03-02 15:00",
            "delivered_at": "2024-03-02 16:00",
            "settled_at": "2024-03-02 16:00",
        }
    )
    # conflicting duplicate key (rows 41, 42) and identical duplicate (row 44 copies row 43)
    rows[42 - 1] = {**rows[41 - 1], "odometer_km": "99"}
    rows[44 - 1] = dict(rows[43 - 1])
    text = csv_text(list(rows[0]), rows) + 'D001,RO99999,"11111111111111111'  # truncated
    net.write(RO_FILE, text)
    summary = ingest_files(net.settings, [RO_FILE])
    return net, summary


def test_each_row_defect_quarantined_with_its_rule(ro_result: tuple[Network, dict]) -> None:
    net, _ = ro_result
    q = quarantine(net.settings, "repair_orders", "D001", "2024-03")
    expected = {n: rule for n, (_, rule) in ROW_DEFECTS.items()}
    expected.update(
        {41: "conflicting_duplicate", 42: "conflicting_duplicate", 401: "malformed_row"}
    )
    assert rules_by_row(q) == expected


def test_quarantine_reasons_name_column_and_value(ro_result: tuple[Network, dict]) -> None:
    net, _ = ro_result
    q = quarantine(net.settings, "repair_orders", "D001", "2024-03").set_index("_source_row")
    assert "1M8GDM9A1KP042788" in q.loc[3, "reason"]
    assert "labour_amount" in q.loc[13, "reason"] and "1,2,3" in q.loc[13, "reason"]
    assert "ro_no" in q.loc[17, "reason"]
    assert "1.38E+10" in q.loc[29, "reason"] and "spreadsheet" in q.loc[29, "reason"]
    assert "delivered_at" in q.loc[5, "reason"]
    assert '"customer_phone": "138****8000"' in q.loc[3, "raw_record"]  # masked in quarantine
    assert (q["_source_file"] == RO_FILE).all()


def test_file_loads_and_reconciles(ro_result: tuple[Network, dict]) -> None:
    net, summary = ro_result
    led = ledger(net.settings).iloc[-1]
    assert led["status"] == "loaded"
    assert led["rows_read"] == 401
    assert led["rows_quarantined"] == len(ROW_DEFECTS) + 3
    assert led["rows_duplicate"] == 1
    assert led["rows_read"] == led["rows_loaded"] + led["rows_quarantined"] + led["rows_duplicate"]
    out = landed(net.settings, "repair_orders", "D001", "2024-03")
    assert len(out) == led["rows_loaded"]
    assert summary["rows_loaded"] == led["rows_loaded"]


def test_identical_duplicate_first_copy_loads(ro_result: tuple[Network, dict]) -> None:
    net, _ = ro_result
    out = landed(net.settings, "repair_orders", "D001", "2024-03")
    assert 43 in set(out["_source_row"]) and 44 not in set(out["_source_row"])


def test_flags_and_nullified_fields(ro_result: tuple[Network, dict]) -> None:
    net, _ = ro_result
    out = landed(net.settings, "repair_orders", "D001", "2024-03").set_index("_source_row")
    assert out.loc[30, "status"] == "void" and float(out.loc[30, "total_amount"]) == -50.0
    assert out.loc[31, "dq_flags"] == "promised_missing"
    assert out.loc[32, "dq_flags"] == "promised_before_arrival"
    assert out.loc[33, "dq_flags"] == "phone_invalid" and pd.isna(
        out.loc[33, "customer_phone_hash"]
    )
    assert out.loc[34, "dq_flags"] == "plate_invalid" and pd.isna(out.loc[34, "plate_no"])
    assert out.loc[39, "dq_flags"] == "odometer_rollback"
    assert out.loc[38, "dq_flags"] == ""
    assert out.loc[35, "customer_phone_masked"] == "139****9000"
    assert len(out.loc[35, "customer_phone_hash"]) == 64
    assert float(out.loc[36, "labour_amount"]) == 1280.50
    assert float(out.loc[36, "total_amount"]) == 15000.0
    assert out.loc[37, "advisor_id"] == '=HYPERLINK("http://x")'  # stored as text


def test_no_raw_phone_in_landed_data(ro_result: tuple[Network, dict]) -> None:
    net, _ = ro_result
    out = landed(net.settings, "repair_orders", "D001", "2024-03")
    assert "customer_phone" not in out.columns
    text = out.astype(str).to_csv()
    assert "13800138000" not in text and "13900139000" not in text


def test_landed_types_follow_the_contract(ro_result: tuple[Network, dict]) -> None:
    import pyarrow.parquet as pq

    net, _ = ro_result
    (path,) = (net.settings.landed_dir / "repair_orders").glob("*.parquet")
    schema = pq.read_schema(path)
    assert str(schema.field("total_amount").type) == "decimal128(18, 2)"
    assert str(schema.field("arrived_at").type) == "timestamp[us]"
    assert str(schema.field("odometer_km").type) == "int64"
    assert str(schema.field("_source_row").type) == "int64"
    for col in (
        "dq_flags",
        "_source_file",
        "_file_sha256",
        "_loaded_at",
        "period",
        "customer_phone_hash",
        "customer_phone_masked",
    ):
        assert col in schema.names


def _complaint(n: int, **over: str) -> dict[str, str]:
    row = {
        "dealer_code": "D001",
        "case_id": f"C{n:04d}",
        "vin": "11111111111111111",
        "ro_no": "",
        "channel": "hotline",
        "category": "service",
        "severity": "minor",
        "received_at": "2024-03-05 10:00",
        "first_response_at": "2024-03-05 11:00",
        "closed_at": "2024-03-06 10:00",
        "reopen_count": "",
        "resolved_confirmed": "true",
    }
    row.update(over)
    return row


def test_complaint_response_before_receipt_and_defaults(network: Network) -> None:
    rows = [_complaint(i) for i in range(1, 41)]
    rows[1].update({"first_response_at": "2024-03-05 09:00"})
    rows[4].update({"resolved_confirmed": "maybe"})
    rel = network.write("D001/complaints/2024-03.csv", csv_text(list(rows[0]), rows))
    ingest_files(network.settings, [rel])
    q = quarantine(network.settings, "complaints", "D001", "2024-03")
    assert rules_by_row(q) == {2: "response_before_receipt", 5: "unknown_category"}
    out = landed(network.settings, "complaints", "D001", "2024-03")
    assert (out["reopen_count"] == 0).all()  # default 0
    assert out["resolved_confirmed"].all()


def test_survey_score_outside_scale(network: Network) -> None:
    header = [
        "dealer_code",
        "survey_id",
        "ro_no",
        "vin",
        "surveyed_at",
        "item_code",
        "score",
        "scale_min",
        "scale_max",
    ]
    rows = [
        dict(
            zip(
                header,
                [
                    "D001",
                    f"S{i}",
                    "",
                    "",
                    "2024-03-05 10:00",
                    "overall",
                    str(i % 10 + 1),
                    "1",
                    "10",
                ],
                strict=True,
            )
        )
        for i in range(40)
    ]
    rows[2]["score"] = "11"
    rows[3].update({"score": "0"})
    rel = network.write("D001/survey_responses/2024-03.csv", csv_text(header, rows))
    ingest_files(network.settings, [rel])
    q = quarantine(network.settings, "survey_responses", "D001", "2024-03")
    assert rules_by_row(q) == {3: "score_out_of_scale", 4: "score_out_of_scale"}
    assert ledger(network.settings).iloc[-1]["status"] == "loaded"
