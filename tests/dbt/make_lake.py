"""Write a tiny, hand-made lake in the layout of docs/architecture.md ("The lake").

The lake has six dealers (a closed-dealer chain D004 -> D005 -> D003, a dealer with no
region, one with a Chinese region label), two years of monthly partitions, and the
control exports. Content is deterministic (seeded) so tests can rely on it, and it
contains the edge cases the KPIs care about: cancelled sales, fleet sales, a VIN sold
twice, services at another dealer, claims and ROs for first maintenance, late and
rejected-then-accepted registrations, missing promised times, comebacks on the 30-day
boundary, resent partitions (same business key loaded twice), quarantined rows.

Run: python tests/dbt/make_lake.py /tmp/lake
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.parquet as pq
import typer

from ingestion.control_export import export_path

STR = pa.string()
INT = pa.int64()
DEC = pa.decimal128(18, 2)
DATE = pa.date32()
TS = pa.timestamp("us")
BOOL = pa.bool_()

LINEAGE: list[tuple[str, pa.DataType]] = [
    ("dq_flags", STR),
    ("_source_file", STR),
    ("_source_row", INT),
    ("_file_sha256", STR),
    ("_loaded_at", TS),
    ("period", STR),
]

FEED_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "vehicle_sales": [
        ("dealer_code", STR),
        ("vin", STR),
        ("model_code", STR),
        ("invoice_no", STR),
        ("invoice_date", DATE),
        ("delivery_date", DATE),
        ("buyer_type", STR),
        ("use_type", STR),
        ("sale_type", STR),
        ("status", STR),
        ("cancel_date", DATE),
    ],
    "repair_orders": [
        ("dealer_code", STR),
        ("ro_no", STR),
        ("vin", STR),
        ("plate_no", STR),
        ("odometer_km", INT),
        ("arrived_at", TS),
        ("promised_at", TS),
        ("qc_completed_at", TS),
        ("delivered_at", TS),
        ("settled_at", TS),
        ("status", STR),
        ("ro_category", STR),
        ("bearer", STR),
        ("appointment_at", TS),
        ("advisor_id", STR),
        ("customer_phone_hash", STR),
        ("customer_phone_masked", STR),
        ("labour_amount", DEC),
        ("parts_amount", DEC),
        ("other_amount", DEC),
        ("discount_amount", DEC),
        ("total_amount", DEC),
        ("uncollected_amount", DEC),
        ("parts_cost", DEC),
    ],
    "warranty_registrations": [
        ("dealer_code", STR),
        ("registration_id", STR),
        ("vin", STR),
        ("submitted_at", TS),
        ("status", STR),
        ("warranty_start_date", DATE),
        ("reject_reason", STR),
        ("customer_phone_hash", STR),
        ("customer_phone_masked", STR),
    ],
    "warranty_claims": [
        ("dealer_code", STR),
        ("claim_no", STR),
        ("vin", STR),
        ("ro_no", STR),
        ("claim_type", STR),
        ("submitted_at", TS),
        ("settled_at", TS),
        ("status", STR),
        ("odometer_km", INT),
        ("labour_amount", DEC),
        ("parts_amount", DEC),
    ],
    "survey_responses": [
        ("dealer_code", STR),
        ("survey_id", STR),
        ("ro_no", STR),
        ("vin", STR),
        ("surveyed_at", TS),
        ("item_code", STR),
        ("score", INT),
        ("scale_min", INT),
        ("scale_max", INT),
    ],
    "complaints": [
        ("dealer_code", STR),
        ("case_id", STR),
        ("vin", STR),
        ("ro_no", STR),
        ("channel", STR),
        ("category", STR),
        ("severity", STR),
        ("received_at", TS),
        ("first_response_at", TS),
        ("closed_at", TS),
        ("reopen_count", INT),
        ("resolved_confirmed", BOOL),
    ],
}

DEALER_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("dealer_code", STR),
    ("dealer_name", STR),
    ("region", STR),
    ("province", STR),
    ("city", STR),
    ("outlet_type", STR),
    ("opened_on", DATE),
    ("closed_on", DATE),
    ("successor_dealer_code", STR),
    ("dms_vendor", STR),
]

QUARANTINE_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("feed", STR),
    ("dealer_code", STR),
    ("period", STR),
    ("_source_file", STR),
    ("_source_row", INT),
    ("_file_sha256", STR),
    ("rule_id", STR),
    ("reason", STR),
    ("raw_record", STR),
    ("_quarantined_at", TS),
]

CONTROL_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "lake_partitions": [
        ("area", STR),
        ("feed", STR),
        ("dealer_code", STR),
        ("period", STR),
        ("part", STR),
        ("rows", INT),
        ("run_id", STR),
    ],
    "file_ledger": [
        ("file_path", STR),
        ("file_sha256", STR),
        ("dealer_code", STR),
        ("feed", STR),
        ("period", STR),
        ("dialect", STR),
        ("rows_read", INT),
        ("rows_loaded", INT),
        ("rows_quarantined", INT),
        ("rows_duplicate", INT),
        ("status", STR),
        ("reason", STR),
        ("gate_failures", STR),
        ("started_at", TS),
        ("finished_at", TS),
        ("run_id", STR),
    ],
    "gx_results": [
        ("run_id", STR),
        ("validated_at", TS),
        ("dealer_code", STR),
        ("feed", STR),
        ("period", STR),
        ("file_path", STR),
        ("suite", STR),
        ("expectation", STR),
        ("policy", STR),
        ("success", BOOL),
        ("observed_value", STR),
    ],
    "feed_alerts": [
        ("alert_id", STR),
        ("raised_at", TS),
        ("kind", STR),
        ("dealer_code", STR),
        ("feed", STR),
        ("period", STR),
        ("message", STR),
    ],
}

DEALERS: list[dict[str, Any]] = [
    {
        "dealer_code": "D001",
        "dealer_name": "济南一店",
        "region": "shandong_hebei",
        "province": "山东",
        "city": "济南",
        "outlet_type": "4s",
        "opened_on": dt.date(2015, 1, 1),
        "closed_on": None,
        "successor_dealer_code": None,
        "dms_vendor": "oem_dms",
    },
    {
        "dealer_code": "D002",
        "dealer_name": "石家庄二店",
        "region": "shandong_hebei",
        "province": "河北",
        "city": "石家庄",
        "outlet_type": "4s",
        "opened_on": dt.date(2016, 5, 1),
        "closed_on": None,
        "successor_dealer_code": None,
        "dms_vendor": "huayu_dms",
    },
    {
        "dealer_code": "D003",
        "dealer_name": "成都三店",
        "region": "川渝",
        "province": "四川",
        "city": "成都",
        "outlet_type": "4s",
        "opened_on": dt.date(2014, 3, 1),
        "closed_on": None,
        "successor_dealer_code": None,
        "dms_vendor": "jinqiao_xlsx",
    },
    {
        "dealer_code": "D004",
        "dealer_name": "德州四店",
        "region": "shandong_hebei",
        "province": "山东",
        "city": "德州",
        "outlet_type": "4s",
        "opened_on": dt.date(2012, 1, 1),
        "closed_on": dt.date(2023, 12, 31),
        "successor_dealer_code": "D005",
        "dms_vendor": "oem_dms",
    },
    {
        "dealer_code": "D005",
        "dealer_name": "重庆五店",
        "region": "sichuan_chongqing",
        "province": "重庆",
        "city": "重庆",
        "outlet_type": "4s",
        "opened_on": dt.date(2013, 1, 1),
        "closed_on": dt.date(2024, 3, 31),
        "successor_dealer_code": "D003",
        "dms_vendor": "oem_dms",
    },
    {
        "dealer_code": "D006",
        "dealer_name": "乌鲁木齐服务站",
        "region": "",
        "province": "新疆",
        "city": "乌鲁木齐",
        "outlet_type": "service_only",
        "opened_on": dt.date(2018, 1, 1),
        "closed_on": None,
        "successor_dealer_code": None,
        "dms_vendor": "oem_dms",
    },
]

SELLING_DEALERS = ["D001", "D002", "D003", "D004", "D005"]
SALES_START = dt.date(2022, 7, 1)
SERVICE_START = dt.date(2023, 1, 1)
LAST_MONTH = dt.date(2024, 6, 1)
MODELS = ["M10", "M20", "EV1"]
ITEMS = ["overall", "advisor", "facility", "quality", "pickup", "initiation"]


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    current = first
    while current <= last:
        months.append(current)
        current = dt.date(current.year + (current.month // 12), current.month % 12 + 1, 1)
    return months


def dealer_open_in(dealer_code: str, month: dt.date) -> bool:
    closed = next(d["closed_on"] for d in DEALERS if d["dealer_code"] == dealer_code)
    return closed is None or month <= closed


def period_of(value: dt.date | dt.datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


@dataclass
class Partition:
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class LakeWriter:
    root: Path
    load_time: dt.datetime = dt.datetime(2024, 7, 3, 2, 0)
    partitions: dict[tuple[str, str, str], Partition] = field(
        default_factory=lambda: defaultdict(Partition)
    )
    pointers: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, feed: str, period: str, row: dict[str, Any], loaded_at: dt.datetime | None = None
    ) -> None:
        part = self.partitions[(feed, row["dealer_code"], period)]
        source_file = f"{row['dealer_code']}/{feed}/{period}.csv"
        part.rows.append(
            {
                **row,
                "dq_flags": row.get("dq_flags", ""),
                "_source_file": source_file,
                "_source_row": len(part.rows) + 1,
                "_file_sha256": f"sha-{feed}-{row['dealer_code']}-{period}",
                "_loaded_at": loaded_at or self.load_time,
            }
        )

    def write(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        tables: dict[tuple[str, str, str], pa.Table] = {}
        for (feed, dealer_code, period), part in sorted(self.partitions.items()):
            schema = pa.schema(FEED_COLUMNS[feed] + LINEAGE)
            rows = [{**r, "period": period} for r in part.rows]
            tables[(feed, dealer_code, period)] = pa.Table.from_pylist(
                [{name: r.get(name) for name in schema.names} for r in rows], schema=schema
            )
            counts[feed] += len(rows)
        self.pointers += write_parts(self.root, "landed", tables)
        return dict(counts)


def money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def make_vin(n: int) -> str:
    return f"LSVTEST{n:010d}"


def generate(writer: LakeWriter, rng: random.Random) -> None:
    vin_counter = 0
    sales: list[dict[str, Any]] = []
    for month in month_starts(SALES_START, LAST_MONTH):
        for dealer_code in SELLING_DEALERS:
            if not dealer_open_in(dealer_code, month):
                continue
            for i in range(rng.randint(2, 4)):
                vin_counter += 1
                vin = make_vin(vin_counter)
                # the last sale of each dealer-month is invoiced on the month's last day
                last_day = (
                    dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
                    - dt.timedelta(days=1)
                ).day
                day = last_day if i == 0 else rng.randint(1, last_day)
                invoice_date = month.replace(day=day)
                delivery = (
                    None
                    if rng.random() < 0.1
                    else invoice_date + dt.timedelta(days=rng.randint(0, 5))
                )
                sale_type = rng.choices(["retail", "fleet", "demo"], [0.85, 0.1, 0.05])[0]
                row = {
                    "dealer_code": dealer_code,
                    "vin": vin,
                    "model_code": rng.choice(MODELS),
                    "invoice_no": f"INV{vin_counter:06d}",
                    "invoice_date": invoice_date,
                    "delivery_date": delivery,
                    "buyer_type": "individual" if sale_type == "retail" else "organisation",
                    "use_type": rng.choices(["private", "official", "commercial"], [0.8, 0.1, 0.1])[
                        0
                    ],
                    "sale_type": sale_type,
                    "status": "valid",
                    "cancel_date": None,
                }
                writer.add(
                    "vehicle_sales",
                    period_of(invoice_date),
                    row,
                    writer.load_time - dt.timedelta(days=20),
                )
                cancelled = rng.random() < 0.06
                if cancelled:
                    # the cancellation arrives in a later month's file with the same key
                    cancel_date = invoice_date + dt.timedelta(days=rng.randint(20, 40))
                    if cancel_date <= dt.date(2024, 6, 30):
                        writer.add(
                            "vehicle_sales",
                            period_of(cancel_date),
                            {**row, "status": "cancelled", "cancel_date": cancel_date},
                        )
                    else:
                        cancelled = False
                sales.append({**row, "cancelled": cancelled})
    # a VIN sold twice as valid retail: the later sale is a data-quality exception
    twice = next(
        s
        for s in sales
        if s["sale_type"] == "retail" and not s["cancelled"] and s["dealer_code"] == "D001"
    )
    writer.add(
        "vehicle_sales",
        period_of(twice["invoice_date"] + dt.timedelta(days=40)),
        {
            **{k: v for k, v in twice.items() if k != "cancelled"},
            "dealer_code": "D002",
            "invoice_no": "INV-DUP-1",
            "invoice_date": twice["invoice_date"] + dt.timedelta(days=40),
            "delivery_date": None,
        },
    )
    generate_registrations(writer, rng, sales)
    generate_service(writer, rng, sales)


def generate_registrations(
    writer: LakeWriter, rng: random.Random, sales: list[dict[str, Any]]
) -> None:
    reg = 0
    for sale in sales:
        if sale["sale_type"] != "retail" or rng.random() < 0.08:
            continue
        base = sale["delivery_date"] or sale["invoice_date"]
        lag = rng.choices([rng.randint(0, 7), rng.randint(8, 20)], [0.85, 0.15])[0]
        submitted = dt.datetime.combine(
            base + dt.timedelta(days=lag), dt.time(rng.randint(8, 23), rng.choice([0, 30, 59]))
        )
        dealer = sale["dealer_code"]
        if rng.random() < 0.04:
            dealer = rng.choice([d for d in SELLING_DEALERS if d != sale["dealer_code"]])
        roll = rng.random()
        if submitted > dt.datetime(2024, 6, 30, 23, 59):
            continue
        if roll < 0.1:
            reg += 1
            writer.add(
                "warranty_registrations",
                period_of(submitted - dt.timedelta(days=2)),
                {
                    "dealer_code": dealer,
                    "registration_id": f"R{reg:06d}",
                    "vin": sale["vin"],
                    "submitted_at": submitted - dt.timedelta(days=2),
                    "status": "rejected",
                    "warranty_start_date": base,
                    "reject_reason": "证件不清",
                    "customer_phone_hash": None,
                    "customer_phone_masked": None,
                },
            )
        status = "pending" if roll > 0.97 else "accepted"
        reg += 1
        writer.add(
            "warranty_registrations",
            period_of(submitted),
            {
                "dealer_code": dealer,
                "registration_id": f"R{reg:06d}",
                "vin": sale["vin"],
                "submitted_at": submitted,
                "status": status,
                "warranty_start_date": base,
                "reject_reason": None,
                "customer_phone_hash": "ab" * 32,
                "customer_phone_masked": "138****5678",
            },
        )


def ro_times(rng: random.Random, arrived: dt.datetime) -> dict[str, Any]:
    promised = arrived + dt.timedelta(hours=rng.randint(2, 8))
    qc = arrived + dt.timedelta(hours=rng.randint(1, 9))
    delivered = qc + dt.timedelta(minutes=rng.randint(10, 90))
    return {
        "arrived_at": arrived,
        "promised_at": None if rng.random() < 0.07 else promised,
        "qc_completed_at": qc,
        "delivered_at": delivered,
        "settled_at": delivered + dt.timedelta(minutes=5),
        "appointment_at": None
        if rng.random() < 0.5
        else arrived - dt.timedelta(hours=rng.choice([0, 1, 2, 24])),
    }


def generate_service(writer: LakeWriter, rng: random.Random, sales: list[dict[str, Any]]) -> None:
    ro_counter = 0
    claim_counter = 0
    survey_counter = 0
    case_counter = 0
    end = dt.datetime(2024, 6, 30, 18, 0)

    def service_dealer(home: str, when: dt.datetime) -> str:
        roll = rng.random()
        if roll < 0.15 or not dealer_open_in(home, when.date().replace(day=1)):
            candidates = [d for d in ["D001", "D002", "D003", "D006"] if d != home]
            return rng.choice(candidates)
        return home

    def emit_ro(
        dealer: str, vin: str, when: dt.datetime, category: str, km: int | None
    ) -> dict[str, Any] | None:
        nonlocal ro_counter, survey_counter, case_counter
        if when < dt.datetime.combine(SERVICE_START, dt.time()) or when > end:
            return None
        ro_counter += 1
        times = ro_times(rng, when)
        status = rng.choices(["settled", "open", "void"], [0.9, 0.05, 0.05])[0]
        if status == "open":
            times["delivered_at"] = None
            times["settled_at"] = None
        bearer = {
            "first_maintenance": "oem_free",
            "oem_free_maintenance": "oem_free",
            "warranty": "oem_warranty",
        }.get(category, "customer")
        labour = money(rng.uniform(50, 400))
        parts = money(rng.uniform(0, 900))
        total = labour + parts
        row = {
            "dealer_code": dealer,
            "ro_no": f"RO{ro_counter:07d}",
            "vin": vin,
            "plate_no": None,
            "odometer_km": km,
            "status": status,
            "ro_category": category,
            "bearer": bearer,
            "advisor_id": rng.choice(["A1", "A2", "A3"]) if rng.random() > 0.02 else None,
            "customer_phone_hash": "cd" * 32,
            "customer_phone_masked": "139****0000",
            "labour_amount": labour,
            "parts_amount": parts,
            "other_amount": money(0),
            "discount_amount": money(0),
            "total_amount": total,
            "uncollected_amount": None if rng.random() < 0.7 else money(rng.uniform(0, 50)),
            "parts_cost": money(float(parts) * 0.6),
            "dq_flags": "promised_missing" if times["promised_at"] is None else "",
            **times,
        }
        period = period_of(when)
        if status == "settled" and rng.random() < 0.05 and period < "2024-06":
            # first sent while open, then resent with the settlement in the next month's file
            writer.add(
                "repair_orders",
                period,
                {**row, "status": "open", "settled_at": None, "delivered_at": None},
                writer.load_time - dt.timedelta(days=30),
            )
            next_month = (when.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            period = period_of(next_month)
        writer.add("repair_orders", period, row)
        if status == "settled" and rng.random() < 0.3:
            survey_counter += 1
            surveyed = times["settled_at"] + dt.timedelta(days=rng.randint(1, 5))
            if surveyed <= end:
                answered = rng.choices([6, 3, 2], [0.8, 0.1, 0.1])[0]
                scale_max = rng.choice([10, 5])
                for item in ITEMS[:answered]:
                    writer.add(
                        "survey_responses",
                        period_of(surveyed),
                        {
                            "dealer_code": dealer,
                            "survey_id": f"S{survey_counter:06d}",
                            "ro_no": row["ro_no"],
                            "vin": vin,
                            "surveyed_at": surveyed,
                            "item_code": item,
                            "score": rng.randint(max(1, scale_max - 4), scale_max),
                            "scale_min": 1,
                            "scale_max": scale_max,
                        },
                    )
        if status != "void" and rng.random() < 0.08:
            case_counter += 1
            received = when + dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 5))
            if received <= end:
                severity = rng.choice(["minor", "general", "major", None])
                writer.add(
                    "complaints",
                    period_of(received),
                    {
                        "dealer_code": dealer,
                        "case_id": f"C{case_counter:05d}",
                        "vin": vin,
                        "ro_no": row["ro_no"],
                        "channel": rng.choice(["hotline", "dealer", "online", "oem"]),
                        "category": rng.choice(["service", "product", "price", "other"]),
                        "severity": severity,
                        "received_at": received,
                        "first_response_at": None
                        if rng.random() < 0.1
                        else received + dt.timedelta(hours=rng.choice([1, 23, 24, 25, 48])),
                        "closed_at": None
                        if rng.random() < 0.15
                        else received + dt.timedelta(hours=rng.choice([10, 72, 73, 160, 168, 200])),
                        "reopen_count": rng.choice([0, 0, 0, 1, None]),
                        "resolved_confirmed": rng.choice([True, True, True, False, None]),
                    },
                )
        return row

    for sale in sales:
        vin = sale["vin"]
        home = sale["dealer_code"]
        start = dt.datetime.combine(sale["invoice_date"], dt.time(9, 0))
        # first maintenance around month 5-8, sometimes by claim, sometimes only by RO
        fm_when = start + dt.timedelta(days=rng.randint(140, 250), hours=rng.randint(0, 8))
        fm_km = rng.choice([2500, 4000, 5000, 5500, 5501, 7000, None])
        if rng.random() < 0.85:
            fm_dealer = service_dealer(home, fm_when)
            ro = emit_ro(fm_dealer, vin, fm_when, "first_maintenance", fm_km)
            if ro is not None and rng.random() < 0.7:
                claim_counter += 1
                submitted = fm_when + dt.timedelta(days=rng.randint(0, 20))
                if submitted <= end:
                    writer.add(
                        "warranty_claims",
                        period_of(submitted),
                        {
                            "dealer_code": fm_dealer,
                            "claim_no": f"CL{claim_counter:06d}",
                            "vin": vin,
                            "ro_no": ro["ro_no"],
                            "claim_type": "first_maintenance",
                            "submitted_at": submitted,
                            "settled_at": None,
                            "status": rng.choices(
                                ["approved", "rejected", "pending"], [0.85, 0.1, 0.05]
                            )[0],
                            "odometer_km": rng.choice([fm_km, 4800, 6000]),
                            "labour_amount": money(120),
                            "parts_amount": money(200),
                        },
                    )
        when = fm_when
        while True:
            when = when + dt.timedelta(days=rng.randint(60, 260), hours=rng.randint(0, 6))
            if when > end:
                break
            category = rng.choices(
                [
                    "paid_maintenance",
                    "oem_free_maintenance",
                    "minor_repair",
                    "major_repair",
                    "warranty",
                    "bodywork",
                    "rework",
                    "pdi",
                ],
                [0.35, 0.1, 0.2, 0.05, 0.1, 0.08, 0.04, 0.08],
            )[0]
            dealer = service_dealer(home, when)
            ro = emit_ro(dealer, vin, when, category, rng.randint(6000, 60000))
            if (
                ro is not None
                and category in {"minor_repair", "major_repair", "warranty"}
                and ro["delivered_at"]
                and rng.random() < 0.25
            ):
                # a comeback: exactly 30 x 24 h after delivery, just over, or within days
                gap = rng.choice(
                    [
                        dt.timedelta(hours=720),
                        dt.timedelta(hours=720, minutes=1),
                        dt.timedelta(days=3),
                    ]
                )
                emit_ro(
                    dealer,
                    vin,
                    ro["delivered_at"] + gap,
                    rng.choice(["minor_repair", "warranty"]),
                    rng.randint(6000, 60000),
                )


def write_dealers(root: Path) -> None:
    schema = pa.schema(DEALER_COLUMNS)
    target = root / "landed" / "dealers"
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(DEALERS, schema=schema), target / "data.parquet")


def write_quarantine(root: Path) -> list[dict[str, Any]]:
    rows = [
        (
            "repair_orders",
            "D001",
            "2024-03",
            7,
            "vin_check_digit",
            "VIN check digit is 5, expected 3",
        ),
        (
            "repair_orders",
            "D001",
            "2024-03",
            9,
            "settled_before_arrival",
            "settled_at is before arrived_at",
        ),
        (
            "repair_orders",
            "D002",
            "2024-04",
            2,
            "vin_check_digit",
            "VIN check digit is 1, expected X",
        ),
        ("survey_responses", "D003", "2024-02", 4, "score_out_of_scale", "score 11 outside 1..10"),
    ]
    by_partition: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for feed, dealer, period, row, rule, reason in rows:
        by_partition[(feed, dealer, period)].append(
            {
                "feed": feed,
                "dealer_code": dealer,
                "period": period,
                "_source_file": f"{dealer}/{feed}/{period}.csv",
                "_source_row": row,
                "_file_sha256": f"sha-{feed}-{dealer}-{period}",
                "rule_id": rule,
                "reason": reason,
                "raw_record": '{"vin": "LSV..."}',
                "_quarantined_at": dt.datetime(2024, 7, 3, 2, 0),
            }
        )
    schema = pa.schema(QUARANTINE_COLUMNS)
    tables = {key: pa.Table.from_pylist(r, schema=schema) for key, r in by_partition.items()}
    return write_parts(root, "quarantine", tables)


def write_parts(
    root: Path, area: str, tables: dict[tuple[str, str, str], pa.Table]
) -> list[dict[str, Any]]:
    """One part file per feed of the area, as a batch of ingestion writes it; returns the
    `lake_partitions` rows that make each (feed, dealer, period) current."""
    pointers: list[dict[str, Any]] = []
    for feed in sorted({key[0] for key in tables}):
        keys = sorted(key for key in tables if key[0] == feed)
        part = f"{area}/{feed}/part-20240703T020000000000-tiny.parquet"
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.concat_tables([tables[key] for key in keys]), root / part)
        pointers += [
            {
                "area": area,
                "feed": feed,
                "dealer_code": dealer,
                "period": period,
                "part": part,
                "rows": tables[(feed, dealer, period)].num_rows,
                "run_id": "tiny",
            }
            for _, dealer, period in keys
        ]
    return pointers


def write_control(root: Path, writer: LakeWriter, pointers: list[dict[str, Any]]) -> None:
    ledger: list[dict[str, Any]] = []
    gx: list[dict[str, Any]] = []
    quarantined = {
        ("repair_orders", "D001", "2024-03"): 2,
        ("repair_orders", "D002", "2024-04"): 1,
        ("survey_responses", "D003", "2024-02"): 1,
    }
    for index, ((feed, dealer, period), part) in enumerate(sorted(writer.partitions.items())):
        q = quarantined.get((feed, dealer, period), 0)
        path = f"{dealer}/{feed}/{period}.csv"
        finished = dt.datetime(2024, 7, 3, 2, 0) + dt.timedelta(seconds=index)
        ledger.append(
            {
                "file_path": path,
                "file_sha256": f"sha-{feed}-{dealer}-{period}",
                "dealer_code": dealer,
                "feed": feed,
                "period": period,
                "dialect": "canonical_csv",
                "rows_read": len(part.rows) + q,
                "rows_loaded": len(part.rows),
                "rows_quarantined": q,
                "rows_duplicate": 0,
                "status": "loaded",
                "reason": None,
                "gate_failures": None,
                "started_at": finished - dt.timedelta(seconds=1),
                "finished_at": finished,
                "run_id": "run-1",
            }
        )
        for expectation, success in (
            ("expect_column_values_to_not_be_null", True),
            ("expect_table_row_count_to_be_between", q == 0),
        ):
            gx.append(
                {
                    "run_id": "run-1",
                    "validated_at": finished,
                    "dealer_code": dealer,
                    "feed": feed,
                    "period": period,
                    "file_path": path,
                    "suite": feed,
                    "expectation": expectation,
                    "policy": "warn",
                    "success": success,
                    "observed_value": None,
                }
            )
    ledger.append(
        {
            "file_path": "D002/repair_orders/2024-06.csv",
            "file_sha256": "sha-held",
            "dealer_code": "D002",
            "feed": "repair_orders",
            "period": "2024-06",
            "dialect": "huayu_gbk_csv",
            "rows_read": 3,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "rows_duplicate": 0,
            "status": "held",
            "reason": "row count 3 below 30% of trailing median",
            "gate_failures": None,
            "started_at": dt.datetime(2024, 7, 3, 3, 0),
            "finished_at": dt.datetime(2024, 7, 3, 3, 0, 5),
            "run_id": "run-2",
        }
    )
    alerts = [
        {
            "alert_id": "AL1",
            "raised_at": dt.datetime(2024, 7, 6, 9, 0),
            "kind": "late_feed",
            "dealer_code": "D002",
            "feed": "repair_orders",
            "period": "2024-06",
            "message": "repair_orders 2024-06 not loaded",
        }
    ]
    for name, rows in (
        ("file_ledger", ledger),
        ("gx_results", gx),
        ("feed_alerts", alerts),
        ("lake_partitions", pointers),
    ):
        path = root / export_path(name).replace("*", f"{len(rows):012d}")
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(CONTROL_COLUMNS[name])), path)


def write_tiny_lake(root: Path, seed: int = 20240630) -> dict[str, int]:
    """Write the tiny lake under ``root`` and return row counts per landed feed."""
    rng = random.Random(seed)
    writer = LakeWriter(root)
    generate(writer, rng)
    # D002 has not sent its June repair orders (held): the partition is absent
    writer.partitions.pop(("repair_orders", "D002", "2024-06"), None)
    counts = writer.write()
    write_dealers(root)
    quarantined = write_quarantine(root)
    counts["quarantine"] = sum(p["rows"] for p in quarantined)
    write_control(root, writer, writer.pointers + quarantined)
    return counts


def main(root: Annotated[Path, typer.Argument(help="Directory to write the lake into.")]) -> None:
    counts = write_tiny_lake(root)
    for feed, rows in sorted(counts.items()):
        typer.echo(f"{feed}: {rows} rows")


if __name__ == "__main__":
    typer.run(main)
