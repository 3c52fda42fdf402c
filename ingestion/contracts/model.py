"""Schema of a feed contract (ingestion/contracts/<feed>.yaml), validated by pydantic."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ColumnType = Literal["str", "int", "decimal", "date", "ts", "bool"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    """One canonical column: its type and what makes a value of it acceptable."""

    name: str
    type: ColumnType = "str"
    required: bool = False
    enum: tuple[str, ...] | None = None
    default: str | None = None
    amount: bool = False  # a money column: negative values are a row rule on non-void records
    pii: Literal["phone"] | None = None  # landed as keyed hash + mask, never raw


CheckKind = Literal[
    "malformed",
    "key_conflict",
    "vin",
    "parseable",
    "allowed_values",
    "required",
    "missing",
    "in_window",
    "not_before",
    "non_negative",
    "within_scale",
    "odometer_rollback",
]


class CheckSpec(_Strict):
    """A row rule or a flag: a check kind (ingestion/contract/checks.py) and its parameters.

    Row rules quarantine the row (the first rule broken, in the contract's order, names it);
    flags load the row and mark it in `dq_flags`.
    """

    id: str
    check: CheckKind
    reason: str  # what the rule means; the failing columns and values are appended
    columns: tuple[str, ...] = ()  # the columns checked (default: per kind)
    types: tuple[ColumnType, ...] = ()  # or every column of these types
    start: str | None = None  # not_before: the column the others may not precede
    earliest: date | None = None  # in_window: earliest plausible date
    days_ahead: int | None = None  # in_window: latest = ingestion time + days_ahead
    unless: dict[str, tuple[str, ...]] | None = None  # exempt rows holding these values
    low: str | None = None  # within_scale: column holding the lower bound
    high: str | None = None  # within_scale: column holding the upper bound
    tolerance: float | None = None  # odometer_rollback: km below the earlier maximum


class VolumeHold(_Strict):
    """Hold a file whose row count is below `share` of the dealer's trailing median."""

    share: float = Field(gt=0, lt=1)
    min_median: int = Field(ge=0)
    min_periods: int = Field(ge=0)
    trailing_periods: int = Field(ge=1)


class MixShift(_Strict):
    """The file's mix of an enum column against the dealer's history: the total variation
    distance (half the sum of the absolute share differences, 0 = same mix, 1 = disjoint)
    must not exceed `max_distance`."""

    column: str
    max_distance: float = Field(gt=0, le=1)
    policy: Literal["hold", "warn"] = "warn"


class MeanShift(_Strict):
    """The file's mean of a numeric column over the dealer's trailing mean must lie within
    [`min_ratio`, `max_ratio`] (a unit or scale change moves it by a factor)."""

    column: str
    min_ratio: float = Field(gt=0, lt=1)
    max_ratio: float = Field(gt=1)
    policy: Literal["hold", "warn"] = "warn"


class Distribution(_Strict):
    """Distribution shifts of a file against the dealer's last `trailing_periods` landed
    periods; judged only for files of at least `min_rows` rows with at least `min_periods`
    earlier periods."""

    trailing_periods: int = Field(ge=1)
    min_periods: int = Field(ge=1)
    min_rows: int = Field(ge=1)
    mix: tuple[MixShift, ...] = ()
    mean: tuple[MeanShift, ...] = ()


class FileRules(_Strict):
    """Checks on a whole file (one metrics row per file), run by the batch quality gate."""

    period_column: str
    quarantine_share_max: float = Field(ge=0, le=1)
    flagged_share_max: float = Field(ge=0, le=1)
    flagged_share_min_rows: int = Field(ge=0)
    in_period_share_hold: float = Field(ge=0, le=1)
    in_period_share_warn: float = Field(ge=0, le=1)
    volume_hold: VolumeHold | None = None
    distribution: Distribution | None = None


class Freshness(_Strict):
    """When a period's file is due: `grace_days` after the period's last day."""

    cadence: Literal["monthly", "none"] = "monthly"
    grace_days: int = Field(default=10, ge=0)
    # which outlets owe the feed: every open outlet, or only those that sell cars (4S)
    expected_from: Literal["all", "sales_outlets"] = "all"


class FeedContract(_Strict):
    feed: str
    description: str
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    row_rules: tuple[CheckSpec, ...] = ()
    flags: tuple[CheckSpec, ...] = ()
    file_rules: FileRules | None = None
    freshness: Freshness | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FeedContract:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.feed}: a column is listed twice")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"{self.feed}: key columns {missing} are not columns")
        if self.file_rules and self.file_rules.period_column not in names:
            raise ValueError(f"{self.feed}: period_column is not a column")
        for spec in (*self.row_rules, *self.flags):
            named = [*spec.columns, *(spec.unless or {}), spec.start, spec.low, spec.high]
            unknown = [c for c in named if c is not None and c not in names]
            if unknown:
                raise ValueError(f"{self.feed}: {spec.id} names unknown columns {unknown}")
        ids = [r.id for r in (*self.row_rules, *self.flags)]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.feed}: a row rule or flag id is listed twice")
        return self

    @model_validator(mode="after")
    def _distribution_columns(self) -> FeedContract:
        shifts = self.file_rules.distribution if self.file_rules else None
        if shifts is None:
            return self
        types = {c.name: c for c in self.columns}
        for mix in shifts.mix:
            if mix.column not in types or not types[mix.column].enum:
                raise ValueError(f"{self.feed}: mix column {mix.column} is not an enum column")
        for mean in shifts.mean:
            if mean.column not in types or types[mean.column].type not in ("int", "decimal"):
                raise ValueError(f"{self.feed}: mean column {mean.column} is not numeric")
        return self

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.row_rules]

    def row_rule(self, rule_id: str) -> CheckSpec:
        for rule in self.row_rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def phone_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.pii == "phone"]

    @property
    def amount_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.amount)

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)
