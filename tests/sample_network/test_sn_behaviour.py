"""The generated network shows the behaviours the KPIs need (no defects planted here)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict

import pytest
from sn_config import small_config
from sn_readback import read_file

from sample_network import generate
from sample_network.schema import FEED_NAMES


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, object]]]:
    out = tmp_path_factory.mktemp("clean")
    generate(
        small_config(
            out,
            dealers=6,
            months=10,
            start_month="2023-01",
            defect_rate=0.0,
            sales_per_month=40.0,
            park_vehicles=150,
        )
    )
    feeds: dict[str, list[dict[str, object]]] = {}
    for feed in FEED_NAMES:
        rows: list[dict[str, object]] = []
        for path in sorted((out / "inbox").glob(f"*/{feed}/*")):
            rows.extend(read_file(path, feed)[1])
        feeds[feed] = rows
    with (out / "master" / "dealers.csv").open(encoding="utf-8") as fh:
        feeds["dealers"] = list(csv.DictReader(fh))  # type: ignore[arg-type]
    return feeds


def test_sales_mix(clean: dict[str, list[dict[str, object]]]) -> None:
    sales = clean["vehicle_sales"]
    assert {s["sale_type"] for s in sales} == {"retail", "fleet", "demo", "transfer"}
    cancelled = [s for s in sales if s["status"] == "cancelled"]
    assert cancelled and all(s["cancel_date"] > s["invoice_date"] for s in cancelled)  # type: ignore[operator]
    assert all(s["delivery_date"] is None or s["delivery_date"] >= s["invoice_date"] for s in sales)  # type: ignore[operator]
    by_month: dict[object, int] = defaultdict(int)
    for s in sales:
        by_month[s["invoice_date"].month] += 1  # type: ignore[attr-defined]
    assert by_month[2] < by_month[1]  # Spring Festival dip after the January peak


def test_repair_orders_lifecycle(clean: dict[str, list[dict[str, object]]]) -> None:
    ros = clean["repair_orders"]
    assert {r["status"] for r in ros} == {"open", "settled", "void"}
    assert {
        "pdi",
        "internal",
        "first_maintenance",
        "oem_free_maintenance",
        "rework",
        "warranty",
        "paid_maintenance",
    } <= {r["ro_category"] for r in ros}
    for r in ros:
        if r["status"] == "settled":
            assert r["arrived_at"] <= r["qc_completed_at"] <= r["delivered_at"]  # type: ignore[operator]
            assert r["arrived_at"] <= r["settled_at"]  # type: ignore[operator]
            assert r["total_amount"] >= 0  # type: ignore[operator]
        if r["appointment_at"] is not None:
            assert r["appointment_at"] <= r["arrived_at"]  # type: ignore[operator]
    assert any(r["promised_at"] is None for r in ros)
    late = [
        r
        for r in ros
        if r["promised_at"] and r["qc_completed_at"] and r["qc_completed_at"] > r["promised_at"]
    ]  # type: ignore[operator]
    assert 0 < len(late) < 0.4 * len(ros)


def test_dealers_differ_on_on_time_delivery(clean: dict[str, list[dict[str, object]]]) -> None:
    done: dict[object, list[bool]] = defaultdict(list)
    for r in clean["repair_orders"]:
        if r["qc_completed_at"] and r["ro_category"] not in ("pdi", "internal"):
            ok = r["promised_at"] is not None and r["qc_completed_at"] <= r["promised_at"]  # type: ignore[operator]
            done[r["dealer_code"]].append(ok)
    rates = [sum(v) / len(v) for v in done.values() if len(v) > 100]
    assert len(rates) >= 4 and max(rates) - min(rates) > 0.05


def test_first_maintenance_about_six_months_after_sale(
    clean: dict[str, list[dict[str, object]]],
) -> None:
    sold = {
        s["vin"]: s["invoice_date"] for s in clean["vehicle_sales"] if s["sale_type"] == "retail"
    }
    fm = [
        r
        for r in clean["repair_orders"]
        if r["ro_category"] == "first_maintenance" and r["vin"] in sold
    ]
    assert len(fm) > 20
    gaps = sorted((r["arrived_at"].date() - sold[r["vin"]]).days for r in fm)  # type: ignore[union-attr,operator]
    assert 130 <= gaps[len(gaps) // 2] <= 200
    on_time = [
        r
        for r, g in zip(
            fm, [(r["arrived_at"].date() - sold[r["vin"]]).days for r in fm], strict=True
        )
        if g <= 200
    ]  # type: ignore[union-attr,operator]
    assert sum(r["odometer_km"] <= 5500 for r in on_time) >= 0.9 * len(on_time)  # type: ignore[operator]
    claims = [c for c in clean["warranty_claims"] if c["claim_type"] == "first_maintenance"]
    ro_nos = {(r["dealer_code"], r["ro_no"]) for r in fm}
    assert claims and all(
        (c["dealer_code"], c["ro_no"]) in ro_nos or c["vin"] not in sold for c in claims
    )


def test_customers_also_service_elsewhere(clean: dict[str, list[dict[str, object]]]) -> None:
    seller = {s["vin"]: s["dealer_code"] for s in clean["vehicle_sales"]}
    visits = [r for r in clean["repair_orders"] if r["vin"] in seller and r["ro_category"] != "pdi"]
    away = [r for r in visits if r["dealer_code"] != seller[r["vin"]]]
    assert 0 < len(away) < 0.25 * len(visits)


def test_warranty_registrations(clean: dict[str, list[dict[str, object]]]) -> None:
    regs = clean["warranty_registrations"]
    seller = {s["vin"]: s["dealer_code"] for s in clean["vehicle_sales"]}
    assert {r["status"] for r in regs} >= {"accepted", "rejected"}
    by_vin: dict[object, list[dict[str, object]]] = defaultdict(list)
    for r in regs:
        by_vin[r["vin"]].append(r)
    resubmitted = [
        v for v, rs in by_vin.items() if {"rejected", "accepted"} <= {r["status"] for r in rs}
    ]
    assert resubmitted
    for vin in resubmitted:
        rs = sorted(by_vin[vin], key=lambda r: r["submitted_at"])  # type: ignore[arg-type,return-value]
        assert rs[0]["status"] == "rejected" and rs[0]["reject_reason"]
    assert any(seller.get(r["vin"]) not in (None, r["dealer_code"]) for r in regs)
    sale = {s["vin"]: s for s in clean["vehicle_sales"]}
    delays = [
        (
            r["submitted_at"].date()
            - (sale[r["vin"]]["delivery_date"] or sale[r["vin"]]["invoice_date"])
        ).days  # type: ignore[union-attr,operator]
        for r in regs
        if r["status"] == "accepted"
    ]
    assert sum(d <= 7 for d in delays) > 0.6 * len(delays) and max(delays) > 7


def test_surveys_and_complaints(clean: dict[str, list[dict[str, object]]]) -> None:
    surveys = clean["survey_responses"]
    answered: dict[object, int] = defaultdict(int)
    for s in surveys:
        if "item_code" in s:
            answered[(s["dealer_code"], s["survey_id"])] += 1
            assert s["scale_min"] == 1 and s["scale_max"] == 10
            assert 1 <= s["score"] <= 10  # type: ignore[operator]
        else:  # wide xlsx rows
            items = [
                s[k] for k in ("overall", "advisor", "facility", "quality", "pickup", "initiation")
            ]
            answered[(s["dealer_code"], s["survey_id"])] = sum(v is not None for v in items)
    counts = list(answered.values())
    assert counts.count(6) > 0.7 * len(counts) and min(counts) <= 2
    complaints = clean["complaints"]
    assert complaints and {c["severity"] for c in complaints} >= {"minor", "general", "major"}
    for c in complaints:
        if c["first_response_at"]:
            assert c["first_response_at"] >= c["received_at"]  # type: ignore[operator]
        if c["closed_at"]:
            assert c["closed_at"] >= c["received_at"]  # type: ignore[operator]


def test_phones_and_plates(clean: dict[str, list[dict[str, object]]]) -> None:
    ros = [r for r in clean["repair_orders"] if r["customer_phone"]]
    good = [bool(re.fullmatch(r"1[3-9]\d{9}", str(r["customer_phone"]))) for r in ros]
    assert 0.9 * len(good) < sum(good) < len(good)
    plates = [str(r["plate_no"]) for r in clean["repair_orders"] if r["plate_no"]]
    ok = [bool(re.fullmatch(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}", p)) for p in plates]
    assert 0.95 * len(ok) < sum(ok) < len(ok)


def test_nothing_after_the_period(clean: dict[str, list[dict[str, object]]]) -> None:
    end = dt.datetime(2023, 11, 1)
    for feed in FEED_NAMES:
        for row in clean[feed]:
            for value in row.values():
                if isinstance(value, dt.datetime) and value != row.get("promised_at"):
                    assert value < end, (feed, row)
