"""VIN construction and check digits (GB 16735 / ISO 3779)."""

from __future__ import annotations

import numpy as np

ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
"""The 33 characters allowed in a VIN (no I, O, Q)."""

_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

# model year code (position 10) by year; I, O, Q, U, Z and 0 are not used
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_YEAR_BASE = 2010  # 2010 = 'A'

_LOOKUP = np.zeros(128, dtype=np.int64)
for _ch, _val in _TRANSLIT.items():
    _LOOKUP[ord(_ch)] = _val


def check_digit(vin: str) -> str:
    """The check character a 17-character VIN must carry at position 9."""
    total = sum(_TRANSLIT[ch] * w for ch, w in zip(vin.upper(), WEIGHTS, strict=True))
    r = total % 11
    return "X" if r == 10 else str(r)


def is_valid_vin(vin: str) -> bool:
    """Format and check digit test of the feeds contract."""
    if len(vin) != 17 or any(ch not in ALPHABET for ch in vin):
        return False
    return vin[8] == check_digit(vin)


def model_year_code(year: int) -> str:
    return _YEAR_CODES[(year - _YEAR_BASE) % len(_YEAR_CODES)]


def build_vins(prefixes: np.ndarray, year_codes: np.ndarray, vehicle_ids: np.ndarray) -> np.ndarray:
    """Valid VINs from 8-character prefixes (WMI + VDS), model-year codes and unique ids.

    Position 11 (plant) and 12-17 (serial) encode the id bijectively, so distinct ids
    give distinct VINs.
    """
    ids = np.asarray(vehicle_ids, dtype=np.int64)
    # scramble serials within each million so they do not look like a counter
    serial = (ids % 1_000_000 * 7919 + 104_729) % 1_000_000
    plant_idx = ids // 1_000_000
    if plant_idx.size and int(plant_idx.max()) >= len(ALPHABET):
        raise ValueError("vehicle id space exhausted")
    plant = np.array(list(ALPHABET))[plant_idx]
    body = np.char.add(
        np.char.add(np.char.add(prefixes.astype("U8"), "0"), year_codes.astype("U1")),
        np.char.add(plant, np.char.zfill(serial.astype("U6"), 6)),
    )
    codes = body.view("U1").reshape(-1, 17) if body.size else np.empty((0, 17), dtype="U1")
    ords = codes.view(np.int32).astype(np.int64)
    values = _LOOKUP[ords]
    r = (values * np.asarray(WEIGHTS, dtype=np.int64)).sum(axis=1) % 11
    check = np.where(r == 10, "X", r.astype("U2"))
    codes = codes.copy()
    codes[:, 8] = check
    return codes.view("U17").ravel() if body.size else np.empty(0, dtype="U17")


def corrupt_check_digit(vin: str) -> str:
    """The same VIN with a wrong check character."""
    good = check_digit(vin)
    options = [c for c in "0123456789X" if c != good]
    bad = options[sum(map(ord, vin)) % len(options)]
    return vin[:8] + bad + vin[9:]
