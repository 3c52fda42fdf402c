"""Text normalisation: NFKC, Traditional -> Simplified Chinese, header canonical form."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
from opencc import OpenCC

_T2S = OpenCC("t2s")
_S2T = OpenCC("s2t")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def normalize_header(text: str) -> str:
    """Canonical form of a header cell: NFKC, Simplified Chinese, no spaces, lower-case ASCII."""
    value = unicodedata.normalize("NFKC", text or "").replace("\ufeff", "")
    value = _SPACE.sub("", value).strip()
    if value and not value.isascii():
        value = _T2S.convert(value)
    return value.lower()


@lru_cache(maxsize=65536)
def normalize_label(text: str) -> str:
    """Canonical form of a value label (or a total-row marker): NFKC (full-width digits and
    letters become ASCII), trimmed, Traditional -> Simplified Chinese; case is kept."""
    value = unicodedata.normalize("NFKC", text or "").replace("\ufeff", "").strip()
    if value and not value.isascii():
        value = _T2S.convert(value)
    return value


def marker_variants(markers: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Each marker as written, in Simplified and in Traditional Chinese, and in full width:
    the spellings a total row of an export may start with."""
    return _marker_variants(tuple(markers))


@lru_cache(maxsize=64)
def _marker_variants(markers: tuple[str, ...]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for marker in markers:
        simple = normalize_label(marker)
        for form in (marker, simple, _S2T.convert(simple)):
            out[form] = None
            out[_full_width(form)] = None
    return tuple(m for m in out if m)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def map_unique(series: pd.Series, func: object, dtype: object = object) -> pd.Series:
    """Apply a Python function once per distinct non-null value (fast on repetitive columns)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series([None] * len(series), index=series.index, dtype=dtype)
    mapped = np.array([func(u) for u in uniques] + [None], dtype=object)  # type: ignore[operator]
    out = mapped[np.where(codes < 0, len(uniques), codes)]
    return pd.Series(out, index=series.index, dtype=dtype)
