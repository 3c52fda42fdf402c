"""Readers: encodings, header handling, malformed records, Excel oddities."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from ingestion.readers import FileReadError, read_raw_table
from ingestion.readers.decode import decode_bytes
from ingestion.registry.schema import DialectProfile

CSV = DialectProfile(name="t", format="csv")
XLSX = DialectProfile(name="x", format="xlsx", header_row=None)
HINTS = frozenset({"dealer_code", "ro_no", "vin", "工单号", "车架号", "委托书号", "维修类别"})


def test_utf8_with_and_without_bom_and_gbk() -> None:
    assert decode_bytes("工单号".encode())[0] == "工单号"
    assert decode_bytes("\ufeff工单号".encode())[0] == "工单号"
    text, enc = decode_bytes("工单号,车架号".encode("gbk"))
    assert text == "工单号,车架号" and enc == "gb18030"


def test_undecodable_file_rejected() -> None:
    with pytest.raises(FileReadError) as exc:
        decode_bytes(b"\xff\xfe\x00\x81\x30\xff")
    assert exc.value.rule == "undecodable"


def test_zero_byte_file_rejected() -> None:
    with pytest.raises(FileReadError) as exc:
        read_raw_table(b"", CSV, HINTS)
    assert exc.value.rule == "empty_file"


def test_header_only_file_has_zero_rows() -> None:
    table = read_raw_table(b"dealer_code,ro_no\n", CSV, HINTS)
    assert table.header == ["dealer_code", "ro_no"] and table.rows == []


def test_duplicate_headers_rejected() -> None:
    with pytest.raises(FileReadError) as exc:
        read_raw_table(b"dealer_code,ro_no,ro_no\nD1,1,2\n", CSV, HINTS)
    assert exc.value.rule == "duplicate_header"
    assert "ro_no" in exc.value.reason


def test_truncated_last_record_is_marked_malformed() -> None:
    data = b'dealer_code,ro_no,vin\nD1,R1,V1\nD1,R2,V2\nD1,"R3'
    table = read_raw_table(data, CSV, HINTS)
    assert len(table.rows) == 3 and table.malformed == {2}


def test_missing_fields_marked_malformed_rest_kept() -> None:
    table = read_raw_table(b"dealer_code,ro_no,vin\nD1,R1,V1\nD1,R2\nD1,R3,V3\n", CSV, HINTS)
    assert table.malformed == {1}
    assert table.rows[2] == ["D1", "R3", "V3"]


def test_quoted_newlines_and_formula_text_kept_verbatim() -> None:
    data = b'dealer_code,ro_no,vin\nD1,"=HYPERLINK(""x"")","a\nb"\n'
    table = read_raw_table(data, CSV, HINTS)
    assert table.rows == [["D1", '=HYPERLINK("x")', "a\nb"]]


def test_traditional_and_fullwidth_headers_normalised() -> None:
    table = read_raw_table("維修類別,ＶＩＮ\n小修,x\n".encode(), CSV, HINTS)
    assert table.header == ["维修类别", "vin"]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_title_row_total_row_and_cell_rendering() -> None:
    data = _xlsx(
        [
            ["某某4S店 维修工单明细 2024年03月"],
            ["委托书号", "车架号", "开单时间", "总金额", "客户手机"],
            ["R1", "11111111111111111", dt.datetime(2024, 3, 5, 14, 29, 45), 1280.5, "1.38E+10"],
            ["R2", "11111111111111111", dt.datetime(2024, 3, 5, 14, 29, 15), 300, 13800138000],
            ["合计", None, None, 1580.5, None],
        ]
    )
    table = read_raw_table(data, XLSX, HINTS)
    assert table.header_row == 2
    assert table.header[0] == "委托书号"
    assert len(table.rows) == 2  # total row dropped
    assert table.rows[0][2] == "2024-03-05 14:30"  # rounded to the nearest minute
    assert table.rows[1][2] == "2024-03-05 14:29"
    assert table.rows[0][3] == "1280.5" and table.rows[1][3] == "300"
    assert table.rows[0][4] == "1.38E+10" and table.rows[1][4] == "13800138000"


def test_xlsx_formula_without_cached_value_is_blank() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["委托书号", "车架号"])
    ws.append(['=A1&"x"', "11111111111111111"])
    buf = io.BytesIO()
    wb.save(buf)
    table = read_raw_table(buf.getvalue(), XLSX, HINTS)
    assert table.rows[0][0] == ""


def test_broken_xlsx_rejected() -> None:
    with pytest.raises(FileReadError) as exc:
        read_raw_table(b"PK\x03\x04 not really a zip", XLSX, HINTS)
    assert exc.value.rule == "unparseable"


def test_xlsx_bulk_sheet_text_matches_cell_by_cell() -> None:
    from ingestion.readers.xlsx_reader import cell_text, sheet_text

    column = (
        "开单时间",
        dt.datetime(2024, 3, 5, 14, 29, 30),  # rounds up to 14:30
        dt.datetime(2024, 3, 5, 14, 29, 29, 999999),  # rounds down
        1280.5,
        300.0,
        13800138000.0,
        1e-5,
        1e16,
        0.1 + 0.2,
        -3.0,
        0.001234,  # fractions in Arrow's range, at its edges and beyond (repr)
        -999999999.5,
        1e9 + 0.5,
        123456789012.25,
        0.00099,
        dt.datetime(1999, 12, 31, 23, 59, 45),  # rounds into the next year
        "",
        dt.date(2024, 3, 5),
        True,
        "合计",
    )
    expected = [c if isinstance(c, str) else cell_text(c) for c in column]
    # a sheet: the column beside its reverse, and a short last row (padded with blanks)
    rows = [[a, b] for a, b in zip(column, reversed(column), strict=True)] + [[7.0]]
    text = sheet_text(rows)
    assert [r[0] for r in text[:-1]] == expected
    assert [r[1] for r in text[:-1]] == expected[::-1]
    assert text[-1] == ["7", ""]
    assert expected[1:4] == ["2024-03-05 14:30", "2024-03-05 14:29", "1280.5"]
    assert expected[4:6] == ["300", "13800138000"]
