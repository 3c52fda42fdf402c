"""Check kinds of the feed contracts: each written once, used by pandera and by the reason text.

A row rule or flag in `ingestion/contracts/<feed>.yaml` names a check kind and its parameters.
A kind returns, per column it inspects, a boolean Series of the rows that fail. pandera's check
is "no column fails"; a quarantined row's reason lists the columns that failed, with the values,
from the same masks. There is no second implementation of any rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ingestion.contracts.model import CheckSpec, FeedContract

RAW = "__raw"
Failures = dict[str, pd.Series]


ROLLBACK_COLUMNS = ["vin", "arrived_at", "odometer_km"]


@dataclass(frozen=True)
class CheckContext:
    """What a check may read besides the row: the ingestion clock (local time, naive) and
    the landed history a check compares with (``ROLLBACK_COLUMNS`` of earlier loads)."""

    now: pd.Timestamp
    history: pd.DataFrame | None = None


def _false(df: pd.DataFrame) -> pd.Series:
    return pd.Series(False, index=df.index)


def _bool(mask: pd.Series) -> pd.Series:
    return mask.fillna(False).astype(bool)


def _columns(spec: CheckSpec, contract: FeedContract) -> list[str]:
    """The columns a check applies to: named ones, or every column of the named types."""
    if spec.columns:
        return list(spec.columns)
    if spec.types:
        return [c.name for c in contract.columns if c.type in spec.types]
    return []


def _malformed(df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext) -> Failures:
    return {"record": df["_malformed"].astype(bool)}


def _unparsed(df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext) -> Failures:
    """A value was given (raw text) but could not be read as the column's type."""
    return {
        col: _bool(df[col + RAW].notna() & df[col].isna())
        for col in _columns(spec, c)
        if col + RAW in df
    }


def _vin(df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext) -> Failures:
    return {"vin": _bool(df["vin"].notna() & ~df["vin__valid"].astype(bool))}


def _allowed(df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext) -> Failures:
    """Enum columns hold a listed value; yes/no columns hold a readable yes or no."""
    out: Failures = {}
    for col in c.columns:
        if col.enum:
            out[col.name] = _bool(df[col.name].notna() & ~df[col.name].isin(list(col.enum)))
        elif col.type == "bool":
            out[col.name] = _bool(df[col.name + RAW].notna() & df[col.name].isna())
    return out


def _required(df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext) -> Failures:
    cols = _columns(spec, c) or c.required
    return {col: df[col].isna() for col in cols}


def _missing(df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext) -> Failures:
    return {col: df[col].isna() for col in _columns(spec, c)}


def _in_window(df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext) -> Failures:
    earliest = pd.Timestamp(spec.earliest)
    latest = ctx.now + pd.Timedelta(days=spec.days_ahead or 0)
    return {col: _bool((df[col] > latest) | (df[col] < earliest)) for col in _columns(spec, c)}


def _not_before(df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext) -> Failures:
    assert spec.start is not None
    return {col: _bool(df[col] < df[spec.start]) for col in _columns(spec, c)}


def _non_negative(
    df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext
) -> Failures:
    cols = _columns(spec, c) or list(c.amount_columns)
    exempt = _false(df)
    for column, values in (spec.unless or {}).items():
        exempt |= _bool(df[column].isin(list(values)))
    return {col: _bool(df[col] < 0) & ~exempt for col in cols}


def _within_scale(
    df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext
) -> Failures:
    assert spec.low is not None and spec.high is not None
    return {
        col: _bool((df[col] < df[spec.low]) | (df[col] > df[spec.high]))
        for col in _columns(spec, c)
    }


def _key_conflict(
    df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext
) -> Failures:
    """Marked by ingestion.duplicates (it needs the whole file); the reason names the key."""
    flagged = df["_key_conflict"].astype(bool) if "_key_conflict" in df else _false(df)
    return {col: flagged for col in c.key}


