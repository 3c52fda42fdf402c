"""A dealer's feed health, read from the published warehouse.

Feed health has one definition, the dbt mart ``rpt_feed_health`` (docs/data-quality.md,
"Feed health"); the feed-health dashboard reads it and so does ``aftersales health``, through
:func:`read_feed_health`. Nothing here recomputes a figure: the command shows what the
last warehouse build published.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.table import Table

from ingestion.contracts import DEALER_FEEDS

MART = "rpt_feed_health"
# (label, column) of the table `aftersales health` prints: the dashboard's figures
TABLE_COLUMNS = (
    ("feed", "feed"),
    ("last period", "last_period"),
    ("next due", "next_file_due_on"),
    ("days late", "days_late"),
    ("files", "files_received"),
    ("read", "rows_read"),
    ("loaded", "rows_loaded"),
    ("quar.", "rows_quarantined"),
    ("dup.", "rows_duplicate"),
    ("quar. share", "quarantine_share"),
    ("top quarantine reasons", "top_quarantine_reasons"),
    ("GX pass", "gx_pass_rate"),
    ("held", "held_batches"),
    ("rejected", "rejected_batches"),
    ("alerts", "late_feed_alerts"),
)
SHARES = ("quarantine_share", "gx_pass_rate")


class WarehouseMissing(FileNotFoundError):
    """No published warehouse (or one without the feed-health mart) at the path."""


def read_feed_health(warehouse: Path, dealer_code: str | None = None) -> pd.DataFrame:
    """Rows of ``rpt_feed_health`` (one per feed of the dealer, or every row), feeds in
    contract order."""
    import duckdb

    if not warehouse.exists():
        raise WarehouseMissing(f"no published warehouse at {warehouse}")
    where, params = ("where dealer_code = ?", [dealer_code]) if dealer_code else ("", [])
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            frame = con.execute(f"select * from main.{MART} {where}", params).df()
    except duckdb.CatalogException as exc:
        raise WarehouseMissing(f"{warehouse} has no {MART}: {exc}") from None
    order = {feed: i for i, feed in enumerate(DEALER_FEEDS)}
    frame["_order"] = frame["feed"].map(order)
    return (
        frame.sort_values(["dealer_code", "_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def plain(value: Any) -> Any:
    """A mart value as JSON: dates as ISO text, missing values as null, numpy as Python."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, date):  # the mart's dates (DuckDB DATE arrives as a Timestamp)
        return value.isoformat()[:10]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _cell(column: str, value: Any) -> str:
    value = plain(value)
    if value is None:
        return "-"
    if column in SHARES:
        return f"{value:.1%}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def health_table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title)
    for label, _ in TABLE_COLUMNS:
        left = label in ("feed", "last period", "next due", "top quarantine reasons")
        table.add_column(label, justify="left" if left else "right")
    for row in frame.to_dict("records"):
        style = "red" if row["is_late"] or row["rejected_batches"] else None
        if style is None and row["held_batches"]:
            style = "yellow"
        table.add_row(*(_cell(col, row[col]) for _, col in TABLE_COLUMNS), style=style)
    return table
