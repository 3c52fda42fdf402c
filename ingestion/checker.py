"""Dry run of one file through read -> map -> row contract; writes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingestion.clock import local_now
from ingestion.contracts import DEALER_FEEDS
from ingestion.feed_batch import FileJob, process_feed
from ingestion.mapping import header_hints, header_mapping
from ingestion.normalize import normalize_header
from ingestion.readers import FileReadError, RawTable, read_raw_table
from ingestion.registry.schema import DialectProfile, FeedMapping, MeltSpec
from ingestion.vocabulary import Proposal, guess_feed, melt_vocabulary, propose_mapping


@dataclass
class CheckReport:
    path: str
    feed: str
    dialect: str
    format: str
    encoding: str = ""
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    mapped_by_profile: dict[str, str] = field(default_factory=dict)
    melt_items: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rule_counts: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, object]] = field(default_factory=list)
    file_error: tuple[str, str] | None = None
    provisional: bool = False

    @property
    def problems(self) -> bool:
        return self.file_error is not None or bool(self.rule_counts)


def sniff_profile(path: Path, name: str = "sniffed") -> DialectProfile:
    """A starting profile from what the file's content shows (ingestion/detect.py)."""
    from ingestion.detect import detect

    settings = detect(path.read_bytes(), path.name).profile_settings()
    settings.pop("file_pattern", None)
    return DialectProfile(name=name, **settings)  # type: ignore[arg-type]


def _all_hints(profile: DialectProfile) -> frozenset[str]:
    from ingestion.detect import all_header_hints

    own = (header_hints(feed, profile) for feed in DEALER_FEEDS)
    return all_header_hints().union(*own)


def provisional_profile(
    base: DialectProfile, feed: str, table: RawTable, min_confidence: float = 0.8
) -> tuple[DialectProfile, list[Proposal]]:
    """Add vocabulary proposals (confidence >= min) for headers the profile does not map."""
    known, items = header_mapping(feed, base)
    proposals = propose_mapping(table.header, feed)
    mapping = base.mapping_for(feed)
    columns = dict(mapping.columns)
    used = {known[h] for h in table.header if h in known}
    for p in proposals:
        h = normalize_header(p.header)
        if h in known or h in items or not p.canonical or p.confidence < min_confidence:
            continue
        if p.canonical not in used:
            columns[p.header] = p.canonical
            used.add(p.canonical)
    melt = mapping.melt
    wide = {h: v for h, v in melt_vocabulary(feed).items() if h in table.header}
    if feed == "survey_responses" and melt is None and "item_code" not in used and wide:
        melt = MeltSpec(items=wide)
    feeds = dict(base.feeds)
    feeds[feed] = FeedMapping(
        columns=columns, constants=mapping.constants, value_maps=mapping.value_maps, melt=melt
    )
    return base.model_copy(update={"feeds": feeds}), proposals


def check_file(
    path: Path,
    profile: DialectProfile | None,
    feed: str | None,
    dealer_code: str | None,
    now: pd.Timestamp | None = None,
    sample_size: int = 5,
) -> CheckReport:
    data = path.read_bytes()
    base = profile or sniff_profile(path)
    report = CheckReport(str(path), feed or "?", base.name, base.format)
    hints = _all_hints(base)
    try:
        table = read_raw_table(data, base, hints)
    except FileReadError as exc:
        report.file_error = (exc.rule, exc.reason)
        return report
    report.encoding, report.header_row, report.headers = (
        table.encoding,
        table.header_row,
        table.header,
    )
    feed = feed or guess_feed(table.header)[0]
    report.feed = feed
    effective, report.proposals = provisional_profile(base, feed, table)
    report.provisional = profile is None or (
        effective.mapping_for(feed).columns != base.mapping_for(feed).columns
        or effective.mapping_for(feed).melt != base.mapping_for(feed).melt
    )
    known, items = header_mapping(feed, base)
    report.mapped_by_profile = {h: known[h] for h in table.header if h in known}
    report.melt_items = {h: items[h] for h in table.header if h in items}
    dealer = dealer_code or "?"
    if dealer_code is None and len(table.rows):
        dealer = next(
            (
                r[i]
                for r in table.rows
                for i, h in enumerate(table.header)
                if header_mapping(feed, effective)[0].get(h) == "dealer_code"
            ),
            "?",
        )
    job = FileJob(
        0, str(path), dealer, feed, "check", hashlib.sha256(data).hexdigest(), data, effective
    )
    result = process_feed(feed, [job], now if now is not None else local_now())
    st = result.stats[0]
    report.rows_read = int(st["rows_read"])  # type: ignore[call-overload]
    report.rows_loaded = int(st["rows_loaded"])  # type: ignore[call-overload]
    report.rows_duplicate = int(st["rows_duplicate"])  # type: ignore[call-overload]
    report.file_error = st["reject"]  # type: ignore[assignment]
    q = result.quarantine
    q = q[q["rule_id"] != "file_rejected"] if len(q) else q
    if len(q):
        report.rule_counts = {str(k): int(v) for k, v in q["rule_id"].value_counts().items()}
        report.samples = q.head(sample_size)[["_source_row", "rule_id", "reason"]].to_dict(
            "records"
        )
    return report
