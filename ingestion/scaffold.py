"""Scaffold a dialect profile YAML from a sample export (`aftersales feeds add`)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingestion.checker import _all_hints, provisional_profile, sniff_profile
from ingestion.contracts import FEEDS
from ingestion.normalize import normalize_header
from ingestion.readers import read_raw_table
from ingestion.registry.schema import DialectProfile
from ingestion.vocabulary import guess_feed

DATE_CANDIDATES = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
    "%Y%m%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%m/%d/%Y",
)
TS_CANDIDATES = (
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y%m%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
)


def _fits(values: list[str], fmt: str) -> bool:
    import datetime as dt

    try:
        for v in values:
            dt.datetime.strptime(v, fmt)
    except ValueError:
        return False
    return bool(values)


def guess_formats(values: list[str], candidates: tuple[str, ...]) -> list[str]:
    return [f for f in candidates if _fits(values, f)][:1]


def scaffold_profile(
    sample: Path,
    dialect: str,
    feed: str | None = None,
) -> tuple[DialectProfile, str, list[str]]:
    """(profile, feed, notes) for the sample; notes list what still needs a human decision."""
    base = sniff_profile(sample, dialect)
    table = read_raw_table(sample.read_bytes(), base, _all_hints(base))
    feed = feed or guess_feed(table.header)[0]
    profile, proposals = provisional_profile(base, feed, table, min_confidence=0.8)
    profile = profile.model_copy(
        update={"header_row": table.header_row if base.format == "csv" else None}
    )
    mapping = profile.mapping_for(feed)
    target_of = {normalize_header(h): c for h, c in mapping.columns.items()}
    target_of.update({c: c for c in FEEDS[feed].column_names})
    notes: list[str] = []
    for p in proposals:
        if p.canonical is None or normalize_header(p.header) not in target_of:
            hint = f" (closest: {p.canonical} {p.confidence:.2f})" if p.canonical else ""
            notes.append(f"header {p.header!r} is not mapped{hint}")
    definition = FEEDS[feed]
    col_index = {target_of.get(h): i for i, h in enumerate(table.header) if target_of.get(h)}
    date_formats: list[str] = []
    ts_formats: list[str] = []
    strip: set[str] = set()
    value_maps: dict[str, dict[str, str]] = {}
    for col in definition.columns:
        i = col_index.get(col.name)
        if i is None:
            if col.required and col.default is None and col.name not in mapping.constants:
                notes.append(f"required column {col.name} has no source header")
            continue
        values = sorted({r[i].strip() for r in table.rows[:200] if r[i].strip()})
        if col.type in ("date", "ts"):
            plain = [v for v in values if not re.fullmatch(r"\d{1,5}(\.\d+)?", v)]
            found = guess_formats(plain, TS_CANDIDATES if col.type == "ts" else DATE_CANDIDATES)
            found = found or guess_formats(plain, DATE_CANDIDATES + TS_CANDIDATES)
            target = ts_formats if col.type == "ts" else date_formats
            target.extend(f for f in found if f not in target)
        elif col.type in ("decimal", "int"):
            for v in values:
                strip |= set(re.findall(r"[^\d.,+\-\s万]+", v))
        elif col.enum:
            unknown = [v for v in values if v.lower() not in col.enum][:20]
            if unknown:
                value_maps[col.name] = {v: "TODO" for v in unknown}
                notes.append(f"{col.name}: map labels {unknown} to one of {list(col.enum)}")
    profile = profile.model_copy(
        update={
            "date_formats": date_formats,
            "timestamp_formats": ts_formats,
            "number_strip": sorted(strip),
            "description": f"scaffolded from {sample.name}",
        }
    )
    if value_maps:
        feeds = dict(profile.feeds)
        feeds[feed] = feeds[feed].model_copy(update={"value_maps": value_maps})
        profile = profile.model_copy(update={"feeds": feeds})
    return profile, feed, notes


def profile_yaml(profile: DialectProfile) -> str:
    data = profile.model_dump(exclude_defaults=False, exclude_none=False)
    if data["feeds"]:
        for mapping in data["feeds"].values():
            if mapping.get("melt") is None:
                mapping.pop("melt", None)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
