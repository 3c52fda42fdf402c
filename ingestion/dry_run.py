"""Dry run of `ingest` over a dealer's exports (`aftersales feeds check`), writing nothing.

The files are ingested for real, by the same code as `ingest`, into a throw-away sandbox:
a copy of the inbox layout (`<dealer>/<feed>/<file name>`, so the dealer folder and the
file-name rule apply), a lake holding a copy of the control database and of the dealers'
landed history (so the gate's volume and distribution checks see what they would see), and
the real registry, dialect profiles and dealer master (with `--profile`, the dealers are
registered to that profile in the sandbox only). What `check` reports is therefore what
`ingest` would do: a file that passes here is not rejected by `ingest` for a reason the
dry run could have seen. The report adds what a profile author needs: distinct unknown
labels per column with counts across all files, unmapped columns, quarantine by rule.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from ingestion.contracts import FEEDS
from ingestion.control_db import control_db, latest_entries
from ingestion.dealer_master import load_dealer_master
from ingestion.mapping import header_hints, header_mapping, item_columns
from ingestion.readers import FileReadError, read_raw_table
from ingestion.registry import load_registry
from ingestion.registry.schema import DialectProfile
from ingestion.settings import ConfigError, Settings
from ingestion.shard import ingest_files
from ingestion.transform import enum_mapper
from ingestion.vocabulary import guess_feed

WITHHELD = frozenset({"file_rejected", "file_held", "file_released"})


@dataclass
class FileOutcome:
    path: str
    inbox_path: str
    dealer_code: str
    feed: str | None
    status: str
    reason: str | None
    dialect: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0


@dataclass
class DryRun:
    files: list[FileOutcome] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)  # quarantined rows by rule
    unknown_labels: dict[str, dict[str, int]] = field(default_factory=dict)  # feed.column
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)  # feed -> header: files
    missing_required: dict[str, str] = field(default_factory=dict)  # file -> missing columns
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        return bool(self.rules) or any(f.status in ("rejected", "held") for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [f.__dict__ for f in self.files],
            "rules": self.rules,
            "unknown_labels": self.unknown_labels,
            "unmapped": self.unmapped,
            "missing_required": self.missing_required,
            "samples": self.samples,
        }


def export_files(paths: list[Path]) -> list[Path]:
    """The files to check: each given file, every file below each given folder."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
        else:
            out.append(path)
    return out


def inbox_path(
    path: Path, settings: Settings, dealer: str | None, feed: str | None, folders: dict[str, str]
) -> str:
    """Where the file sits (or would sit) in the inbox: `<dealer>/<feed folder>/<name>`."""
    resolved = path.resolve()
    if resolved.is_relative_to(settings.inbox) and dealer is None and feed is None:
        return resolved.relative_to(settings.inbox).as_posix()
    parts = resolved.parts
    folder_of = {f: folder for folder, f in folders.items()}
    if feed is not None:
        folder = folder_of[feed]
    elif parts[-2] in folders:
        folder = parts[-2]
    else:
        folder = _guess_folder(path, folder_of)
    code = dealer or (parts[-3] if len(parts) >= 3 and parts[-2] in folders else parts[-2])
    return f"{code}/{folder}/{path.name}"


def _guess_folder(path: Path, folder_of: dict[str, str]) -> str:
    from ingestion.detect import detect

    header = detect(path.read_bytes(), path.name).header
    return folder_of[guess_feed(header)[0]]


def _copy_lake(settings: Settings, lake: Path) -> None:
    """The control database and links to the landed part files (append-only: the sandbox run
    adds its own parts and never changes these), so history-aware checks see the real lake."""
    lake.mkdir(parents=True)
    if settings.control_db.exists():
        source = sqlite3.connect(settings.control_db)
        target = sqlite3.connect(lake / settings.control_db.name)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    for part in sorted(settings.landed_dir.glob("*/*.parquet")):
        link = lake / part.relative_to(settings.lake)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(part.resolve())


def _sandbox_registry(settings: Settings, target: Path, profile: str, dealers: set[str]) -> Path:
    registry = load_registry(settings)
    if profile not in registry.dialects:
        raise ConfigError(f"unknown profile {profile!r}; known: {', '.join(registry.dialects)}")
    config = registry.config.model_dump(mode="json")
    config["dealer_overrides"].update(dict.fromkeys(dealers, profile))
    target.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return target


