"""The gate's expectation suites, generated from the feed contracts.

One suite per dealer feed, ``expectations/suites/<feed>.files.json`` (suite name
``<feed>.files``), evaluated on the metrics frame of ``ingestion.quality.metrics`` (one row
per file). Each expectation's ``meta`` names it and declares its failure policy (reject |
hold | warn); when a check only applies to some files (enough rows, enough history), the
expectation carries that as a GX ``row_condition``, so the suite file states the whole rule.

Every threshold comes from the contract's ``file_rules`` (``ingestion/contracts/<feed>.yaml``);
the suite files are generated (``python -m ingestion.quality.generate``), reviewed and
versioned like code, and ``tests/quality/test_quality_suites.py`` fails when a committed
file differs from what the contracts generate.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestion.contracts import DEALER_FEEDS, FileRules, contract
from ingestion.settings import PROJECT_ROOT

Policy = Literal["reject", "hold", "warn"]
SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"
GENERATED_NOTE = (
    "Generated from ingestion/contracts/{feed}.yaml by `python -m ingestion.quality.generate`: "
    "edit the contract, not this file."
)


class ExpectationMeta(BaseModel):
    """What the gate needs from an expectation's ``meta``."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    policy: Policy
    notes: str = ""


class SuiteMeta(BaseModel):
    model_config = ConfigDict(extra="allow")

    level: Literal["files"]
    feed: str


class SuiteSpec(BaseModel):
    """A suite file, checked before GX sees it."""

    name: str
    meta: SuiteMeta
    expectations: list[dict[str, Any]]

    def expectation_meta(self) -> list[ExpectationMeta]:
        return [ExpectationMeta.model_validate(e.get("meta", {})) for e in self.expectations]


class SuiteError(ValueError):
    """A suite file is malformed (bad policy, duplicate names) or missing."""


# --- generation --------------------------------------------------------------------------


def _at_least(column: str, value: float) -> dict[str, Any]:
    """A GX row condition ``column >= value`` (serialised form of ``Column(c) >= v``)."""
    return {"type": "comparison", "column": {"name": column}, "operator": ">=", "parameter": value}


def _when(*conditions: dict[str, Any]) -> dict[str, Any]:
    if len(conditions) == 1:
        return {"row_condition": conditions[0]}
    return {"row_condition": {"type": "and", "conditions": list(conditions)}}


def _between(
    name: str,
    policy: Policy,
    column: str,
    notes: str,
    min_value: float | None = None,
    max_value: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"column": column}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    kwargs.update(extra)
    return {
        "type": "expect_column_values_to_be_between",
        "kwargs": kwargs,
        "meta": {"name": name, "policy": policy, "notes": notes},
    }


def mix_metric(column: str) -> str:
    return f"{column}_mix_distance"


def mean_metric(column: str) -> str:
    return f"{column}_mean_ratio"


