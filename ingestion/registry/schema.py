"""Pydantic schemas of dialect profiles and the feed registry."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingestion.contracts import DEALER_FEEDS, FEEDS

FEED_NAMES = set(DEALER_FEEDS)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeltSpec(_Strict):
    """Wide -> long: each item column becomes one row (item_code, score)."""

    items: dict[str, str] = Field(description="source header -> item_code")
    value_column: str = "score"
    item_column: str = "item_code"


class FeedMapping(_Strict):
    columns: dict[str, str] = Field(default_factory=dict, description="source header -> canonical")
    constants: dict[str, str] = Field(default_factory=dict)
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)
    melt: MeltSpec | None = None

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
    feeds: dict[str, FeedMapping] = Field(default_factory=dict)

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


class FeedFiles(_Strict):
    folder: str
    pattern: str = r"^(?P<period>\d{4}-(0[1-9]|1[0-2]))\.(csv|xlsx)$"

    @field_validator("pattern")
    @classmethod
    def _has_period(cls, v: str) -> str:
        if "(?P<period>" not in re.compile(v).pattern:
            raise ValueError("file pattern needs a named group 'period'")
        return v


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