def _unknown_labels(
    report: DryRun, profiles: dict[str, DialectProfile], rows: list[dict[str, Any]]
) -> None:
    counts: dict[str, Counter[str]] = {}
    mappers: dict[tuple[str, str, str], Any] = {}
    for row in rows:
        record = json.loads(row["raw_record"])
        feed = row["feed"]
        profile = profiles.get(row["dealer_code"])
        if profile is None or ("_source_row" in record and len(record) == 1):
            continue
        for col in FEEDS[feed].columns:
            value = record.get(col.name)
            if not col.enum or value is None:
                continue
            key = (profile.name, feed, col.name)
            if key not in mappers:
                mappers[key] = enum_mapper(profile.value_map(feed, col.name), col.enum)
            if mappers[key](value) not in col.enum:
                counts.setdefault(f"{feed}.{col.name}", Counter())[value] += 1
    report.unknown_labels = {k: dict(v.most_common()) for k, v in sorted(counts.items())}


def _unmapped(
    report: DryRun, files: list[tuple[Path, str, str | None]], profiles: dict[str, DialectProfile]
) -> None:
    seen: dict[str, Counter[str]] = {}
    for path, dealer, feed in files:
        profile = profiles.get(dealer)
        if profile is None or feed is None:
            continue
        try:
            table = read_raw_table(path.read_bytes(), profile, header_hints(feed, profile))
        except FileReadError:
            continue
        columns, _ = header_mapping(feed, profile)
        items = item_columns(feed, profile, table.header)
        for h in table.header:
            if h and h not in columns and h not in items:
                seen.setdefault(feed, Counter())[h] += 1
        mapping = profile.mapping_for(feed)
        present = {columns[h] for h in table.header if h in columns} | set(mapping.constants)
        if items and mapping.melt:
            present |= {mapping.melt.item_column, mapping.melt.value_column}
        missing = [
            c.name
            for c in FEEDS[feed].columns
            if c.required and c.default is None and c.name not in present
        ]
        if missing:
            report.missing_required[str(path)] = ", ".join(missing)
    report.unmapped = {f: dict(c.most_common()) for f, c in seen.items()}


def dry_run(
    settings: Settings,
    paths: list[Path],
    dealer: str | None = None,
    feed: str | None = None,
    profile: str | None = None,
    sample_size: int = 10,
) -> DryRun:
    """Ingest `paths` (files or folders) in a sandbox and report what `ingest` would do."""
    registry = load_registry(settings)
    folders = {spec.folder: name for name, spec in registry.config.feeds.items()}
    files = export_files(paths)
    if not files:
        raise ConfigError(f"no files in {', '.join(map(str, paths))}")
    rels = [inbox_path(p, settings, dealer, feed, folders) for p in files]
    if len(set(rels)) != len(rels):
        raise ConfigError("two files would land at the same inbox path; check one dealer at a time")
    dealers = {r.split("/")[0] for r in rels}
    with tempfile.TemporaryDirectory(prefix="aftersales-check-") as tmp:
        root = Path(tmp)
        for path, rel in zip(files, rels, strict=True):
            (root / "inbox" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, root / "inbox" / rel)
        _copy_lake(settings, root / "lake")
        update: dict[str, Any] = {"inbox": root / "inbox", "lake": root / "lake"}
        if profile is not None:
            update["registry_path"] = _sandbox_registry(
                settings, root / "registry.yaml", profile, dealers
            )
        sandbox = settings.model_copy(update=update)
        ingest_files(sandbox, rels, reprocess=frozenset(rels))
        with control_db(sandbox.control_db) as conn:
            latest = latest_entries(conn, rels)
        quarantined = [
            row
            for part in sorted(sandbox.quarantine_dir.rglob("*.parquet"))
            for row in pq.read_table(part).to_pylist()
        ]
        sandbox_registry = load_registry(sandbox)
    try:
        vendors = load_dealer_master(settings.dealer_master).vendors()
    except ConfigError:
        vendors = {}
    profiles = {d: sandbox_registry.dialect_for(d, vendors.get(d)) for d in dealers}
    report = DryRun()
    feeds_of: list[tuple[Path, str, str | None]] = []
    for path, rel in zip(files, rels, strict=True):
        entry = latest.get(rel, {})
        parts = rel.split("/")
        feed_name = entry.get("feed") or folders.get(parts[1]) if len(parts) == 3 else None
        feeds_of.append((path, parts[0], feed_name))
        report.files.append(
            FileOutcome(
                str(path),
                rel,
                parts[0],
                feed_name,
                str(entry.get("status", "rejected")),
                entry.get("reason"),
                entry.get("dialect"),
                *(
                    int(entry.get(k) or 0)
                    for k in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")
                ),
            )
        )
    rows = [r for r in quarantined if r["rule_id"] not in WITHHELD]
    report.rules = dict(Counter(r["rule_id"] for r in rows).most_common())
    report.samples = [
        {k: r[k] for k in ("_source_file", "_source_row", "rule_id", "reason")}
        for r in rows[:sample_size]
    ]
    _unknown_labels(report, profiles, quarantined)
    _unmapped(report, feeds_of, profiles)
    return report
