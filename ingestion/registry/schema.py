"""Pydantic schemas of dialect profiles and the feed registry."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingestion.contracts import DEALER_FEEDS, FEEDS

FEED_NAMES = set(DEALER_FEEDS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


PERIOD_GROUP = "(?P<period>"


def _period_pattern(v: str) -> str:
    if PERIOD_GROUP not in re.compile(v).pattern:
        raise ValueError("file pattern needs a named group 'period' (YYYY-MM)")
    return v


class MeltSpec(_Strict):
    """Wide -> long: each item column becomes one row (item_code, score).

    Item columns are listed (`items`) or recognised by `pattern`, a regular expression on
    the normalised header whose group `item` is the item's label (mapped to an item code by
    the `item_code` value map, like any label). A column the pattern recognises but whose
    label maps to no item is never dropped: its rows are quarantined (`unknown_category`),
    or with `unmapped: reject` the whole file is rejected (`unmapped_item_column`).
    """

    items: dict[str, str] = Field(default_factory=dict, description="source header -> item_code")
    pattern: str | None = Field(None, description="regex on the header, group 'item' = label")
    unmapped: Literal["quarantine", "reject"] = "quarantine"
    value_column: str = "score"
    item_column: str = "item_code"

    @model_validator(mode="after")
    def _items_or_pattern(self) -> MeltSpec:
        if not self.items and not self.pattern:
            raise ValueError("melt needs `items` or a `pattern`")
        if self.pattern is not None:
            try:
                compiled = re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"melt pattern {self.pattern!r}: {exc}") from exc
            if "item" not in compiled.groupindex:
                raise ValueError("melt pattern needs a named group 'item', e.g. 评分_(?P<item>.+)")
        return self


class ControlTotal(_Strict):
    """Reconcile each file with its total row (file rule `control_total_mismatch`): the row
    count the total row states, and the sums of amount columns."""

    row_count: str | None = Field(
        r"共\s*(?P<n>[0-9]+)",
        description="regex on the total row's cells, group 'n' = number of data rows; null = off",
    )
    sums: list[str] = Field(
        default_factory=list, description="canonical columns whose total-row cell is the sum"
    )
    required: bool = Field(True, description="a file without a total row is rejected")

    @field_validator("row_count")
    @classmethod
    def _has_n(cls, v: str | None) -> str | None:
        if v is not None and "n" not in re.compile(v).groupindex:
            raise ValueError("row_count needs a named group 'n'")
        return v


class FeedMapping(_Strict):
    columns: dict[str, str] = Field(default_factory=dict, description="source header -> canonical")
    constants: dict[str, str] = Field(default_factory=dict)
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)
    null_tokens: dict[str, list[str]] = Field(
        default_factory=dict, description="canonical column -> cell texts meaning blank"
    )
    melt: MeltSpec | None = None
    file_pattern: str | None = Field(None, description="file-name regex of this feed")
    control_total: ControlTotal | None = None

    @field_validator("file_pattern")
    @classmethod
    def _file_pattern(cls, v: str | None) -> str | None:
        return None if v is None else _period_pattern(v)

    @model_validator(mode="after")
    def _no_duplicate_targets(self) -> FeedMapping:
        targets = list(self.columns.values())
        dupes = {t for t in targets if targets.count(t) > 1}
        if dupes:
            raise ValueError(f"several headers map to the same canonical column: {sorted(dupes)}")
        return self


class DialectProfile(_Strict):
    name: str
    description: str = ""
    format: Literal["csv", "xlsx"] = "csv"
    encoding: Literal["auto", "utf-8", "gb18030", "gbk"] = "auto"
    delimiter: str = ","
    quotechar: str = '"'
    header_row: int | None = Field(1, ge=1, description="1-based; null = detect")
    total_row_markers: list[str] = Field(default_factory=lambda: ["合计", "小计", "总计"])
    excel_serial_dates: bool = True
    date_formats: list[str] = Field(default_factory=list)
    timestamp_formats: list[str] = Field(default_factory=list)
    number_strip: list[str] = Field(default_factory=list, description="extra unit tokens")
    common_columns: dict[str, str] = Field(
        default_factory=dict, description="source header -> canonical, for every feed"
    )
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)
    null_tokens: dict[str, list[str]] = Field(
        default_factory=dict, description="canonical column -> cell texts meaning blank"
    )
    file_pattern: str | None = Field(
        None,
        description="file-name regex (named group 'period') of this dialect's exports; "
        "null = the feed registry's pattern",
    )
    control_total: ControlTotal | None = None
    feeds: dict[str, FeedMapping] = Field(default_factory=dict)

    @field_validator("file_pattern")
    @classmethod
    def _file_pattern(cls, v: str | None) -> str | None:
        return None if v is None else _period_pattern(v)

    @field_validator("delimiter", "quotechar")
    @classmethod
    def _one_char(cls, v: str) -> str:
        if len(v) != 1:
            raise ValueError("must be exactly one character")
        return v

    @model_validator(mode="after")
    def _check_targets(self) -> DialectProfile:
        for feed, mapping in self.feeds.items():
            if feed not in FEED_NAMES:
                raise ValueError(f"unknown feed {feed!r}; known: {sorted(FEED_NAMES)}")
            allowed = set(FEEDS[feed].column_names)
            bad = {t for t in mapping.columns.values() if t not in allowed}
            bad |= {t for t in mapping.constants if t not in allowed}
            bad |= {t for t in mapping.null_tokens if t not in allowed}
            if mapping.control_total:
                bad |= {t for t in mapping.control_total.sums if t not in allowed}
            if bad:
                raise ValueError(f"{feed}: not canonical columns: {sorted(bad)}")
        return self

    def mapping_for(self, feed: str) -> FeedMapping:
        mapping = self.feeds.get(feed, FeedMapping())
        if not self.common_columns:
            return mapping
        columns = {**self.common_columns, **mapping.columns}
        return mapping.model_copy(update={"columns": columns})

    def value_map(self, feed: str, column: str) -> dict[str, str]:
        merged = dict(self.value_maps.get(column, {}))
        merged.update(self.mapping_for(feed).value_maps.get(column, {}))
        return merged

    def null_tokens_for(self, feed: str) -> dict[str, tuple[str, ...]]:
        """canonical column -> texts that mean blank (the dialect's, then the feed's)."""
        allowed = set(FEEDS[feed].column_names)
        merged = {c: list(v) for c, v in self.null_tokens.items() if c in allowed}
        for column, tokens in self.mapping_for(feed).null_tokens.items():
            merged[column] = [*merged.get(column, []), *tokens]
        return {c: tuple(v) for c, v in merged.items()}

    def file_pattern_for(self, feed: str) -> str | None:
        return self.mapping_for(feed).file_pattern or self.file_pattern

    def control_total_for(self, feed: str) -> ControlTotal | None:
        return self.mapping_for(feed).control_total or self.control_total


DEFAULT_FILE_PATTERN = r"^(?P<period>\d{4}-(0[1-9]|1[0-2]))\.(csv|xlsx)$"


class FeedFiles(_Strict):
    folder: str
    pattern: str = DEFAULT_FILE_PATTERN

    @field_validator("pattern")
    @classmethod
    def _has_period(cls, v: str) -> str:
        return _period_pattern(v)


class RegistryConfig(_Strict):
    default_dialect: str = "canonical_csv"
    vendors: dict[str, str] = Field(default_factory=dict, description="dms_vendor -> dialect")
    dealer_overrides: dict[str, str] = Field(default_factory=dict, description="dealer -> dialect")
    feeds: dict[str, FeedFiles] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _all_feeds(self) -> RegistryConfig:
        for feed in DEALER_FEEDS:
            self.feeds.setdefault(feed, FeedFiles(folder=feed))
        unknown = set(self.feeds) - FEED_NAMES
        if unknown:
            raise ValueError(f"unknown feeds in registry: {sorted(unknown)}")
        return self
