"""Apply a dialect profile to many raw tables of one feed at once -> canonical text frame."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contracts import FEEDS
from ingestion.normalize import map_unique, normalize_header, normalize_label
from ingestion.readers.base import RawTable
from ingestion.registry.schema import DialectProfile

LINEAGE = ["_file_idx", "_source_row", "_malformed"]
CELL_PADDING = " \t\u00a0\u3000"
"""Trimmed from both ends of every cell (spaces, tabs, no-break and ideographic spaces);
line breaks are kept: a trailing newline inside a quoted text field is part of the value."""


@dataclass
class MappedBatch:
    frame: pd.DataFrame  # canonical columns as text (None = blank) + LINEAGE
    file_errors: dict[int, tuple[str, str]] = field(default_factory=dict)
    unmapped: dict[int, list[str]] = field(default_factory=dict)


def header_mapping(feed: str, profile: DialectProfile) -> tuple[dict[str, str], dict[str, str]]:
    """(normalised header -> canonical column, normalised header -> melt item code)."""
    mapping = profile.mapping_for(feed)
    columns = {c: c for c in FEEDS[feed].column_names}
    columns.update({normalize_header(k): v for k, v in mapping.columns.items()})
    items = {
        normalize_header(k): v for k, v in (mapping.melt.items if mapping.melt else {}).items()
    }
    return columns, items


def item_columns(
    feed: str, profile: DialectProfile, header: list[str] | tuple[str, ...]
) -> dict[str, str]:
    """Wide-survey item columns of a header: normalised header -> item code (listed items) or
    the item label the melt pattern captured (mapped to a code like any label)."""
    columns, items = header_mapping(feed, profile)
    melt = profile.mapping_for(feed).melt
    out = {h: items[h] for h in header if h in items}
    if melt is not None and melt.pattern:
        pattern = re.compile(normalize_label(melt.pattern), re.IGNORECASE)
        for h in header:
            if h in out or h in columns:
                continue
            match = pattern.fullmatch(h)
            if match and match.group("item"):
                out[h] = match.group("item")
    return out


def unknown_items(feed: str, profile: DialectProfile, item_cols: dict[str, str]) -> list[str]:
    """Item columns whose label maps to no item code of the contract."""
    melt = profile.mapping_for(feed).melt
    if melt is None:
        return []
    column = next(c for c in FEEDS[feed].columns if c.name == melt.item_column)
    allowed = {a.lower() for a in column.enum or ()}
    labels = {normalize_label(k): v for k, v in profile.value_map(feed, melt.item_column).items()}
    return [
        h
        for h, label in item_cols.items()
        if label.lower() not in allowed
        and labels.get(normalize_label(label), "").lower() not in allowed
    ]


def _blank_null_tokens(frame: pd.DataFrame, tokens: dict[str, tuple[str, ...]]) -> None:
    """Cells equal to one of their column's null tokens (compared normalised) become blank."""
    for header, toks in tokens.items():
        wanted = {normalize_label(t) for t in toks}
        hit = map_unique(frame[header], lambda v, w=wanted: normalize_label(v) in w, dtype=object)
        mask = hit.fillna(False).astype(bool).to_numpy()
        if mask.any():
            frame.loc[mask, header] = None


def header_hints(feed: str, profile: DialectProfile) -> frozenset[str]:
    columns, items = header_mapping(feed, profile)
    return frozenset(columns) | frozenset(items)


TEXT = pd.ArrowDtype(pa.string())
"""Text cells stay Arrow strings end to end: no Python object per cell, C++ hashing and
string kernels (pandas' object columns cost about a microsecond per cell per step)."""


def _text_column(chunks: list[pa.Array | pa.ChunkedArray]) -> pd.Series:
    """Cells of one column over many files: stripped, '' -> None, as an Arrow string column."""
    column = pa.chunked_array(
        [c for chunk in chunks for c in getattr(chunk, "chunks", [chunk])], pa.string()
    )
    # spaces around a cell are padding; line breaks inside a quoted field are content
    trimmed = pc.utf8_trim(column, CELL_PADDING)
    blank = pc.equal(pc.utf8_trim_whitespace(trimmed), "")
    cells = pc.if_else(blank, pa.scalar(None, pa.string()), trimmed)
    return pd.Series(pd.arrays.ArrowExtensionArray(cells))


