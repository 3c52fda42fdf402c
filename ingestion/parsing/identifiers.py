"""VIN (format + ISO 3779 check digit), mobile phone and licence plate normalisation."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

VIN_PATTERN = r"[A-HJ-NPR-Z0-9]{17}"
_TRANSLIT = {
    **{str(d): d for d in range(10)},
    "A": 1,
    "B": 2,
    "C": 3,
    "D": 4,
    "E": 5,
    "F": 6,
    "G": 7,
    "H": 8,
    "J": 1,
    "K": 2,
    "L": 3,
    "M": 4,
    "N": 5,
    "P": 7,
    "R": 9,
    "S": 2,
    "T": 3,
    "U": 4,
    "V": 5,
    "W": 6,
    "X": 7,
    "Y": 8,
    "Z": 9,
}
_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)
_LOOKUP = np.zeros(256, dtype=np.int64)
for _ch, _val in _TRANSLIT.items():
    _LOOKUP[ord(_ch)] = _val

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
PLATE_RE = re.compile(
    rf"^[{PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]$"
    rf"|^[{PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{6}}$"
)
PHONE_PATTERN = r"1[3-9][0-9]{9}"
_SCIENTIFIC = r"[+-]?\d+(\.\d+)?[eE][+-]?\d+"
# The same patterns for RE2 (pyarrow): Python's `\d` on str is any Unicode decimal digit.
_SCIENTIFIC_RE2 = r"[+-]?\p{Nd}+(\.\p{Nd}+)?[eE][+-]?\p{Nd}+"


def fullmatch_mask(values: pd.Series, re2_pattern: str) -> np.ndarray:
    """Vectorised `str.fullmatch` (RE2 via pyarrow): True where the whole text matches."""
    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    hit = pc.match_substring_regex(arr, pattern=f"^(?:{re2_pattern})$")
    return hit.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)


def _normalize_distinct(s: pd.Series) -> pd.Series:
    nonascii = s.notna() & ~s.map(lambda v: v.isascii(), na_action="ignore").fillna(True).astype(
        bool
    )
    if nonascii.any():
        import unicodedata

        s = s.copy()
        s[nonascii] = s[nonascii].map(lambda v: unicodedata.normalize("NFKC", v))
    return s.str.upper().str.replace(r"[\s\-·.]", "", regex=True)


def normalize_text_ids(raw: pd.Series) -> pd.Series:
    """NFKC for non-ASCII cells, upper-case, drop spaces / hyphens / middle dots.

    Works once per distinct value (VINs and phones repeat across visits); blank cells are
    returned as they came."""
    # factorised as it comes (an Arrow string column is hashed in C++, not per object)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    out = raw.to_numpy(dtype=object, na_value=None, copy=True)
    if len(uniques):
        done = _normalize_distinct(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
        present = codes >= 0
        out[present] = done.to_numpy(dtype=object)[codes[present]]
    return pd.Series(out, index=raw.index, dtype=object)


def vin_check_ok(vins: np.ndarray) -> np.ndarray:
    """Vectorised check digit test for an array of 17-char VIN strings already format-valid."""
    if len(vins) == 0:
        return np.zeros(0, dtype=bool)
    buf = np.frombuffer("".join(vins).encode("ascii"), dtype=np.uint8).reshape(len(vins), 17)
    total = (_LOOKUP[buf] * _WEIGHTS).sum(axis=1) % 11
    expected = np.where(total == 10, ord("X"), total + ord("0"))
    return buf[:, 8] == expected


def vin_is_valid(vin: str) -> bool:
    return bool(validate_vins(pd.Series([vin], dtype=object))[1].iat[0])


def validate_vins(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (normalised VIN or NA, valid flag). Blank cells are NA and not 'valid'."""
    norm = normalize_text_ids(raw)
    fmt = pd.Series(fullmatch_mask(norm, VIN_PATTERN), index=raw.index)
    valid = pd.Series(False, index=raw.index)
    if fmt.any():
        valid[fmt] = vin_check_ok(norm[fmt].to_numpy(dtype=object).astype(str))
    return norm, valid


def normalize_phones(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return (11-digit mobile or NA, valid flag) after stripping +86, spaces and hyphens."""
    s = normalize_text_ids(raw)
    s = s.str.replace(r"^(\+86|0086)", "", regex=True)
    valid = pd.Series(fullmatch_mask(s, PHONE_PATTERN), index=raw.index)
    return s.where(valid), valid


def normalize_plates(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = normalize_text_ids(raw)
    valid = s.map(lambda v: bool(PLATE_RE.match(v)), na_action="ignore").fillna(False).astype(bool)
    return s.where(valid), valid


def is_scientific(raw: pd.Series) -> pd.Series:
    """IDs shown as 1.38E+10 lost their digits in a spreadsheet: invalid."""
    return pd.Series(fullmatch_mask(raw, _SCIENTIFIC_RE2), index=raw.index)
