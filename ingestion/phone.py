"""Personal data: phone numbers leave ingestion only as keyed hash + mask (PIPL)."""

from __future__ import annotations

import hmac

import pandas as pd

from ingestion.normalize import map_unique


def hash_phones(phones: pd.Series, key: str) -> pd.Series:
    secret = key.encode("utf-8")
    # hmac.digest is the one-shot C path: the same HMAC-SHA256 as hmac.new(...).hexdigest()
    return map_unique(phones, lambda p: hmac.digest(secret, p.encode(), "sha256").hex())


def mask_phones(phones: pd.Series) -> pd.Series:
    return phones.where(phones.isna(), phones.str[:3] + "****" + phones.str[-4:])


def mask_text(value: object) -> object:
    """Mask anything phone-like for quarantine display (keeps 3 + 4 digits)."""
    if not isinstance(value, str) or len(value) < 7:
        return "****" if isinstance(value, str) and value else value
    return value[:3] + "****" + value[-4:]
