"""Booleans: 是/否, true/false, yes/no, y/n, 1/0."""

from __future__ import annotations

import unicodedata

import pandas as pd

from ingestion.normalize import map_unique

TRUE = {"是", "true", "t", "yes", "y", "1", "已解决", "对", "√"}
FALSE = {"否", "false", "f", "no", "n", "0", "未解决", "×"}


def _one(value: str) -> bool | None:
    v = unicodedata.normalize("NFKC", value).strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    return None


def parse_booleans(raw: pd.Series) -> pd.Series:
    return map_unique(raw, _one).astype("boolean")
