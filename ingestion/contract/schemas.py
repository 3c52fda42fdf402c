"""Pandera schemas for every canonical feed; each check is named by its rule id."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa

from ingestion.contracts import FEEDS, FeedContract

RAW = "__raw"
MIN_TS = pd.Timestamp("2000-01-01")
PANDAS_DTYPES = {
    "int": "Int64",
    "decimal": "float64",
    "date": "datetime64[us]",
    "ts": "datetime64[us]",
    "bool": "boolean",
}


def _columns_of(definition: FeedContract, *types: str) -> list[str]:
    return [c.name for c in definition.columns if c.type in types]


def _unparsed(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    bad = pd.Series(False, index=df.index)
    for col in columns:
        bad |= df[col + RAW].notna() & df[col].isna()
    return ~bad


def _ordered(df: pd.DataFrame, start: str, ends: list[str]) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    for end in ends:
        ok &= ~(df[end] < df[start]).fillna(False).astype(bool)
    return ok


def _in_window(df: pd.DataFrame, columns: list[str], latest: pd.Timestamp) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    for col in columns:
        ok &= ~((df[col] > latest) | (df[col] < MIN_TS)).fillna(False).astype(bool)
    return ok


def _non_negative(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    void = df["status"].eq("void").fillna(False).astype(bool) if "status" in df else False
    ok = pd.Series(True, index=df.index)
    for col in columns:
        ok &= ~(df[col] < 0).fillna(False).astype(bool)
    return ok | void


def _in_scale(df: pd.DataFrame) -> pd.Series:
    outside = (df["score"] < df["scale_min"]) | (df["score"] > df["scale_max"])
    return ~outside.fillna(False).astype(bool)


# Frame-wide checks use ignore_na=False: with the default, pandera ORs every check's output
# with `frame.isna().all(axis=1)` (a full scan of the frame per check), which is always False
# here because the lineage columns are never null.


def _allowed_values(allowed: tuple[str, ...]) -> pa.Check:
    values = list(allowed)
    return pa.Check(lambda s: s.isin(values) | s.isna(), name="unknown_category")


@cache
def build_schema(feed: str, latest_allowed: pd.Timestamp) -> pa.DataFrameSchema:
    """Schema of the typed frame of `feed`; `latest_allowed` = ingestion time + 1 day."""
    d = FEEDS[feed]
    columns: dict[str, pa.Column] = {}
    for c in d.columns:
        checks = [_allowed_values(c.enum)] if c.enum else []
        columns[c.name] = pa.Column(
            PANDAS_DTYPES.get(c.type), checks=checks, nullable=not c.required, required=True
        )
    dates = _columns_of(d, "date", "ts")
    numbers = _columns_of(d, "int", "decimal")
    bools = _columns_of(d, "bool")
    checks = [
        pa.Check(lambda df: ~df["_malformed"].astype(bool), name="malformed_row", ignore_na=False),
        pa.Check(lambda df: _unparsed(df, dates), name="unparseable_date", ignore_na=False),
        pa.Check(
            lambda df: _in_window(df, dates, latest_allowed),
            name="future_timestamp",
            ignore_na=False,
        ),
    ]
    if numbers:
        checks.append(
            pa.Check(lambda df: _unparsed(df, numbers), name="unparseable_amount", ignore_na=False)
        )
    if bools:
        checks.append(
            pa.Check(lambda df: _unparsed(df, bools), name="unknown_category", ignore_na=False)
        )
    if "vin" in d.column_names:
        checks.append(
            pa.Check(
                lambda df: df["vin"].isna() | df["vin__valid"], name="vin_invalid", ignore_na=False
            )
        )
    if d.amount_columns:
        amounts = list(d.amount_columns)
        checks.append(
            pa.Check(lambda df: _non_negative(df, amounts), name="negative_amount", ignore_na=False)
        )
    if feed == "repair_orders":
        ends = ["qc_completed_at", "delivered_at", "settled_at"]
        checks.append(
            pa.Check(
                lambda df: _ordered(df, "arrived_at", ends), name="timestamp_order", ignore_na=False
            )
        )
    if feed == "complaints":
        ends = ["first_response_at", "closed_at"]
        checks.append(
            pa.Check(
                lambda df: _ordered(df, "received_at", ends),
                name="response_before_receipt",
                ignore_na=False,
            )
        )
    if feed == "survey_responses":
        checks.append(pa.Check(_in_scale, name="score_out_of_scale", ignore_na=False))
    return pa.DataFrameSchema(
        columns, checks=checks, strict=False, coerce=False, name=f"{feed}_row_contract"
    )
