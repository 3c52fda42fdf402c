"""Canonical text frame -> typed frame (+ raw helper columns the row contract checks)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ingestion.contracts import FEEDS
from ingestion.normalize import map_unique, normalize_label
from ingestion.parsing.booleans import parse_booleans
from ingestion.parsing.dates import parse_datetimes
from ingestion.parsing.identifiers import (
    is_scientific,
    normalize_phones,
    normalize_plates,
    validate_vins,
)
from ingestion.parsing.numbers import parse_amounts, parse_integers
from ingestion.registry.schema import DialectProfile

RAW = "__raw"


def enum_mapper(labels: dict[str, str], allowed: tuple[str, ...]) -> Callable[[str], str]:
    """Label -> canonical code; labels are compared normalised like headers (NFKC, so
    full-width forms match; Traditional -> Simplified, so 結算 matches 结算)."""
    table = {normalize_label(k): v for k, v in labels.items()}
    lower_allowed = {a.lower(): a for a in allowed}

    def one(value: str) -> str:
        v = normalize_label(value)
        if v in table:
            return table[v]
        return lower_allowed.get(v.lower(), v)

    return one


def type_frame(feed: str, profile: DialectProfile, text: pd.DataFrame) -> pd.DataFrame:
    """Parse every canonical column per its type; keep `<col>__raw` where parsing can fail."""
    definition = FEEDS[feed]
    out: dict[str, pd.Series] = {}
    date_formats = tuple(profile.date_formats)
    ts_formats = tuple(profile.timestamp_formats)
    strip = tuple(profile.number_strip)
    for col in definition.columns:
        raw = text[col.name]
        if col.name == "vin":
            norm, valid = validate_vins(raw)
            out["vin"] = norm
            out["vin" + RAW] = raw
            out["vin__valid"] = valid
        elif col.pii == "phone":
            phone, _ = normalize_phones(raw)
            out[col.name] = phone
            out[col.name + RAW] = raw
        elif col.name == "plate_no":
            plate, _ = normalize_plates(raw)
            out["plate_no"] = plate
            out["plate_no" + RAW] = raw
        elif col.enum is not None:
            labels = profile.value_map(feed, col.name)
            out[col.name] = map_unique(raw, enum_mapper(labels, col.enum))
        elif col.type == "str":
            sci = is_scientific(raw) if col.name in definition.key else None
            out[col.name] = raw if sci is None or not sci.any() else raw.where(~sci, None)
            if sci is not None and sci.any():
                out[col.name + RAW] = raw
        elif col.type == "int":
            out[col.name] = parse_integers(raw, strip)
            out[col.name + RAW] = raw
        elif col.type == "decimal":
            out[col.name] = parse_amounts(raw, strip)
            out[col.name + RAW] = raw
        elif col.type in ("date", "ts"):
            formats = date_formats + ts_formats if col.type == "date" else ts_formats + date_formats
            out[col.name] = parse_datetimes(
                raw, formats, profile.excel_serial_dates, date_only=col.type == "date"
            )
            out[col.name + RAW] = raw
        elif col.type == "bool":
            out[col.name] = parse_booleans(raw)
            out[col.name + RAW] = raw
    frame = pd.DataFrame(out, index=text.index)
    for col in ("_file_idx", "_source_row", "_malformed"):
        frame[col] = text[col].to_numpy()
    return frame
