"""Numbers: NFKC, currency/unit stripping, thousands separators in groups of three, 万 = ×10,000."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

_PLAIN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_PLAIN_RE = re.compile(_PLAIN)
_CURRENCY = r"[¥￥$]|RMB|CNY"
_UNIT = r"元|公里|千米|km|KM|Km"
_PREFIX = re.compile(rf"^(?:{_CURRENCY})\s*")
_SUFFIX = re.compile(rf"\s*(?:{_UNIT})$")
# The common decorated forms in one vectorised pass: optional currency prefix, a plain or
# comma-grouped ASCII number, optional unit suffix. Anything else goes cell by cell.
_DECORATED = re.compile(
    rf"^(?:{_CURRENCY})?\s*(?P<num>[+-]?(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+(?:\.[0-9]+)?"
    rf"|[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*(?:{_UNIT})?$"
)


def parse_number_text(value: str, strip_tokens: tuple[str, ...] = ()) -> float | None:
    """One cell -> float, or None when unparseable (caller decides blank vs invalid)."""
    text = unicodedata.normalize("NFKC", value).strip()
    for token in strip_tokens:
        if text.endswith(token):
            text = text[: -len(token)].strip()
        if text.startswith(token):
            text = text[len(token) :].strip()
    text = _SUFFIX.sub("", _PREFIX.sub("", text)).strip()
    sign = ""
    if text[:1] in "+-" and text[1:2] in ("¥", "￥"):
        sign, text = text[0], text[2:]
    text = sign + text
    factor = 1.0
    if text.endswith("万"):
        factor, text = 10_000.0, text[:-1]
    if "," in text:
        if not _GROUPED.fullmatch(text):
            return None
        text = text.replace(",", "")
    if not _PLAIN_RE.fullmatch(text):
        return None
    return float(text) * factor


def parse_numbers(raw: pd.Series, strip_tokens: tuple[str, ...] = ()) -> pd.Series:
    """Text cells -> float64 (NaN where blank or unparseable)."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series(np.nan, index=raw.index, dtype="float64")
    values = np.asarray(uniques, dtype=object)
    u = pd.Series(values, dtype=object)
    plain = u.str.fullmatch(_PLAIN).fillna(False).to_numpy(dtype=bool)
    vals = np.full(len(u), np.nan)
    if plain.any():
        vals[plain] = pd.to_numeric(u[plain], errors="coerce").to_numpy(dtype=float)
    rest = np.flatnonzero(~plain)
    if len(rest):
        numbers = u[~plain].str.extract(_DECORATED, expand=False)
        digits = numbers.str.replace(",", "", regex=False)
        parsed = pd.to_numeric(digits, errors="coerce").to_numpy(dtype=float)
        found = ~np.isnan(parsed)
        vals[rest[found]] = parsed[found]
        for i in rest[~found]:
            parsed = parse_number_text(values[i], strip_tokens)
            if parsed is not None:
                vals[i] = parsed
    out = np.where(codes < 0, np.nan, vals[np.clip(codes, 0, None)])
    return pd.Series(out, index=raw.index, dtype="float64")


def parse_amounts(raw: pd.Series, strip_tokens: tuple[str, ...] = ()) -> pd.Series:
    """Amounts in CNY rounded half away from zero to cents."""
    nums = parse_numbers(raw, strip_tokens)
    cents = np.floor(nums.abs() * 100 + 0.5 + 1e-7) * np.sign(nums)
    return cents / 100


def parse_integers(raw: pd.Series, strip_tokens: tuple[str, ...] = ()) -> pd.Series:
    """Text -> nullable Int64; non-integral values count as unparseable (NA)."""
    nums = parse_numbers(raw, strip_tokens)
    integral = nums.notna() & (nums == np.floor(nums)) & (nums.abs() < 2**62)
    return nums.where(integral).astype("Int64")
