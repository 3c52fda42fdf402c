"""Rendering typed canonical rows into each dialect's text (vectorised with pyarrow)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sample_network.defects import WIDE_SURVEY
from sample_network.dialects import HEADERS, LABELS, SURVEY_ITEM_LABELS, TRUE_FALSE, UNKNOWN_VALUES
from sample_network.schema import COLUMNS, NA_INT, SURVEY_ITEMS, ColType
from sample_network.table import Table
from sample_network.xlsx import DATETIME_STYLE, column_letter

EXCEL_EPOCH_OFFSET = 25569  # days from 1899-12-30 to 1970-01-01

WIDE_COLUMNS: tuple[tuple[str, ColType], ...] = (
    ("dealer_code", "str"),
    ("survey_id", "str"),
    ("ro_no", "str"),
    ("vin", "str"),
    ("surveyed_at", "ts"),
    *((item, "int") for item in SURVEY_ITEMS),
)


def columns_of(feed: str) -> tuple[tuple[str, ColType], ...]:
    return WIDE_COLUMNS if feed == WIDE_SURVEY else COLUMNS[feed]


def headers(feed: str, dialect: str) -> list[str]:
    names = [name for name, _ in columns_of(feed)]
    if dialect == "canonical_csv":
        return names
    if feed == WIDE_SURVEY:
        head = HEADERS["survey_responses"]
        return [head[n][1] if n in head else SURVEY_ITEM_LABELS[n] for n in names]
    col = 0 if dialect == "huayu_gbk_csv" else 1
    return [HEADERS[feed][n][col] for n in names]


def _s(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string())


def _ints(values: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    missing = values == NA_INT
    return pc.cast(pa.array(np.where(missing, 0, values)), pa.string()), missing


def _null(arr: pa.Array, missing: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), arr)


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _pad(arr: pa.Array, width: int) -> pa.Array:
    return pc.utf8_lpad(arr, width=width, padding="0")


def _thousands(whole: np.ndarray) -> pa.Array:
    """Non-negative integers with ',' between groups of three digits."""
    whole = np.asarray(whole, dtype=np.int64)
    rest = whole // 1000
    out = _str(whole % 1000)
    out = pc.if_else(pa.array(rest > 0), _pad(out, 3), out)
    while np.any(rest > 0):
        group = _str(rest % 1000)
        group = pc.if_else(pa.array(rest >= 1000), _pad(group, 3), group)
        out = pc.if_else(pa.array(rest > 0), _join(group, ",", out), out)
        rest = rest // 1000
    return out


def _amount(cents: np.ndarray, grouped: bool) -> pa.Array:
    missing = cents == NA_INT
    c = np.where(missing, 0, cents)
    neg = c < 0
    a = np.abs(c)
    whole = _thousands(a // 100) if grouped else pc.cast(pa.array(a // 100), pa.string())
    frac = _pad(pc.cast(pa.array(a % 100), pa.string()), 2)
    text = _join(pc.if_else(pa.array(neg), "-", ""), whole, ".", frac)
    return _null(text, missing)


def _parts(minutes_or_days: np.ndarray, unit: str) -> dict[str, np.ndarray]:
    missing = minutes_or_days == NA_INT
    safe = np.where(missing, 0, minutes_or_days)
    t = safe.astype(f"datetime64[{unit}]")
    days = t.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    out = {
        "Y": years.astype(np.int64) + 1970,
        "M": months.astype(np.int64) % 12 + 1,
        "D": (days - months.astype("datetime64[D]")).astype(np.int64) + 1,
        "missing": missing,
    }
    if unit == "m":
        mins = (t - days.astype("datetime64[m]")).astype(np.int64)
        out["h"] = mins // 60
        out["mi"] = mins % 60
    return out


def _str(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _iso(values: np.ndarray, unit: str) -> pa.Array:
    missing = values == NA_INT
    text = np.datetime_as_string(
        np.where(missing, 0, values).astype(f"datetime64[{unit}]"), unit=unit
    )
    arr = pa.array(text, type=pa.string())
    if unit == "m":
        arr = pc.replace_substring(arr, "T", " ")
    return _null(arr, missing)


def _chinese_time(values: np.ndarray, unit: str) -> pa.Array:
    p = _parts(values, unit)
    pieces: list[pa.Array | str] = [_str(p["Y"]), "年", _str(p["M"]), "月", _str(p["D"]), "日"]
    if unit == "m":
        pieces += [" ", _str(p["h"]), "时", _pad(_str(p["mi"]), 2), "分"]
    return _null(_join(*pieces), p["missing"])


def _slash_date(values: np.ndarray) -> pa.Array:
    p = _parts(values, "D")
    return _null(_join(_str(p["Y"]), "/", _str(p["M"]), "/", _str(p["D"])), p["missing"])


def _labels(feed: str, col: str, values: np.ndarray) -> np.ndarray:
    mapping = dict(LABELS.get((feed, col), {}))
    if (feed, col) in UNKNOWN_VALUES:
        token, label = UNKNOWN_VALUES[(feed, col)]
        mapping[token] = label
    if not mapping:
        return values
    return np.array([mapping.get(v, v) if v is not None else None for v in values], dtype=object)


def _bool(values: np.ndarray, dialect: str) -> pa.Array:
    yes, no = TRUE_FALSE[dialect]
    arr = pa.array(np.where(values == 1, yes, no), type=pa.string())
    return _null(arr, values == -1)


def _csv_quote(arr: pa.Array) -> pa.Array:
    needs = pc.fill_null(pc.match_substring_regex(arr, '[",\n]'), False)
    if not pc.any(needs).as_py():
        return arr
    quoted = _join('"', pc.replace_substring(arr, '"', '""'), '"')
    return pc.if_else(needs, quoted, arr)


def csv_lines(table: Table, dialect: str) -> list[str]:
    """One CSV line per row (no line terminator) in the canonical or huayu dialect."""
    feed = table.feed
    cols: list[pa.Array] = []
    huayu = dialect == "huayu_gbk_csv"
    for name, kind in columns_of(feed):
        values = table.cols[name]
        if kind == "str":
            arr = _s(_labels(feed, name, values) if huayu else values)
        elif kind == "ts":
            arr = _chinese_time(values, "m") if huayu else _iso(values, "m")
        elif kind == "date":
            arr = _chinese_time(values, "D") if huayu else _iso(values, "D")
        elif kind == "decimal":
            arr = _amount(values, grouped=huayu)
            if huayu:
                arr = _join(arr, "元")
        elif kind == "int":
            ints, missing = _ints(values)
            if huayu and name == "odometer_km":
                ints = _join(_thousands(np.where(missing, 0, values)), "公里")
            arr = _null(ints, missing)
        else:
            arr = _bool(values, dialect)
        cols.append(_csv_quote(arr))
    if not cols or len(table) == 0:
        return []
    lines = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
    return lines.to_pylist()


def _escape(arr: pa.Array) -> pa.Array:
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        arr = pc.replace_substring(arr, old, new)
    return arr


def xlsx_rows(table: Table, row_numbers: np.ndarray) -> list[str]:
    """``<row>`` XML per data row for the jinqiao report (row_numbers = sheet rows)."""
    feed = table.feed
    if len(table) == 0:
        return []
    rnum = _str(row_numbers)
    cells: list[pa.Array] = []
    for i, (name, kind) in enumerate(columns_of(feed)):
        letter = column_letter(i)
        values = table.cols[name]
        ref = _join(f'<c r="{letter}', rnum)
        if kind in ("str", "date", "bool"):
            if kind == "str":
                text = _s(_labels(feed, name, values))
            elif kind == "date":
                text = _slash_date(values)
            else:
                text = _bool(values, "jinqiao_xlsx_report")
            cell = _join(ref, '" t="inlineStr"><is><t>', _escape(text), "</t></is></c>")
        elif kind == "ts":
            missing = values == NA_INT
            serial = np.where(missing, 0, values) / 1440.0 + EXCEL_EPOCH_OFFSET
            cell = _null(
                _join(ref, f'" s="{DATETIME_STYLE}"><v>', _str(serial), "</v></c>"), missing
            )
        elif kind == "decimal":
            missing = values == NA_INT
            amount = np.where(missing, 0, values) / 100.0
            cell = _null(_join(ref, '"><v>', _str(amount), "</v></c>"), missing)
        else:
            ints, missing = _ints(values)
            cell = _null(_join(ref, '"><v>', ints, "</v></c>"), missing)
        cells.append(cell)
    body = pc.binary_join_element_wise(*cells, "", null_handling="replace", null_replacement="")
    return _join('<row r="', rnum, '">', body, "</row>").to_pylist()


def pivot_wide(table: Table) -> Table:
    """Long survey rows (grouped by survey) to one row per survey with an item column each."""
    c = table.cols
    n = len(table)
    if n == 0:
        cols = {
            name: np.empty(0, dtype=object if kind == "str" else np.int64)
            for name, kind in WIDE_COLUMNS
        }
        return Table(WIDE_SURVEY, cols, np.empty(0, dtype=np.int64))
    sid = c["survey_id"]
    starts = np.r_[0, np.flatnonzero(sid[1:] != sid[:-1]) + 1]
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    cols: dict[str, np.ndarray] = {
        name: c[name][starts]
        for name in ("dealer_code", "survey_id", "ro_no", "vin", "surveyed_at")
    }
    item_pos = {item: i for i, item in enumerate(SURVEY_ITEMS)}
    item_idx = np.array([item_pos[v] for v in c["item_code"]])
    grid = np.full((starts.size, len(SURVEY_ITEMS)), NA_INT, dtype=np.int64)
    grid[group, item_idx] = c["score"]
    for i, item in enumerate(SURVEY_ITEMS):
        cols[item] = grid[:, i]
    return Table(WIDE_SURVEY, cols, table.period[starts])
