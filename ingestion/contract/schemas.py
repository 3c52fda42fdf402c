"""The pandera row contract of each feed, built from its feed contract.

Column dtypes come from the contract's column types; each row rule of the contract becomes one
frame-wide check named by its rule id, evaluated by the rule's check kind (contract/checks.py).
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa

from ingestion.contract.checks import CheckContext, any_failure
from ingestion.contracts import FEEDS
from ingestion.contracts.model import CheckSpec, FeedContract

PANDAS_DTYPES = {
    "int": "Int64",
    "decimal": "float64",
    "date": "datetime64[us]",
    "ts": "datetime64[us]",
    "bool": "boolean",
}


def _rule_check(spec: CheckSpec, contract: FeedContract, ctx: CheckContext) -> pa.Check:
    # ignore_na=False: with the default, pandera ORs every check's output with
    # `frame.isna().all(axis=1)` (a full scan per check), always False here (lineage columns).
    return pa.Check(lambda df: ~any_failure(df, spec, contract, ctx), name=spec.id, ignore_na=False)


@cache
def build_schema(feed: str, now: pd.Timestamp) -> pa.DataFrameSchema:
    """Schema of the typed frame of `feed`; `now` = the ingestion clock (local, naive)."""
    contract = FEEDS[feed]
    ctx = CheckContext(now=now)
    columns = {
        c.name: pa.Column(PANDAS_DTYPES.get(c.type), nullable=True, required=True)
        for c in contract.columns
    }
    checks = [_rule_check(spec, contract, ctx) for spec in contract.row_rules]
    return pa.DataFrameSchema(
        columns, checks=checks, strict=False, coerce=False, name=f"{feed}_row_contract"
    )
