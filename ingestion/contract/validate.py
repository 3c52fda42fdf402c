"""Run the row contract lazily and attribute one rule (and a readable reason) to each bad row."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ingestion.contract.schemas import build_schema
from ingestion.contracts import FEEDS
from ingestion.rules import PRECEDENCE, RULE_TEXT

RAW = "__raw"
_CHECK_RULE = {"not_nullable": "required_missing"}


def validate_rows(feed: str, typed: pd.DataFrame, latest_allowed: pd.Timestamp) -> pd.Series:
    """Rule id per row (None = passes the contract). `typed` must have a unique index."""
    schema = build_schema(feed, latest_allowed.floor("min"))
    rules = pd.Series(None, index=typed.index, dtype=object)
    if typed.empty:
        return rules
    try:
        schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
        check = fc["check"].astype(str).map(lambda c: _CHECK_RULE.get(c, c))
        unknown = ~check.isin(list(PRECEDENCE))
        if unknown.any():  # dtype or other structural failure: never lose the row
            check[unknown] = "malformed_row"
        ranked = pd.DataFrame({"index": fc["index"].to_numpy(), "rule": check.to_numpy()})
        ranked["rank"] = ranked["rule"].map(PRECEDENCE)
        best = ranked.sort_values("rank").drop_duplicates("index")
        rules.loc[best["index"].to_numpy()] = best["rule"].to_numpy()
    return rules


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return "blank"
    return repr(str(value))


def explain(feed: str, rule: str, row: pd.Series) -> str:
    """A reason a dealer can act on: the rule, the column and the offending value."""
    d = FEEDS[feed]
    base = RULE_TEXT.get(rule, rule)
    detail = ""
    if rule == "conflicting_duplicate":
        detail = ", ".join(f"{k} {_fmt(row.get(k))}" for k in d.key)
    elif rule == "required_missing":
        cols = [c for c in d.required if pd.isna(row.get(c))]
        sci = [c for c in cols if pd.notna(row.get(c + RAW))]
        detail = ", ".join(cols)
        if sci:
            detail += f" ({', '.join(_fmt(row[c + RAW]) for c in sci)} was turned into a number by a spreadsheet)"
    elif rule == "vin_invalid":
        detail = f"vin {_fmt(row.get('vin' + RAW))}"
    elif rule in ("unparseable_date", "unparseable_amount", "unknown_category"):
        cols = []
        for c in d.columns:
            raw = row.get(c.name + RAW)
            if raw is not None and pd.notna(raw) and pd.isna(row.get(c.name)):
                cols.append(f"{c.name} {_fmt(raw)}")
            elif (
                rule == "unknown_category"
                and c.enum
                and pd.notna(row.get(c.name))
                and (row.get(c.name) not in c.enum)
            ):
                cols.append(f"{c.name} {_fmt(row.get(c.name))}")
        detail = "; ".join(cols)
    elif rule == "future_timestamp":
        cols = [
            f"{c.name} {row.get(c.name)}"
            for c in d.columns
            if c.type in ("date", "ts")
            and pd.notna(row.get(c.name))
            and (row[c.name] < pd.Timestamp("2000-01-01") or row[c.name] > pd.Timestamp.now())
        ]
        detail = "; ".join(cols)
    elif rule in ("timestamp_order", "response_before_receipt"):
        start = "arrived_at" if feed == "repair_orders" else "received_at"
        cols = [
            f"{c.name} {row.get(c.name)}"
            for c in d.columns
            if c.type == "ts"
            and c.name != start
            and pd.notna(row.get(c.name))
            and pd.notna(row.get(start))
            and row[c.name] < row[start]
            and c.name not in ("promised_at", "appointment_at")
        ]
        detail = f"{'; '.join(cols)} < {start} {row.get(start)}"
    elif rule == "negative_amount":
        detail = "; ".join(
            f"{c} {row.get(c)}" for c in d.amount_columns if pd.notna(row.get(c)) and row[c] < 0
        )
    elif rule == "score_out_of_scale":
        detail = f"score {row.get('score')} not in {row.get('scale_min')}..{row.get('scale_max')}"
    return f"{base}: {detail}" if detail else base
