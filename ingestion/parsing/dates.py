"""Dates and timestamps: ISO, 2024/3/5, 2024年3月5日 14时30分, 20240305, Excel serials."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

BASE_TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H时%M分",
    "%Y年%m月%d日%H时%M分",
    "%Y年%m月%d日 %H:%M",
    "%Y%m%d %H:%M",
    "%Y%m%d%H%M",
)
BASE_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%Y.%m.%d")
_SERIAL = re.compile(r"^[0-9]{1,5}(\.[0-9]+)?$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _try_formats(values: pd.Index, formats: tuple[str, ...]) -> pd.Series:
    out = pd.Series(pd.NaT, index=range(len(values)), dtype="datetime64[us]")
    todo = np.ones(len(values), dtype=bool)
    arr = pd.Series(np.asarray(values, dtype=object), dtype=object)
    for fmt in formats:
        if not todo.any():
            break
        sub = arr[todo]
        parsed = pd.to_datetime(sub, format=fmt, errors="coerce").astype("datetime64[us]")
        ok = parsed.notna().to_numpy()
        if ok.any():
            idx = np.flatnonzero(todo)[ok]
            out.iloc[idx] = parsed[ok].to_numpy()
            todo[idx] = False
    return out


def _serials(values: pd.Series) -> pd.Series:
    nums = pd.to_numeric(values, errors="coerce")
    days = pd.to_timedelta(nums * 86400, unit="s")
    return (_EXCEL_EPOCH + days).dt.round("min").astype("datetime64[us]")


def parse_datetimes(
    raw: pd.Series,
    formats: tuple[str, ...] = (),
    excel_serials: bool = True,
    date_only: bool = False,
) -> pd.Series:
    """Parse text cells to datetime64 (NaT where blank or unparseable), minute precision."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    vals = pd.Index(
        [
            v if v.isascii() else unicodedata.normalize("NFKC", v).replace(" ", " ")
            for v in np.asarray(uniques, dtype=object)
        ]
    )
    base = (
        BASE_DATE_FORMATS + BASE_TIMESTAMP_FORMATS
        if date_only
        else (BASE_TIMESTAMP_FORMATS + BASE_DATE_FORMATS)
    )
    parsed = _try_formats(vals, tuple(dict.fromkeys(tuple(formats) + base)))
    if excel_serials:
        missing = parsed.isna().to_numpy()
        if missing.any():
            cand = pd.Series(np.asarray(vals, dtype=object), dtype=object)[missing]
            is_serial = cand.str.fullmatch(_SERIAL.pattern).fillna(False).to_numpy(dtype=bool)
            if is_serial.any():
                idx = np.flatnonzero(missing)[is_serial]
                parsed.iloc[idx] = _serials(cand[is_serial]).to_numpy()
    parsed = parsed.dt.round("min")
    if date_only:
        parsed = parsed.dt.normalize()
    mapped = parsed.to_numpy()
    out = np.where(codes < 0, np.datetime64("NaT"), mapped[np.clip(codes, 0, None)])
    return pd.Series(out, index=raw.index, dtype="datetime64[us]")