def _expectations(feed: str, rules: FileRules) -> list[dict[str, Any]]:
    period = rules.period_column
    out: list[dict[str, Any]] = []
    volume = rules.volume_hold
    if volume is not None:
        out.append(
            _between(
                "volume.trailing_median",
                "hold",
                "volume_ratio",
                f"rows_read >= {volume.share:g} x the median rows of the dealer's last "
                f"{volume.trailing_periods} loaded periods (exactly the share is not held); "
                f"judged when that median >= {volume.min_median} and >= "
                f"{volume.min_periods} earlier periods",
                min_value=volume.share,
                **_when(
                    _at_least("trailing_median", volume.min_median),
                    _at_least("prior_periods", volume.min_periods),
                ),
            )
        )
    out.append(
        _between(
            "rows.quarantine_share",
            "reject",
            "quarantine_share",
            f"at most {rules.quarantine_share_max:.0%} of the file's rows quarantined",
            max_value=rules.quarantine_share_max,
        )
    )
    out.append(
        _between(
            "rows.flagged_share",
            "warn",
            "flagged_share",
            f"at most {rules.flagged_share_max:.0%} of the file's rows carry a dq flag; "
            f"judged for files of >= {rules.flagged_share_min_rows} rows",
            max_value=rules.flagged_share_max,
            **_when(_at_least("rows_in_batch", rules.flagged_share_min_rows)),
        )
    )
    out.append(
        _between(
            "period.majority_in_declared_month",
            "hold",
            "in_period_share",
            f"at least {rules.in_period_share_hold:.0%} of rows fall in the file's declared "
            f"month by {period}: a mislabelled file would replace the wrong partition",
            min_value=rules.in_period_share_hold,
        )
    )
    out.append(
        _between(
            "period.in_declared_month",
            "warn",
            "in_period_share",
            f"at least {rules.in_period_share_warn:.0%} of rows fall in the declared month "
            f"by {period}",
            min_value=rules.in_period_share_warn,
        )
    )
    shifts = rules.distribution
    if shifts is not None:
        judged = _when(
            _at_least("rows_in_batch", shifts.min_rows),
            _at_least("baseline_periods", shifts.min_periods),
        )
        window = (
            f"the dealer's last {shifts.trailing_periods} landed periods; judged for files of "
            f">= {shifts.min_rows} rows with >= {shifts.min_periods} earlier periods"
        )
        for mix in shifts.mix:
            out.append(
                _between(
                    f"mix.{mix.column}",
                    mix.policy,
                    mix_metric(mix.column),
                    f"the file's {mix.column} mix is within {mix.max_distance:g} (total "
                    f"variation distance) of {window}",
                    max_value=mix.max_distance,
                    **judged,
                )
            )
        for mean in shifts.mean:
            out.append(
                _between(
                    f"mean.{mean.column}",
                    mean.policy,
                    mean_metric(mean.column),
                    f"the file's mean {mean.column} is {mean.min_ratio:g}-{mean.max_ratio:g} "
                    f"x the mean of {window}",
                    min_value=mean.min_ratio,
                    max_value=mean.max_ratio,
                    **judged,
                )
            )
    return out


def generate_suite(feed: str) -> dict[str, Any]:
    """The suite document of a dealer feed, from its contract."""
    rules = contract(feed).file_rules
    if rules is None:
        raise SuiteError(f"feed {feed!r} has no file_rules in its contract")
    return {
        "name": f"{feed}.files",
        "meta": {
            "level": "files",
            "feed": feed,
            "notes": GENERATED_NOTE.format(feed=feed),
        },
        "expectations": _expectations(feed, rules),
    }


def suite_text(feed: str) -> str:
    return json.dumps(generate_suite(feed), indent=2, ensure_ascii=False) + "\n"


def suite_path(feed: str, suites_dir: Path = SUITES_DIR) -> Path:
    return suites_dir / f"{feed}.files.json"


def stale_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Suite files that differ from what the contracts generate, or are not generated."""
    wanted = {suite_path(f, suites_dir): suite_text(f) for f in DEALER_FEEDS}
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text("utf-8") != text]
    return stale + sorted(set(suites_dir.glob("*.json")) - set(wanted))


def write_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    """Write every feed's suite; remove suite files no contract generates."""
    suites_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for feed in DEALER_FEEDS:
        path = suite_path(feed, suites_dir)
        path.write_text(suite_text(feed), encoding="utf-8")
        written.append(path)
    for extra in set(suites_dir.glob("*.json")) - set(written):
        extra.unlink()
    return written


# --- loading -----------------------------------------------------------------------------


def load_suite(path: Path) -> SuiteSpec:
    spec = SuiteSpec.model_validate(json.loads(path.read_text(encoding="utf-8")))
    names = [m.name for m in spec.expectation_meta()]
    if len(names) != len(set(names)):
        raise SuiteError(f"{path.name}: expectation names in meta.name must be unique")
    return spec


@cache
def load_feed_suite(feed: str, suites_dir: Path = SUITES_DIR) -> SuiteSpec:
    """The file-level suite of a feed; cached per process."""
    path = suite_path(feed, suites_dir)
    if not path.exists():
        raise SuiteError(f"no suite for feed {feed!r} in {suites_dir}")
    return load_suite(path)
