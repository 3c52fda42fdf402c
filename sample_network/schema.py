"""Canonical feed layouts (shared spec feeds.md) as the generator writes them."""

from __future__ import annotations

from typing import Literal

import numpy as np

ColType = Literal["str", "int", "decimal", "date", "ts", "bool"]

NA_INT = np.iinfo(np.int64).min
"""Missing value of int, decimal (cents), date (days) and ts (minutes) columns."""

FEED_NAMES = (
    "vehicle_sales",
    "repair_orders",
    "warranty_registrations",
    "warranty_claims",
    "survey_responses",
    "complaints",
)


def _cols(spec: str) -> tuple[tuple[str, ColType], ...]:
    out: list[tuple[str, ColType]] = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        out.append((name, kind or "str"))  # type: ignore[arg-type]
    return tuple(out)


COLUMNS: dict[str, tuple[tuple[str, ColType], ...]] = {
    "vehicle_sales": _cols(
        "dealer_code vin model_code invoice_no invoice_date:date delivery_date:date "
        "buyer_type use_type sale_type status cancel_date:date"
    ),
    "repair_orders": _cols(
        "dealer_code ro_no vin plate_no odometer_km:int arrived_at:ts promised_at:ts "
        "qc_completed_at:ts delivered_at:ts settled_at:ts status ro_category bearer "
        "appointment_at:ts advisor_id customer_phone labour_amount:decimal "
        "parts_amount:decimal other_amount:decimal discount_amount:decimal "
        "total_amount:decimal uncollected_amount:decimal parts_cost:decimal"
    ),
    "warranty_registrations": _cols(
        "dealer_code registration_id vin submitted_at:ts status warranty_start_date:date "
        "reject_reason customer_phone"
    ),
    "warranty_claims": _cols(
        "dealer_code claim_no vin ro_no claim_type submitted_at:ts settled_at:ts status "
        "odometer_km:int labour_amount:decimal parts_amount:decimal"
    ),
    "survey_responses": _cols(
        "dealer_code survey_id ro_no vin surveyed_at:ts item_code score:int "
        "scale_min:int scale_max:int"
    ),
    "complaints": _cols(
        "dealer_code case_id vin ro_no channel category severity received_at:ts "
        "first_response_at:ts closed_at:ts reopen_count:int resolved_confirmed:bool"
    ),
}

KEYS: dict[str, tuple[str, ...]] = {
    "vehicle_sales": ("dealer_code", "vin", "invoice_no"),
    "repair_orders": ("dealer_code", "ro_no"),
    "warranty_registrations": ("dealer_code", "registration_id"),
    "warranty_claims": ("dealer_code", "claim_no"),
    "survey_responses": ("dealer_code", "survey_id", "item_code"),
    "complaints": ("dealer_code", "case_id"),
}

ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "vehicle_sales": {
        "buyer_type": ("individual", "organisation"),
        "use_type": ("private", "official", "commercial"),
        "sale_type": ("retail", "fleet", "demo", "transfer"),
        "status": ("valid", "cancelled"),
    },
    "repair_orders": {
        "status": ("open", "settled", "void"),
        "ro_category": (
            "first_maintenance",
            "oem_free_maintenance",
            "warranty",
            "paid_maintenance",
            "minor_repair",
            "major_repair",
            "bodywork",
            "rework",
            "pdi",
            "internal",
        ),
        "bearer": ("customer", "oem_warranty", "oem_free", "dealer", "campaign", "other"),
    },
    "warranty_registrations": {"status": ("accepted", "rejected", "pending")},
    "warranty_claims": {
        "claim_type": ("first_maintenance", "warranty_repair", "recall", "campaign"),
        "status": ("approved", "rejected", "pending"),
    },
    "survey_responses": {
        "item_code": ("overall", "advisor", "facility", "quality", "pickup", "initiation"),
    },
    "complaints": {
        "channel": ("hotline", "dealer", "online", "oem"),
        "category": ("service", "product", "price", "other"),
        "severity": ("minor", "general", "major"),
    },
}

AMOUNTS: dict[str, tuple[str, ...]] = {
    feed: tuple(name for name, kind in cols if kind == "decimal") for feed, cols in COLUMNS.items()
}

SURVEY_ITEMS = ENUMS["survey_responses"]["item_code"]
