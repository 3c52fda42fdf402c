"""Hand-made networks for ingestion tests: a dealer master, an inbox and settings."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ingestion.settings import Settings

DEALERS = [
    {"dealer_code": "D001", "dealer_name": "一号店", "region": "east", "dms_vendor": "oem_dms"},
    {"dealer_code": "D002", "dealer_name": "二号店", "region": "east", "dms_vendor": "huayu_dms"},
    {
        "dealer_code": "D003",
        "dealer_name": "三号店",
        "region": "north",
        "dms_vendor": "jinqiao_xlsx",
    },
]
# valid real-world-format VINs (check digit verified)
VINS = ["1M8GDM9AXKP042788", "11111111111111111", "LSVAU218XN2183294"]

RO_HEADER = [
    "dealer_code",
    "ro_no",
    "vin",
    "plate_no",
    "odometer_km",
    "arrived_at",
    "promised_at",
    "qc_completed_at",
    "delivered_at",
    "settled_at",
    "status",
    "ro_category",
    "bearer",
    "appointment_at",
    "advisor_id",
    "customer_phone",
    "labour_amount",
    "parts_amount",
    "other_amount",
    "discount_amount",
    "total_amount",
    "uncollected_amount",
    "parts_cost",
]


def ro_row(n: int, **over: str) -> dict[str, str]:
    row = {
        "dealer_code": "D001",
        "ro_no": f"RO{n:05d}",
        "vin": VINS[n % 3],
        "plate_no": "京A12345",
        "odometer_km": str(1000 + n),
        "arrived_at": "2024-03-05 09:00",
        "promised_at": "2024-03-05 17:00",
        "qc_completed_at": "2024-03-05 15:00",
        "delivered_at": "2024-03-05 16:30",
        "settled_at": "2024-03-05 16:00",
        "status": "settled",
        "ro_category": "paid_maintenance",
        "bearer": "customer",
        "appointment_at": "",
        "advisor_id": "A1",
        "customer_phone": "13800138000",
        "labour_amount": "100.00",
        "parts_amount": "200.00",
        "other_amount": "0",
        "discount_amount": "0",
        "total_amount": "300.00",
        "uncollected_amount": "0",
        "parts_cost": "150.00",
    }
    row.update(over)
    return row


def csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


class Network:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox = root / "inbox"
        self.inbox.mkdir(parents=True)
        master = root / "master" / "dealers.csv"
        master.parent.mkdir(parents=True)
        master.write_text(
            csv_text(["dealer_code", "dealer_name", "region", "dms_vendor"], DEALERS),
            encoding="utf-8",
        )
        self.settings = Settings(
            inbox=self.inbox,
            dealer_master=master,
            lake=root / "lake",
            data_root=root,
            env="test",
        )

    def write(self, rel: str, content: str | bytes, encoding: str = "utf-8") -> str:
        path = self.inbox / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return rel

    def write_ro(self, rel: str, rows: list[dict[str, str]]) -> str:
        return self.write(rel, csv_text(RO_HEADER, rows))
