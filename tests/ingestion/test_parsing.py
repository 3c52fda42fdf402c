"""Value parsing rules of the feed contract (feeds.md: Parsing rules, Precise outcomes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ingestion.parsing.booleans import parse_booleans
from ingestion.parsing.dates import (
    BASE_DATE_FORMATS,
    BASE_TIMESTAMP_FORMATS,
    parse_by_regex,
    parse_datetimes,
    strptime_regex,
)
from ingestion.parsing.identifiers import (
    normalize_phones,
    normalize_plates,
    validate_vins,
    vin_is_valid,
)
from ingestion.parsing.numbers import parse_amounts, parse_integers


def s(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 14:30", "2024-03-05 14:30"),
        ("2024/3/5", "2024-03-05 00:00"),
        ("2024年3月5日 14时30分", "2024-03-05 14:30"),
        ("2024年3月5日", "2024-03-05 00:00"),
        ("20240305", "2024-03-05 00:00"),
        ("２０２４-０３-０５ １４:３０", "2024-03-05 14:30"),  # full-width digits, NFKC
        ("45356.6041", "2024-03-05 14:30"),  # Excel serial, 14:29:54 rounds to the minute
        ("45356.60416", "2024-03-05 14:30"),
    ],
)
def test_timestamp_formats(text: str, expected: str) -> None:
    parsed = parse_datetimes(s(text))
    assert parsed.iloc[0] == pd.Timestamp(expected)


def test_excel_serial_is_days_since_1899_12_30() -> None:
    assert parse_datetimes(s("1")).iloc[0] == pd.Timestamp("1899-12-31")
    assert parse_datetimes(s("45292")).iloc[0] == pd.Timestamp("2024-01-01")


@pytest.mark.parametrize("text", ["2024-13-05", "2024-02-30 10:00", "yesterday", "2024-03"])
def test_unparseable_dates_are_nat(text: str) -> None:
    assert pd.isna(parse_datetimes(s(text)).iloc[0])


def test_blank_date_is_null_not_error() -> None:
    assert parse_datetimes(s(None, "2024-03-05")).isna().tolist() == [True, False]


def test_date_columns_drop_time() -> None:
    assert parse_datetimes(s("2024-03-05 14:30"), date_only=True).iloc[0] == pd.Timestamp(
        "2024-03-05"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,280.50", 1280.50),
        ("1,280.00元", 1280.0),
        ("¥12", 12.0),
        ("￥1,234,567.10", 1234567.10),
        ("１２３", 123.0),
        ("1.5万", 15000.0),
        ("-3.5", -3.5),
        ("12.345", 12.35),
        ("0", 0.0),
    ],
)
def test_amounts(text: str, expected: float) -> None:
    assert parse_amounts(s(text)).iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize("text", ["1,2,3", "12,34", "1,2345", "abc", "1.2.3", "12元34"])
def test_unparseable_amounts(text: str) -> None:
    assert pd.isna(parse_amounts(s(text)).iloc[0])


def test_integers_with_units_and_non_integral() -> None:
    out = parse_integers(s("12,345公里", "12 km", "12.5", None))
    assert out.iloc[0] == 12345
    assert out.iloc[1] == 12
    assert pd.isna(out.iloc[2])  # not an integer -> unparseable
    assert pd.isna(out.iloc[3])


def test_booleans() -> None:
    out = parse_booleans(s("是", "否", "true", "FALSE", "1", "maybe", None))
    assert out.tolist()[:5] == [True, False, True, False, True]
    assert pd.isna(out.iloc[5]) and pd.isna(out.iloc[6])


def _vin_sum(vin: str) -> int:
    values = dict(
        zip(
            "ABCDEFGHJKLMNPRSTUVWXYZ",
            [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
            strict=True,
        )
    )
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    return sum(
        (int(c) if c.isdigit() else values[c]) * w for c, w in zip(vin, weights, strict=True)
    )


def test_vin_check_digits_worked_by_hand() -> None:
    # 1M8GDM9AXKP042788: sum 351, 351 mod 11 = 10 -> 'X' at position 9
    assert _vin_sum("1M8GDM9AXKP042788") % 11 == 10
    assert vin_is_valid("1M8GDM9AXKP042788")
    # 11111111111111111: sum 89 (weights without pos 9 = 88, plus 1*0), 89 mod 11 = 1
    assert _vin_sum("11111111111111111") % 11 == 1
    assert vin_is_valid("11111111111111111")
    # LSVAU2180N2183294: sum 351 -> remainder 10 -> check digit must be X, it is 0: invalid
    assert _vin_sum("LSVAU2180N2183294") % 11 == 10
    assert not vin_is_valid("LSVAU2180N2183294")
    assert vin_is_valid("LSVAU218XN2183294")


@pytest.mark.parametrize(
    "vin",
    [
        "1M8GDM9A1KP042788",  # wrong check digit
        "1M8GDM9AXKP04278",  # 16 characters
        "1M8GDM9AXKP0427888",  # 18 characters
        "IM8GDM9AXKP042788",  # I is not allowed
        "1M8GDM9AXKP04278O",  # O is not allowed
        "1.38E+10",
    ],
)
def test_invalid_vins(vin: str) -> None:
    assert not vin_is_valid(vin)


def test_vin_normalisation_nfkc_case_spaces_hyphens() -> None:
    norm, valid = validate_vins(
        s("1m8gdm9axkp-042788", "１Ｍ８ＧＤＭ９ＡＸＫＰ０４２７８８", " 1M8G DM9A XKP0 42788 ")
    )
    assert valid.all()
    assert set(norm) == {"1M8GDM9AXKP042788"}


def test_phones() -> None:
    phones, valid = normalize_phones(
        s("+86 138-0013-8000", "13800138000", "12800138000", "1.38E+10", "1380013800", None)
    )
    assert phones.iloc[0] == "13800138000" and phones.iloc[1] == "13800138000"
    assert valid.tolist() == [True, True, False, False, False, False]


def test_plates() -> None:
    plates, valid = normalize_plates(
        s("京A12345", "粤B·D12345", "沪a 1234 5", "京AI2345", "A12345", "京A1234")
    )
    assert valid.tolist() == [True, True, True, False, False, False]
    assert plates.iloc[1] == "粤BD12345" and plates.iloc[2] == "沪A12345"


def test_bulk_number_parsing_matches_cell_by_cell() -> None:
    """The vectorised pass for decorated numbers gives what the one-cell parser gives."""
    import numpy as np

    from ingestion.parsing.numbers import parse_number_text, parse_numbers

    cells = [
        "1,280.00元", "68,549公里", "¥1,280.5", "RMB 300", "CNY1,000.00", "+5.0 km", ".5元",
        "5.元", "1,000,000.25", "$12.5", "¥ 1,000", "-¥5", "1.5万", "１２３", "12元34", "1,2,3",
        "12,34元", "1e5", "1，280",
    ]  # fmt: skip
    parsed = parse_numbers(pd.Series(cells, dtype=object)).to_numpy()
    expected = np.array([parse_number_text(c) or np.nan for c in cells], dtype=float)
    np.testing.assert_array_equal(parsed, expected)
    assert parsed[0] == 1280.0 and parsed[12] == 15000.0 and parsed[13] == 123.0


def _date_like_strings(n: int, seed: int) -> list[str]:
    """Near-misses around every supported format: padded and unpadded fields, out-of-range
    months, days, hours and minutes, 29 February in leap and common years, stray spaces."""
    rng = np.random.default_rng(seed)
    seps = [("-", "-", ""), ("/", "/", ""), ("年", "月", "日"), ("", "", ""), (".", ".", "")]
    out = []
    for _ in range(n):
        y = int(rng.choice([1999, 2023, 2024, 2099]))
        m, d = int(rng.integers(0, 14)), int(rng.integers(0, 33))
        hh, mm, ss = int(rng.integers(0, 26)), int(rng.integers(0, 62)), int(rng.integers(0, 62))
        pad = bool(rng.integers(0, 2))
        a, b, c = seps[int(rng.integers(0, len(seps)))]
        md = (f"{m:02d}", f"{d:02d}") if pad else (str(m), str(d))
        text = f"{y}{a}{md[0]}{b}{md[1]}{c}"
        kind = int(rng.integers(0, 6))
        if kind == 1:
            text += f" {hh:02d}:{mm:02d}"
        elif kind == 2:
            text += f" {hh}:{mm}:{ss:02d}"
        elif kind == 3:
            text += f"{' ' if rng.integers(0, 2) else ''}{hh}时{mm}分"
        elif kind == 4:
            text = f"{y}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}" + (f":{ss:02d}" if pad else "")
        if rng.integers(0, 10) == 0:
            text = rng.choice([" ", "  ", "x"]) + text if pad else text + " "
        out.append(text)
    return [*out, "2024-02-29", "2023-02-29", "2024-2- 5", "2024年3月 5日", "2024-03-05  14:30"]


def _day_first(text: str) -> str:
    parts = text.replace("-", "/").split("/")
    if len(parts) != 3 or len(parts[0]) != 4:
        return text
    day, _, rest = parts[2].partition(" ")
    return f"{day}/{parts[1]}/{parts[0]}" + (f" {rest}" if rest else "")


@pytest.mark.parametrize("fmt", BASE_TIMESTAMP_FORMATS + BASE_DATE_FORMATS + ("%d/%m/%Y %H:%M",))
def test_vectorised_format_matches_strptime(fmt: str) -> None:
    """The Arrow regex path gives exactly what pandas gives for the same format (pandas keeps
    the ISO-like formats, which it parses in C; the test holds the regex path to all)."""
    pattern = strptime_regex(fmt)
    assert pattern is not None
    values = _date_like_strings(3000, seed=len(fmt))
    if fmt.startswith("%d/"):  # a day-first dialect: the same near-misses, fields reordered
        values = [_day_first(v) for v in values] + ["31/02/2024 10:00", "5/3/2024 9:05"]
    reference = pd.to_datetime(pd.Series(values, dtype=object), format=fmt, errors="coerce")
    fast = parse_by_regex(pa.array(values, pa.string()), pattern)
    expected = reference.astype("datetime64[us]").to_numpy()
    assert np.array_equal(fast, expected, equal_nan=True)
    assert (~np.isnat(expected)).sum() > 20  # the sample hits the format, not only misses


def test_other_directives_keep_pandas_parser() -> None:
    assert strptime_regex("%d %b %Y") is None
    assert strptime_regex("%H:%M") is None  # no date part
    parsed = parse_datetimes(s("05 Mar 2024"), ("%d %b %Y",))
    assert parsed.iloc[0] == pd.Timestamp("2024-03-05")


@pytest.mark.parametrize(
    ("fmt", "iso"),
    [
        ("%Y-%m-%d %H:%M", True),
        ("%Y/%m/%d %H:%M:%S", True),
        ("%Y%m%d", True),
        ("%Y-%m-%dT%H:%M:%S.%f", True),
        ("%Y.%m.%d %H:%M", True),
        ("%Y%m", False),  # pandas excludes it
        ("%Y-%m/%d", False),  # separators differ
        ("%d/%m/%Y", False),
        ("%Y年%m月%d日 %H时%M分", False),
    ],
)
def test_iso_like_formats_are_the_c_parsers(fmt: str, iso: bool) -> None:
    from ingestion.parsing.dates import format_is_iso

    assert format_is_iso(fmt) is iso
