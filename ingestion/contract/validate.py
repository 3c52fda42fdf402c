"""Run the row contract lazily; each bad row gets one rule (the first it breaks) and a reason."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from ingestion.contract.checks import CheckContext, reasons
from ingestion.contract.schemas import build_schema
from ingestion.contracts import FEEDS

STRUCTURAL_RULE = "malformed_row"  # a dtype or other structural failure: never lose the row


def validate_rows(feed: str, typed: pd.DataFrame, now: pd.Timestamp) -> pd.Series:
    """Rule id per row (None = passes the contract). `typed` must have a unique index."""
    contract = FEEDS[feed]
    schema = build_schema(feed, now.floor("min"))
    rules = pd.Series(None, index=typed.index, dtype=object)
    if typed.empty:
        return rules
    try:
        schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        precedence = {rule: i for i, rule in enumerate(contract.rule_ids)}
        fc = exc.failure_cases
        fc = fc[fc["index"].notna()]
        check = fc["check"].astype(str)
        check = check.where(check.isin(list(precedence)), STRUCTURAL_RULE)
        ranked = pd.DataFrame({"index": fc["index"].to_numpy(), "rule": check.to_numpy()})
        ranked["rank"] = ranked["rule"].map(precedence)
        best = ranked.sort_values("rank").drop_duplicates("index")
        rules.loc[best["index"].to_numpy()] = best["rule"].to_numpy()
    return rules


def explain_rows(feed: str, typed: pd.DataFrame, rules: pd.Series, now: pd.Timestamp) -> pd.Series:
    """A reason a dealer can act on per quarantined row: the rule, the columns and values."""
    contract = FEEDS[feed]
    ctx = CheckContext(now=now.floor("min"))
    out = pd.Series("", index=typed.index, dtype=object)
    for rule_id, rows in typed.groupby(rules, sort=False):
        spec = contract.row_rule(str(rule_id))
        out.loc[rows.index] = reasons(rows, spec, spec.reason, contract, ctx)
    return out
