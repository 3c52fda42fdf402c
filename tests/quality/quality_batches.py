"""Purpose-built batches for the quality gate tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ingestion.contracts import contract

VIN = "LSVAU2180N2183294"


def ro_rows(path: str, n: int, period: str = "2024-03", **columns: Any) -> pd.DataFrame:
    """n valid repair-order rows of one file; keyword columns override (scalar or list)."""
    dealer = path.split("/")[0]
    day0 = pd.Timestamp(f"{period}-01 09:00")
    frame = pd.DataFrame(
        {
            "dealer_code": dealer,
            "ro_no": [f"RO{i:05d}" for i in range(n)],
            "vin": VIN,
            "odometer_km": np.arange(n, dtype="int64") * 100 + 1000,
            "arrived_at": [day0 + pd.Timedelta(hours=i % 500) for i in range(n)],
            "qc_completed_at": pd.NaT,
            "delivered_at": [day0 + pd.Timedelta(hours=i % 500 + 3) for i in range(n)],
            "settled_at": [day0 + pd.Timedelta(hours=i % 500 + 4) for i in range(n)],
            "status": "settled",
            "ro_category": "paid_maintenance",
            "bearer": "customer",
            "total_amount": 500.0,
            "_source_file": path,
            "_source_row": np.arange(1, n + 1),
            "period": period,
            "dq_flags": "",
        }
    )
    for name, value in columns.items():
        frame[name] = value
    return frame


def complaint_rows(path: str, n: int, period: str = "2024-03") -> pd.DataFrame:
    dealer = path.split("/")[0]
    day0 = pd.Timestamp(f"{period}-02 10:00")
    return pd.DataFrame(
        {
            "dealer_code": dealer,
            "case_id": [f"C{i:04d}" for i in range(n)],
            "vin": VIN,
            "channel": "hotline",
            "category": "service",
            "severity": "minor",
            "received_at": [day0 + pd.Timedelta(hours=i) for i in range(n)],
            "first_response_at": [day0 + pd.Timedelta(hours=i + 1) for i in range(n)],
            "closed_at": pd.NaT,
            "reopen_count": 0,
            "resolved_confirmed": True,
            "_source_file": path,
            "_source_row": np.arange(1, n + 1),
            "period": period,
            "dq_flags": "",
        }
    )


def feed_rows(
    feed: str, path: str, n: int, period: str = "2024-03", **columns: Any
) -> pd.DataFrame:
    """n rows of any dealer feed that passed the row contract, built from its contract: the
    period column inside the declared month, enum columns cycling through their values,
    numbers 100; keyword columns override (scalar or list)."""
    definition = contract(feed)
    assert definition.file_rules is not None
    dealer = path.split("/")[0]
    day0 = pd.Timestamp(f"{period}-01 09:00")
    stamps = [day0 + pd.Timedelta(hours=i % 500) for i in range(n)]
    data: dict[str, Any] = {}
    for col in definition.columns:
        if col.name == "dealer_code":
            data[col.name] = dealer
        elif col.enum:
            data[col.name] = [col.enum[i % len(col.enum)] for i in range(n)]
        elif col.type == "ts":
            data[col.name] = stamps
        elif col.type == "date":
            data[col.name] = [s.normalize() for s in stamps]
        elif col.type in ("int", "decimal"):
            data[col.name] = 100.0
        elif col.type == "bool":
            data[col.name] = True
        else:
            data[col.name] = [f"{col.name.upper()}{i:05d}" for i in range(n)]
    frame = pd.DataFrame(data, index=pd.RangeIndex(n))
    frame["_source_file"] = path
    frame["_source_row"] = np.arange(1, n + 1)
    frame["period"] = period
    frame["dq_flags"] = ""
    for name, value in columns.items():
        frame[name] = value
    return frame


def file_row(
    path: str,
    feed: str,
    rows_read: int,
    period: str = "2024-03",
    trailing_median: float = float("nan"),
    prior_periods: int = 0,
    rows_quarantined: int = 0,
) -> dict[str, Any]:
    return {
        "file_path": path,
        "dealer_code": path.split("/")[0],
        "feed": feed,
        "period": period,
        "rows_read": rows_read,
        "rows_loaded": rows_read - rows_quarantined,
        "rows_quarantined": rows_quarantined,
        "rows_duplicate": 0,
        "trailing_median": trailing_median,
        "prior_periods": prior_periods,
    }


def ledger_row(
    path: str,
    status: str = "loaded",
    rows: tuple[int, int, int, int] = (10, 10, 0, 0),
    finished_at: str = "2024-04-05T10:00:00",
    sha: str | None = None,
) -> dict[str, Any]:
    """A file_ledger row for a path ``<dealer>/<feed>/<YYYY-MM>.csv``."""
    dealer, feed, name = path.split("/")
    read, loaded, quarantined, duplicate = rows
    return {
        "file_path": path,
        "file_sha256": sha or f"sha-{path}-{status}",
        "dealer_code": dealer,
        "feed": feed,
        "period": name.split(".")[0],
        "dialect": "canonical_csv",
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
        "rows_duplicate": duplicate,
        "status": status,
        "reason": "",
        "gate_failures": "",
        "started_at": finished_at,
        "finished_at": finished_at,
        "run_id": "r1",
    }


def write_ledger(db: Any, rows: list[dict[str, Any]]) -> None:
    import sqlite3

    from ingestion.control_db import FILE_LEDGER_DDL

    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    conn.execute(FILE_LEDGER_DDL)
    if rows:
        cols = list(rows[0])
        conn.executemany(
            f"INSERT INTO file_ledger ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [tuple(r[c] for c in cols) for r in rows],
        )
    conn.commit()
    conn.close()
