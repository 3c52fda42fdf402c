"""Scaffold a dialect profile from a dealer's sample exports (`aftersales feeds add`).

Several samples (files or folders of `<feed>/<file>`) give one profile with a mapping per
feed; `extend` adds feeds to an existing profile. Read settings come from detection
(ingestion/detect.py) unless given; headers and value labels are proposed from the
vocabulary, compared in normalised form (NFKC, Traditional -> Simplified). Whatever needs a
human decision is returned as a note and, for a label, written as the value `TODO`, which
no contract accepts: such rows are quarantined until the label is mapped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingestion.checker import provisional_profile
from ingestion.contracts import DEALER_FEEDS, FEEDS
from ingestion.detect import Detection, all_header_hints, detect
from ingestion.mapping import header_mapping, item_columns
from ingestion.normalize import normalize_header, normalize_label
from ingestion.readers import read_raw_table
from ingestion.readers.base import RawTable
from ingestion.registry.schema import ControlTotal, DialectProfile, FeedMapping, MeltSpec
from ingestion.vocabulary import guess_feed, label_vocabulary

TODO = "TODO"
ALWAYS_WRITTEN = ("name", "description", "format", "encoding", "delimiter", "header_row")


@dataclass
class Scaffold:
    profile: DialectProfile
    feeds: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    detection: Detection | None = None


def sample_files(samples: list[Path], feed: str | None = None) -> dict[str, list[Path]]:
    """Sample files by feed: a file's feed is --feed, its folder's name, or guessed later
    (key ''); a folder contributes every file below it."""
    out: dict[str, list[Path]] = {}
    for sample in samples:
        files = sorted(p for p in sample.rglob("*") if p.is_file()) if sample.is_dir() else [sample]
        for path in files:
            if path.name.startswith("."):
                continue
            key = feed or (path.parent.name if path.parent.name in DEALER_FEEDS else "")
            out.setdefault(key, []).append(path)
    return out


def _values(table: RawTable, i: int) -> list[str]:
    return [str(v).strip() for v in table.column_arrays()[i].to_pylist() if v and str(v).strip()]


def _labels(
    feed: str, profile: DialectProfile, column: str, values: set[str]
) -> tuple[dict[str, str], list[str]]:
    """(label -> proposed code or TODO, the labels left TODO) for one enum column."""
    spec = next(c for c in FEEDS[feed].columns if c.name == column)
    allowed = {a.lower() for a in spec.enum or ()}
    known = label_vocabulary(feed, column)
    mapped = {normalize_label(k) for k in profile.value_map(feed, column)}
    out: dict[str, str] = {}
    todo: list[str] = []
    for value in sorted(values):
        norm = normalize_label(value)
        if norm.lower() in allowed or norm in mapped:
            continue
        code = known.get(norm)
        out[value] = code or TODO
        if code is None:
            todo.append(value)
    return out, todo


def _feed_mapping(
    feed: str,
    base: DialectProfile,
    tables: list[tuple[Path, RawTable]],
    det: Detection,
    notes: list[str],
) -> tuple[FeedMapping, dict[str, list[str]]]:
    """The mapping of one feed from its sample tables; also the values seen per column."""
    first = tables[0][1]
    profile, proposals = provisional_profile(base, feed, first, min_confidence=0.8)
    mapping = profile.mapping_for(feed)
    used = set(mapping.columns.values())
    melt = mapping.melt
    if det.item_pattern and "item_code" not in used and melt is None and feed == "survey_responses":
        melt = MeltSpec(pattern=det.item_pattern)
    profile = profile.model_copy(
        update={"feeds": {**profile.feeds, feed: mapping.model_copy(update={"melt": melt})}}
    )
    columns, _ = header_mapping(feed, profile)
    items = item_columns(feed, profile, first.header) if melt else {}
    for p in proposals:
        h = normalize_header(p.header)
        if h and h not in columns and h not in items:
            hint = f" (closest: {p.canonical} {p.confidence:.2f})" if p.canonical else ""
            notes.append(f"{feed}: header {p.header!r} is not mapped{hint}")
    present = {columns[h] for h in first.header if h in columns}
    if melt:
        present |= {melt.item_column, melt.value_column}
    for col in FEEDS[feed].columns:
        if (
            col.required
            and col.default is None
            and col.name not in present
            and col.name not in mapping.constants
        ):
            notes.append(f"{feed}: required column {col.name} has no source header")
    seen: dict[str, list[str]] = {}
    for _, table in tables:
        for i, h in enumerate(table.header):
            target = columns.get(h) or (melt.value_column if melt and h in items else None)
            if target:
                seen.setdefault(target, []).extend(_values(table, i))
        if melt:
            for h in item_columns(feed, profile, table.header):
                label = item_columns(feed, profile, table.header)[h]
                seen.setdefault(melt.item_column, []).append(label)
    value_maps: dict[str, dict[str, str]] = {}
    for col in FEEDS[feed].columns:
        if col.enum and seen.get(col.name):
            proposed, todo = _labels(feed, profile, col.name, set(seen[col.name]))
            if proposed:
                value_maps[col.name] = proposed
            if todo:
                notes.append(
                    f"{feed}: map the labels {todo} of {col.name} to one of {list(col.enum)}"
                )
    null_tokens: dict[str, list[str]] = {}
    for h, tokens in det.null_tokens.items():
        if h in columns:
            null_tokens[columns[h]] = tokens
    control = None
    if det.total_row is not None and det.row_count_stated is not None:
        sums = [
            columns[h]
            for i, h in enumerate(det.header)
            if h in columns
            and FEEDS[feed].columns[FEEDS[feed].column_names.index(columns[h])].type == "decimal"
            and i < len(det.total_row)
            and det.total_row[i].strip()
        ]
        control = ControlTotal(sums=sums)
    extra = profile.mapping_for(feed)
    return FeedMapping(
        columns={k: v for k, v in extra.columns.items() if k not in base.common_columns},
        constants=extra.constants,
        value_maps=value_maps,
        null_tokens=null_tokens,
        melt=melt,
        control_total=control,
    ), seen


def _read(path: Path, profile: DialectProfile) -> RawTable:
    return read_raw_table(path.read_bytes(), profile, all_header_hints())


def _number_tokens(values: list[str]) -> set[str]:
    tokens: set[str] = set()
    for v in values:
        tokens |= set(re.findall(r"[^\d.,+\-\s万]+", unicodedata.normalize("NFKC", v)))
    return tokens


def scaffold_profile(
    samples: list[Path],
    dialect: str,
    feed: str | None = None,
    base: DialectProfile | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
) -> Scaffold:
    """A profile (new, or `base` extended) covering the feeds of the samples."""
    by_feed = sample_files(samples, feed)
    if not by_feed:
        raise ValueError("no sample files")
    first_path = next(iter(by_feed.values()))[0]
    det = detect(first_path.read_bytes(), first_path.name)
    notes: list[str] = []
    if base is None:
        settings = det.profile_settings()
        if delimiter is not None:
            settings["delimiter"] = delimiter
        if header_row is not None:
            settings["header_row"] = header_row
        base = DialectProfile(name=dialect, **settings)  # type: ignore[arg-type]
    elif delimiter is not None or header_row is not None:
        base = base.model_copy(
            update={
                "delimiter": delimiter or base.delimiter,
                "header_row": header_row or base.header_row,
            }
        )
    feeds = dict(base.feeds)
    dates = list(base.date_formats)
    stamps = list(base.timestamp_formats)
    strip = set(base.number_strip)
    patterns: set[str | None] = set()
    header_rows: set[int] = set()
    done: list[str] = []
    grouped: dict[str, list[tuple[Path, RawTable]]] = {}
    for key, paths in by_feed.items():
        for p in paths:
            table = _read(p, base)
            grouped.setdefault(key or guess_feed(table.header)[0], []).append((p, table))
    for name, tables in grouped.items():
        paths = [p for p, _ in tables]
        detections = [detect(p.read_bytes(), p.name) for p in paths]
        merged = detections[0]
        for other in detections[1:]:
            for h, tokens in other.null_tokens.items():
                merged.null_tokens[h] = sorted({*merged.null_tokens.get(h, []), *tokens})
        for d in detections:
            dates += [f for f in d.date_formats if f not in dates]
            stamps += [f for f in d.timestamp_formats if f not in stamps]
            patterns.add(d.file_pattern)
            header_rows.add(d.header_row)
        mapping, seen = _feed_mapping(name, base, tables, merged, notes)
        for col in FEEDS[name].columns:
            if col.type in ("decimal", "int") and seen.get(col.name):
                strip |= _number_tokens(seen[col.name])
        feeds[name] = mapping
        done.append(name)
    update: dict[str, object] = {
        "feeds": feeds,
        "date_formats": dates,
        "timestamp_formats": stamps,
        "number_strip": sorted(strip),
    }
    if not base.description:
        update["description"] = f"scaffolded from {', '.join(p.name for p in samples)}"
    if len(patterns) == 1 and base.file_pattern is None:
        update["file_pattern"] = next(iter(patterns))
    elif len(patterns) > 1:
        notes.append("the sample file names follow different patterns: set file_pattern")
    if header_row is None and len(header_rows) > 1 and base.format == "csv":
        update["header_row"] = None  # title lines vary: find the header among the first rows
    profile = base.model_copy(update=update)
    return Scaffold(DialectProfile.model_validate(profile.model_dump()), done, notes, det)


def _prune(value: object) -> object:
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in ({}, [], None)}
    return value


def profile_yaml(profile: DialectProfile) -> str:
    """The profile as YAML: non-default settings, plus the read settings always."""
    full = profile.model_dump()
    data = profile.model_dump(exclude_defaults=True)
    out: dict[str, object] = {k: full[k] for k in ALWAYS_WRITTEN}
    out.update({k: v for k, v in data.items() if k not in out and k != "feeds"})
    out = _prune(out)  # type: ignore[assignment]
    out["header_row"] = full["header_row"]
    if profile.control_total is not None:
        out["control_total"] = profile.control_total.model_dump()
    feeds: dict[str, object] = {}
    for name, mapping in profile.feeds.items():
        entry = _prune(mapping.model_dump(exclude_defaults=True))
        assert isinstance(entry, dict)
        if mapping.control_total is not None:
            entry["control_total"] = mapping.control_total.model_dump()
        feeds[name] = entry
    out["feeds"] = feeds
    return yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=100)