def _group_frame(header: list[str], tables: list[tuple[int, RawTable]]) -> pd.DataFrame:
    """One frame for many files with the same header: cells stripped, '' -> None, lineage."""
    per_table = [table.column_arrays() for _, table in tables]
    sizes = [table.num_rows for _, table in tables]
    n = sum(sizes)
    data: dict[str, object] = {
        name: _text_column([cols[i] for cols in per_table]) if n else pd.Series([], dtype=TEXT)
        for i, name in enumerate(header)
    }
    frame = pd.DataFrame(data, index=pd.RangeIndex(n))
    malformed = np.zeros(n, dtype=bool)
    start = 0
    for (_, table), size in zip(tables, sizes, strict=True):
        if table.malformed:
            malformed[[start + i for i in table.malformed]] = True
        start += size
    frame["_file_idx"] = np.repeat(
        np.array([idx for idx, _ in tables], dtype=np.int64), np.array(sizes, dtype=np.int64)
    )
    frame["_source_row"] = (
        np.concatenate([np.arange(1, k + 1, dtype=np.int64) for k in sizes])
        if n
        else np.zeros(0, np.int64)
    )
    frame["_malformed"] = malformed
    return frame


def map_tables(
    feed: str, profile: DialectProfile, tables: list[tuple[int, RawTable]]
) -> MappedBatch:
    definition = FEEDS[feed]
    columns, _ = header_mapping(feed, profile)
    mapping = profile.mapping_for(feed)
    melt = mapping.melt
    result = MappedBatch(frame=pd.DataFrame())
    groups: dict[tuple[str, ...], list[tuple[int, RawTable]]] = {}
    for idx, table in tables:
        groups.setdefault(tuple(table.header), []).append((idx, table))
    frames: list[pd.DataFrame] = []
    null_tokens = profile.null_tokens_for(feed)
    for header, members in groups.items():
        targets = {h: columns[h] for h in header if h in columns}
        item_cols = item_columns(feed, profile, header) if melt else {}
        unknown = unknown_items(feed, profile, item_cols)
        if melt and melt.unmapped == "reject" and unknown:
            for idx, _ in members:
                result.file_errors[idx] = (
                    "unmapped_item_column",
                    f"survey item column(s) {', '.join(unknown)} map to no item code: add the "
                    f"label to value_maps.{melt.item_column}",
                )
            continue
        unmapped = [h for h in header if h not in targets and h not in item_cols and h]
        present = set(targets.values()) | set(mapping.constants)
        for c in definition.columns:
            if c.default is not None:
                present.add(c.name)
        if melt and item_cols:
            present |= {melt.item_column, melt.value_column}
        missing = [c for c in definition.required if c not in present]
        if missing:
            for idx, _ in members:
                result.file_errors[idx] = (
                    "required_column_missing",
                    f"required column(s) missing after mapping: {', '.join(missing)} "
                    f"(header: {', '.join(header)})",
                )
            continue
        for idx, _ in members:
            if unmapped:
                result.unmapped[idx] = unmapped
        frame = _group_frame(list(header), members)
        header_tokens = {h: null_tokens[t] for h, t in targets.items() if t in null_tokens}
        if melt and melt.value_column in null_tokens:
            header_tokens.update(dict.fromkeys(item_cols, null_tokens[melt.value_column]))
        _blank_null_tokens(frame, header_tokens)
        if melt and item_cols:
            frame = _melt(frame, targets, item_cols, melt.item_column, melt.value_column)
        else:
            frame = frame.rename(columns=targets)[[*targets.values(), *LINEAGE]]
        frames.append(frame)
    if frames:
        frame = pd.concat(frames, ignore_index=True)
    else:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in definition.column_names})
        for col in LINEAGE:
            frame[col] = pd.Series([], dtype=bool if col == "_malformed" else np.int64)
    for col in definition.columns:
        if col.name in mapping.constants:
            const = mapping.constants[col.name]
            frame[col.name] = frame[col.name].fillna(const) if col.name in frame else const
        if col.name not in frame:
            frame[col.name] = None
        if col.default is not None:
            frame[col.name] = frame[col.name].fillna(col.default)
    frame = frame[[*definition.column_names, *LINEAGE]].reset_index(drop=True)
    for col in definition.column_names:
        frame[col] = frame[col].astype(TEXT)
    result.frame = frame
    return result


def _melt(
    frame: pd.DataFrame,
    targets: dict[str, str],
    item_cols: dict[str, str],
    item_column: str,
    value_column: str,
) -> pd.DataFrame:
    ids = frame.rename(columns=targets)[[*targets.values(), *LINEAGE]]
    parts = []
    for header, code in item_cols.items():
        part = ids.copy()
        part[item_column] = code
        part[value_column] = frame[header].to_numpy()
        # a blank item cell in a wide export means "not asked", not a missing score
        parts.append(part[frame[header].notna().to_numpy() | part["_malformed"].to_numpy()])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["_file_idx", "_source_row"], kind="stable").reset_index(drop=True)
