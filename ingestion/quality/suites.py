"""Expectation suites as versioned files: expectations/suites/<feed>.json (rows) and
<feed>.files.json (one row per file). Each expectation's ``meta`` names it and declares its
failure policy (reject | hold | warn)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestion.settings import PROJECT_ROOT

Policy = Literal["reject", "hold", "warn"]
SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"

# Expectation types whose failures can be attributed to rows (and hence to files).
ROW_MAP_TYPES = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        "expect_compound_columns_to_be_unique",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        "expect_multicolumn_sum_to_equal",
    }
)


class ExpectationMeta(BaseModel):
    """What the gate needs from an expectation's ``meta``."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    policy: Policy
    notes: str = ""


class VolumeRule(BaseModel):
    min_trailing_median: float = 20
    min_prior_periods: int = 3


class SuiteMeta(BaseModel):
    model_config = ConfigDict(extra="allow")

    level: Literal["rows", "files"]
    feed: str
    period_column: str
    volume: VolumeRule | None = None
    flagged_share_min_rows: int = 10


class SuiteSpec(BaseModel):
    """A suite file, checked before GX sees it."""

    name: str
    meta: SuiteMeta
    expectations: list[dict[str, Any]]

    def expectation_meta(self) -> list[ExpectationMeta]:
        return [ExpectationMeta.model_validate(e.get("meta", {})) for e in self.expectations]

    def columns(self) -> set[str]:
        cols: set[str] = set()
        for exp in self.expectations:
            kw = exp["kwargs"]
            for key in ("column", "column_A", "column_B"):
                if key in kw:
                    cols.add(kw[key])
            cols.update(kw.get("column_list", []))
        return cols


class SuiteError(ValueError):
    """A suite file is malformed (bad policy, duplicate names, unsupported type)."""


def load_suite(path: Path) -> SuiteSpec:
    spec = SuiteSpec.model_validate(json.loads(path.read_text(encoding="utf-8")))
    metas = spec.expectation_meta()
    names = [m.name for m in metas]
    if len(names) != len(set(names)):
        raise SuiteError(f"{path.name}: expectation names in meta.name must be unique")
    if spec.meta.level == "rows":
        for exp in spec.expectations:
            if exp["type"] not in ROW_MAP_TYPES:
                raise SuiteError(
                    f"{path.name}: {exp['type']} cannot be attributed to rows; "
                    "use a row-map expectation or move it to the .files suite"
                )
    return spec


@lru_cache(maxsize=8)
def load_feed_suites(feed: str, suites_dir: Path = SUITES_DIR) -> tuple[SuiteSpec, SuiteSpec]:
    """(rows suite, files suite) of a feed; cached per process."""
    rows_path = suites_dir / f"{feed}.json"
    files_path = suites_dir / f"{feed}.files.json"
    if not rows_path.exists() or not files_path.exists():
        raise SuiteError(f"no suites for feed {feed!r} in {suites_dir}")
    return load_suite(rows_path), load_suite(files_path)
