"""Canonical feed definitions (docs: shared spec feeds.md): columns, types, keys, enums."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "decimal", "date", "ts", "bool"]


@dataclass(frozen=True)
class CanonicalColumn:
    name: str
    type: ColumnType = "str"
    required: bool = False
    enum: tuple[str, ...] | None = None
    default: str | None = None


@dataclass(frozen=True)
class FeedDefinition:
    name: str
    columns: tuple[CanonicalColumn, ...]
    key: tuple[str, ...]
    amount_columns: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> CanonicalColumn:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _c(
    name: str,
    type_: ColumnType = "str",
    required: bool = False,
    enum: str | None = None,
    default: str | None = None,
) -> CanonicalColumn:
    return CanonicalColumn(name, type_, required, tuple(enum.split()) if enum else None, default)


RO_CATEGORIES = (
    "first_maintenance oem_free_maintenance warranty paid_maintenance minor_repair "
    "major_repair bodywork rework pdi internal"
)

FEEDS: dict[str, FeedDefinition] = {
    "dealers": FeedDefinition(
        "dealers",
        (
            _c("dealer_code", required=True),
            _c("dealer_name", required=True),
            _c("region", required=True),
            _c("province"),
            _c("city"),
            _c("outlet_type", enum="4s service_only"),
            _c("opened_on", "date"),
            _c("closed_on", "date"),
            _c("successor_dealer_code"),
            _c("dms_vendor"),
        ),
        ("dealer_code",),
    ),
    "vehicle_sales": FeedDefinition(
        "vehicle_sales",
        (
            _c("dealer_code", required=True),
            _c("vin", required=True),
            _c("model_code"),
            _c("invoice_no", required=True),
            _c("invoice_date", "date", required=True),
            _c("delivery_date", "date"),
            _c("buyer_type", enum="individual organisation"),
            _c("use_type", enum="private official commercial"),
            _c("sale_type", required=True, enum="retail fleet demo transfer"),
            _c("status", required=True, enum="valid cancelled"),
            _c("cancel_date", "date"),
        ),
        ("dealer_code", "vin", "invoice_no"),
    ),
    "repair_orders": FeedDefinition(
        "repair_orders",
        (
            _c("dealer_code", required=True),
            _c("ro_no", required=True),
            _c("vin", required=True),
            _c("plate_no"),
            _c("odometer_km", "int"),
            _c("arrived_at", "ts", required=True),
            _c("promised_at", "ts"),
            _c("qc_completed_at", "ts"),
            _c("delivered_at", "ts"),
            _c("settled_at", "ts"),
            _c("status", required=True, enum="open settled void"),
            _c("ro_category", required=True, enum=RO_CATEGORIES),
            _c("bearer", enum="customer oem_warranty oem_free dealer campaign other"),
            _c("appointment_at", "ts"),
            _c("advisor_id"),
            _c("customer_phone"),
            _c("labour_amount", "decimal"),
            _c("parts_amount", "decimal"),
            _c("other_amount", "decimal"),
            _c("discount_amount", "decimal"),
            _c("total_amount", "decimal", required=True),
            _c("uncollected_amount", "decimal"),
            _c("parts_cost", "decimal"),
        ),
        ("dealer_code", "ro_no"),
        amount_columns=(
            "labour_amount",
            "parts_amount",
            "other_amount",
            "discount_amount",
            "total_amount",
            "uncollected_amount",
            "parts_cost",
        ),
    ),
    "warranty_registrations": FeedDefinition(
        "warranty_registrations",
        (
            _c("dealer_code", required=True),
            _c("registration_id", required=True),
            _c("vin", required=True),
            _c("submitted_at", "ts", required=True),
            _c("status", required=True, enum="accepted rejected pending"),
            _c("warranty_start_date", "date"),
            _c("reject_reason"),
            _c("customer_phone"),
        ),
        ("dealer_code", "registration_id"),
    ),
    "warranty_claims": FeedDefinition(
        "warranty_claims",
        (
            _c("dealer_code", required=True),
            _c("claim_no", required=True),
            _c("vin", required=True),
            _c("ro_no"),
            _c(
                "claim_type",
                required=True,
                enum="first_maintenance warranty_repair recall campaign",
            ),
            _c("submitted_at", "ts", required=True),
            _c("settled_at", "ts"),
            _c("status", required=True, enum="approved rejected pending"),
            _c("odometer_km", "int"),
            _c("labour_amount", "decimal"),
            _c("parts_amount", "decimal"),
        ),
        ("dealer_code", "claim_no"),
        amount_columns=("labour_amount", "parts_amount"),
    ),
    "survey_responses": FeedDefinition(
        "survey_responses",
        (
            _c("dealer_code", required=True),
            _c("survey_id", required=True),
            _c("ro_no"),
            _c("vin"),
            _c("surveyed_at", "ts", required=True),
            _c(
                "item_code",
                required=True,
                enum="overall advisor facility quality pickup initiation",
            ),
            _c("score", "int", required=True),
            _c("scale_min", "int", required=True, default="1"),
            _c("scale_max", "int", required=True, default="10"),
        ),
        ("dealer_code", "survey_id", "item_code"),
    ),
    "complaints": FeedDefinition(
        "complaints",
        (
            _c("dealer_code", required=True),
            _c("case_id", required=True),
            _c("vin"),
            _c("ro_no"),
            _c("channel", enum="hotline dealer online oem"),
            _c("category", required=True, enum="service product price other"),
            _c("severity", enum="minor general major"),
            _c("received_at", "ts", required=True),
            _c("first_response_at", "ts"),
            _c("closed_at", "ts"),
            _c("reopen_count", "int", default="0"),
            _c("resolved_confirmed", "bool"),
        ),
        ("dealer_code", "case_id"),
    ),
}

DEALER_FEEDS: tuple[str, ...] = tuple(f for f in FEEDS if f != "dealers")
PHONE_COLUMNS = ("customer_phone",)
