"""The Arrow CSV fast path gives the same table as the row-by-row reader, or declines."""

from __future__ import annotations

import pytest

import ingestion.readers.csv_columnar as csv_columnar
from ingestion.readers import read_raw_table
from ingestion.readers.csv_columnar import read_csv_columnar
from ingestion.registry.schema import DialectProfile

CSV = DialectProfile(name="t", format="csv")
DETECT = DialectProfile(name="d", format="csv", header_row=None)
HINTS = frozenset({"dealer_code", "ro_no", "vin"})


@pytest.fixture(autouse=True)
def _fast_path_for_small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """These hand-made files are tiny; let them take the fast path regardless of size."""
    monkeypatch.setattr(csv_columnar, "SMALL_BODY_BYTES", 0)


def _cells(data: bytes, profile: DialectProfile, columnar: bool) -> tuple[list[str], list]:
    table = read_raw_table(data, profile, HINTS, columnar=columnar)
    return table.header, [a.to_pylist() for a in table.column_arrays()]


@pytest.mark.parametrize(
    "data",
    [
        b"dealer_code,ro_no,vin\nD1,R1,V1\nD1,R2,V2\n",
        # quoted delimiter and newline, CRLF, a blank line, no final newline, padded cells
        b'dealer_code,ro_no,vin\r\nD1," R,1 ","a\nb"\r\n\r\nD1,R2, V2 ',
        "\ufeffdealer_code,RO_NO,车架号\nD1,工单1,\n".encode(),
        "dealer_code,ro_no,vin\nD1,R1,V1\n".encode("gbk"),
        # a total-row marker inside a header or a later cell is not a total row
        "dealer_code,ro_no,合计金额\nD1,R1,100 合计\n".encode(),
    ],
    ids=["plain", "quotes-crlf-blank", "bom-cjk-empty-cell", "gbk", "marker-not-first-cell"],
)
def test_clean_file_same_table_on_both_paths(data: bytes) -> None:
    fast = read_raw_table(data, CSV, HINTS, columnar=True)
    assert fast.columns is not None  # took the fast path
    assert _cells(data, CSV, True) == _cells(data, CSV, False)
    assert fast.num_rows == read_raw_table(data, CSV, HINTS).num_rows


def test_header_detected_below_a_title_row() -> None:
    data = b"Export 2024-03\ndealer_code,ro_no,vin\nD1,R1,V1\n"
    fast = read_raw_table(data, DETECT, HINTS, columnar=True)
    assert fast.columns is not None and fast.header_row == 2
    assert _cells(data, DETECT, True) == _cells(data, DETECT, False)
    assert fast.header == ["dealer_code", "ro_no", "vin"]


@pytest.mark.parametrize(
    ("text", "markers"),
    [
        ("dealer_code,ro_no,vin\nD1,R1\n", ()),  # record too short
        ("dealer_code,ro_no,vin\nD1,R1,V1,X\n", ()),  # record too long
        ('dealer_code,ro_no,vin\nD1,R1,"V1\n', ()),  # truncated quote
        ("dealer_code,ro_no,vin,\nD1,R1,V1,\n", ()),  # trailing empty header cell
        ('"dealer_code",ro_no,vin\nD1,R1,V1\n', ()),  # quoted header line
        ("dealer_code,ro_no,ro_no\nD1,R1,R2\n", ()),  # duplicate header
        ("dealer_code,ro_no,vin\nD1,R1,V1\n合计,1,\n", ("合计",)),  # total-row marker
        ('dealer_code,ro_no,vin\nD1,R1,V1\n, "小计",1\n', ("小计",)),  # after blank cells
    ],
    ids=[
        "short",
        "long",
        "truncated",
        "trailing-header",
        "quoted-header",
        "dupe",
        "total",
        "total-after-blanks",
    ],
)
def test_odd_files_go_to_the_row_by_row_reader(text: str, markers: tuple[str, ...]) -> None:
    assert read_csv_columnar(text, header_hints=HINTS, total_markers=markers) is None


def test_malformed_record_still_marked_through_the_fallback() -> None:
    table = read_raw_table(b"dealer_code,ro_no,vin\nD1,R1,V1\nD1,R2\n", CSV, HINTS, columnar=True)
    assert table.columns is None and table.malformed == {1} and table.num_rows == 2


def test_small_files_use_the_csv_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_columnar, "SMALL_BODY_BYTES", 24_000)
    head = "dealer_code,ro_no,vin\n"
    small = head + "D1,R1,V1\n" * 10
    large = head + "D1,R1,V1\n" * 3000
    assert read_csv_columnar(small, header_hints=HINTS) is None
    table = read_csv_columnar(large, header_hints=HINTS)
    assert table is not None and table.num_rows == 3000