def _odometer_rollback(
    df: pd.DataFrame, spec: CheckSpec, c: FeedContract, ctx: CheckContext
) -> Failures:
    """Odometer below the VIN's earlier maximum (by arrival) by more than the tolerance;
    earlier visits include the landed history (``ctx.history``), not only this batch."""
    sub = df[ROLLBACK_COLUMNS]
    if ctx.history is not None and len(ctx.history):
        past = ctx.history[ROLLBACK_COLUMNS].copy()
        past.index = pd.RangeIndex(-len(past), 0)  # never an index of `df`
        sub = pd.concat([past, sub])
    sub = sub.dropna(subset=["vin", "arrived_at"])
    sub = sub.sort_values(["vin", "arrived_at"], kind="stable")
    odo = sub["odometer_km"].astype("float64")
    running = odo.groupby(sub["vin"]).cummax()
    prior_max = running.groupby(sub["vin"]).shift(1)
    # visits at the same minute are not "earlier" than each other
    prior_max = prior_max.groupby([sub["vin"], sub["arrived_at"]]).transform("first")
    flagged = (odo < prior_max - (spec.tolerance or 0)).fillna(False)
    flagged = flagged[flagged.index.isin(df.index)]
    out = _false(df)
    out.loc[flagged.index] = flagged.to_numpy(dtype=bool)
    return {"odometer_km": out}


KINDS: dict[str, Callable[[pd.DataFrame, CheckSpec, FeedContract, CheckContext], Failures]] = {
    "malformed": _malformed,
    "key_conflict": _key_conflict,
    "vin": _vin,
    "parseable": _unparsed,
    "allowed_values": _allowed,
    "required": _required,
    "missing": _missing,
    "in_window": _in_window,
    "not_before": _not_before,
    "non_negative": _non_negative,
    "within_scale": _within_scale,
    "odometer_rollback": _odometer_rollback,
}


def failures(
    df: pd.DataFrame, spec: CheckSpec, contract: FeedContract, ctx: CheckContext
) -> Failures:
    return KINDS[spec.check](df, spec, contract, ctx)


def any_failure(
    df: pd.DataFrame, spec: CheckSpec, contract: FeedContract, ctx: CheckContext
) -> pd.Series:
    out = _false(df)
    for mask in failures(df, spec, contract, ctx).values():
        out |= mask.to_numpy(dtype=bool)
    return out


# --- reason text: the failing columns of a row, with the values the check saw -----------------


def _shown(value: object) -> str:
    """Text quoted as the dealer typed it; typed values (dates, numbers) as they are."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "blank"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _value_of(row: Mapping[str, Any], col: str, spec: CheckSpec) -> str:
    """The value a dealer can find in the export: the raw text where the value was unreadable."""
    if spec.check in ("parseable", "vin") or pd.isna(row.get(col)):
        return _shown(row.get(col + RAW))
    return _shown(row.get(col))


def detail(row: Mapping[str, Any], failed: list[str], spec: CheckSpec) -> str:
    """The part of the reason after the rule text, formatted from the failing columns."""
    if spec.check == "malformed":
        return ""
    if spec.check in ("required", "missing"):
        text = ", ".join(failed)
        spreadsheet = [c for c in failed if pd.notna(row.get(c + RAW))]
        if spreadsheet:
            shown = ", ".join(_shown(row[c + RAW]) for c in spreadsheet)
            text += f" ({shown} was turned into a number by a spreadsheet)"
        return text
    if spec.check == "key_conflict":
        return ", ".join(f"{c} {_shown(row.get(c))}" for c in failed)
    if spec.check == "not_before":
        shown = "; ".join(f"{c} {_shown(row.get(c))}" for c in failed)
        return f"{shown} < {spec.start} {_shown(row.get(spec.start))}"
    if spec.check == "within_scale":
        return "; ".join(
            f"{c} {row.get(c)} not in {row.get(spec.low)}..{row.get(spec.high)}" for c in failed
        )
    return "; ".join(f"{c} {_value_of(row, c, spec)}" for c in failed)


def reasons(
    rows: pd.DataFrame,
    spec: CheckSpec,
    reason: str,
    contract: FeedContract,
    ctx: CheckContext,
) -> list[str]:
    """One reason per row of `rows` (all of which broke `spec`)."""
    masks = failures(rows, spec, contract, ctx)
    names = list(masks)
    matrix = (
        pd.DataFrame({n: m.to_numpy(dtype=bool) for n, m in masks.items()}, index=rows.index)
        if names
        else pd.DataFrame(index=rows.index)
    )
    out: list[str] = []
    hits = matrix.to_numpy(dtype=bool)
    # one dict per row: the failing cells are read a few at a time (iterrows would build
    # a Series of every column for every quarantined row)
    for row, hit in zip(rows.to_dict(orient="records"), hits, strict=True):
        failed = [n for n, h in zip(names, hit, strict=True) if h]
        text = detail(row, failed, spec)
        out.append(f"{reason}: {text}" if text else reason)
    return out
