"""The hostile corpus: malformed and hostile dealer files, each with its exact expected outcome.

Every case is generated here (nothing is committed but this script): the files it puts in
the inbox, the earlier runs it needs (history), the file it judges and what must happen to
it — status, rule, row counts, the quarantined rows with their rules, the flagged rows and
stored values. ``tests/hostile/test_hostile_corpus.py`` runs every case through the real
ingestion; ``docs/data-quality.md`` names the case that proves each outcome.

    .venv/pipeline/bin/python tests/hostile/corpus.py OUT   # write every case to OUT/<case>/
"""

from __future__ import annotations

import codecs
import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingestion"))

from ing_network import RO_HEADER, VINS, csv_text, ro_row

RO = "D001/repair_orders/2024-03.csv"
WORKBOOK_DEALER = "D003"  # the dealer whose profile reads .xlsx reports
BIG_ROWS = 300_000
OTHER_VIN = "LFV2A21K5A4000001"  # valid check digit, used by no other row


@dataclass(frozen=True)
class Symlink:
    """A symbolic link in the inbox pointing at a file written outside it."""

    content: bytes


Content = bytes | Symlink | Callable[[], bytes]


@dataclass(frozen=True)
class Expect:
    status: str  # latest ledger status of the target file
    rule: str | None = None  # the reason starts with this rule id (file-level outcomes)
    rows: tuple[int, int, int, int] = (0, 0, 0, 0)  # read, loaded, quarantined, duplicate
    quarantined: dict[int, str] = field(default_factory=dict)  # source row -> rule id
    flags: dict[int, str] = field(default_factory=dict)  # source row -> dq_flags
    values: dict[int, dict[str, object]] = field(default_factory=dict)  # landed values
    reason_has: str = ""  # a phrase the reason must contain


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    proves: str
    files: dict[str, Content]
    target: str
    expect: Expect
    earlier: tuple[dict[str, Content], ...] = ()  # inbox files ingested in runs before
    listing: bool = False  # ingest what the inbox listing yields, not the named files
    release: bool = False  # then release the (held) target file


# ---------------------------------------------------------------- builders


def ros(n: int, month: str = "2024-03", prefix: str = "RO", **over: str) -> list[dict[str, str]]:
    """n valid repair orders dated inside `month`."""
    return [
        ro_row(i, ro_no=f"{prefix}{i:05d}", **_dated(month, 5), **over) for i in range(1, n + 1)
    ]


def _dated(month: str, day: int) -> dict[str, str]:
    d = f"{month}-{day:02d}"
    return {
        "arrived_at": f"{d} 09:00",
        "promised_at": f"{d} 17:00",
        "qc_completed_at": f"{d} 15:00",
        "delivered_at": f"{d} 16:30",
        "settled_at": f"{d} 16:00",
    }


def with_row(rows: list[dict[str, str]], row: int, **over: str) -> list[dict[str, str]]:
    """`rows` with source row `row` (1-based) changed."""
    out = [dict(r) for r in rows]
    out[row - 1].update(over)
    return out


def ro_csv(rows: list[dict[str, str]], header: list[str] = RO_HEADER, **kw: str) -> bytes:
    return csv_text(header, rows).encode(kw.get("encoding", "utf-8"))


def text(rows: list[dict[str, str]], newline: str = "\n") -> str:
    return csv_text(RO_HEADER, rows).replace("\n", newline)


def edit_line(content: str, row: int, change: Callable[[str], str]) -> bytes:
    """CSV text with the physical line of data row `row` (header = row 0) changed."""
    lines = content.split("\n")
    lines[row] = change(lines[row])
    return "\n".join(lines).encode()


def without_column(rows: list[dict[str, str]], column: str) -> bytes:
    header = [c for c in RO_HEADER if c != column]
    return csv_text(header, [{k: v for k, v in r.items() if k != column} for r in rows]).encode()


def workbook(
    rows: list[list[object]],
    title: str | None = None,
    total: list[object] | None = None,
    second_sheet: list[list[object]] | None = None,
    merge_title: bool = False,
) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "工单"
    if title is not None:
        ws.append([title])
        if merge_title:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for row in rows:
        ws.append(row)
    if total is not None:
        ws.append(total)
    if second_sheet is not None:
        other = wb.create_sheet("汇总")
        for row in second_sheet:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_rows(rows: list[dict[str, str]]) -> list[list[object]]:
    return [list(RO_HEADER), *[[r[c] for c in RO_HEADER] for r in rows]]


def for_dealer(rows: list[dict[str, str]], dealer: str) -> list[dict[str, str]]:
    return [{**r, "dealer_code": dealer} for r in rows]


def complaints_big() -> bytes:
    """BIG_ROWS complaints in one month, row 150,000 with an invalid VIN (generated on use)."""
    head = (
        "dealer_code,case_id,vin,ro_no,channel,category,severity,received_at,"
        "first_response_at,closed_at,reopen_count,resolved_confirmed\n"
    )
    line = "D001,C{:07d},{},,hotline,service,minor,2024-03-05 10:00,2024-03-05 11:00,2024-03-06 10:00,0,true\n"
    parts = [head]
    for i in range(1, BIG_ROWS + 1):
        parts.append(line.format(i, "BADVIN" if i == 150_000 else VINS[i % 3]))
    return "".join(parts).encode()


def survey_csv(scores: list[str]) -> bytes:
    header = "dealer_code,survey_id,ro_no,vin,surveyed_at,item_code,score,scale_min,scale_max\n"
    lines = [
        f"D001,S{i:03d},,,2024-03-05 10:00,overall,{s},1,10\n" for i, s in enumerate(scores, 1)
    ]
    return (header + "".join(lines)).encode()


def complaints_csv(n: int, bad_row: int) -> bytes:
    header = (
        "dealer_code,case_id,vin,ro_no,channel,category,severity,received_at,"
        "first_response_at,closed_at,reopen_count,resolved_confirmed\n"
    )
    lines = []
    for i in range(1, n + 1):
        first = "2024-03-05 09:00" if i == bad_row else "2024-03-05 11:00"
        lines.append(
            f"D001,C{i:04d},{VINS[i % 3]},,hotline,service,minor,2024-03-05 10:00,{first},"
            "2024-03-06 10:00,0,true\n"
        )
    return (header + "".join(lines)).encode()


def zip_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, data)
    return buf.getvalue()


R20 = ros(20)
CLEAN = ro_csv(R20)
LOADED_20 = Expect("loaded", rows=(20, 20, 0, 0))


def one_quarantined(row: int, rule: str) -> Expect:
    """Of 20 rows, `row` is quarantined for `rule`: 5 %, not more, so the file loads."""
    return Expect("loaded", rows=(20, 19, 1, 0), quarantined={row: rule})


def one_bad(row: int, rule: str, **over: str) -> tuple[bytes, Expect]:
    """20 rows, one breaking `rule`: 5 % quarantined, not more, so the file loads."""
    return ro_csv(with_row(R20, row, **over)), one_quarantined(row, rule)


def malformed(row: int, change: Callable[[str], str]) -> tuple[bytes, Expect]:
    """20 rows, the record of `row` changed so it no longer fits the header: quarantined
    as malformed_row, the rest loads."""
    return edit_line(text(R20), row, change), one_quarantined(row, "malformed_row")


def flagged(row: int, flag: str, **over: str) -> tuple[bytes, Expect]:
    return ro_csv(with_row(R20, row, **over)), Expect(
        "loaded", rows=(20, 20, 0, 0), flags={row: flag}
    )


def case(
    id: str, group: str, proves: str, content: Content, expect: Expect, target: str = RO, **kw
) -> Case:
    return Case(id, group, proves, {target: content}, target, expect, **kw)


def _history(months: tuple[str, ...] = ("2023-12", "2024-01", "2024-02"), n: int = 40) -> dict:
    return {f"D001/repair_orders/{m}.csv": ro_csv(ros(n, m, prefix=f"H{m[-2:]}")) for m in months}


LINE_BREAK = ro_csv(with_row(R20, 4, advisor_id="first line\nsecond line"))
TRAILING_NL = ro_csv(with_row(R20, 6, advisor_id="note\n"))
_unterminated_mid = text(R20).split("\n")
_unterminated_mid[8] = _unterminated_mid[8].replace(",A1,", ',"A1,', 1)
UNTERMINATED_MID = "\n".join(_unterminated_mid).encode()
UNTERMINATED_END = (text(R20).rstrip("\n").rsplit(",", 1)[0] + ',"150.0').encode()
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]
_formula_rows = R20
for _i, _f in enumerate(FORMULAS):
    _formula_rows = with_row(_formula_rows, _i + 1, advisor_id=_f)
SHEET = sheet_rows(for_dealer(R20, WORKBOOK_DEALER))
_formula_sheet = [list(r) for r in SHEET]
_formula_sheet[7][RO_HEADER.index("total_amount")] = "=Q8+R8"
_sci_sheet = [list(r) for r in SHEET]
_sci_sheet[3][RO_HEADER.index("customer_phone")] = "1.38E+10"
_sci_sheet[3][RO_HEADER.index("total_amount")] = 3.0e2
_serial_sheet = [list(r) for r in SHEET]
_serial_sheet[2][RO_HEADER.index("arrived_at")] = 45356.375  # 2024-03-05 09:00 as a serial
_merged = [["", "", "", ""], *SHEET]
FULL_WORKBOOK = workbook(SHEET, title="维修工单明细 2024年3月", total=["合计", "", "", 20])
_big_field = "x" * 200_000

# ---------------------------------------------------------------- the cases

CASES: list[Case] = [
    # encodings
    case("utf8", "encoding", "a clean UTF-8 file loads every row", CLEAN, LOADED_20),
    case(
        "utf8_bom",
        "encoding",
        "a UTF-8 BOM is not part of the first header",
        b"\xef\xbb\xbf" + CLEAN,
        LOADED_20,
    ),
    case(
        "gb18030_free_text",
        "encoding",
        "GB18030 text is decoded; Chinese free text is stored as sent",
        ro_csv(with_row(R20, 2, advisor_id="王五（夜班）"), encoding="gb18030"),
        Expect("loaded", rows=(20, 20, 0, 0), values={2: {"advisor_id": "王五（夜班）"}}),
    ),
    case(
        "undecodable",
        "encoding",
        "bytes that are neither UTF-8 nor GB18030 reject the file, naming the encoding rule",
        CLEAN[:200] + b"\xff\xfe\xff\x80\x80\xff" + CLEAN[200:],
        Expect("rejected", "undecodable", reason_has="neither valid UTF-8 nor valid GB18030"),
    ),
    case(
        "mixed_utf8_gbk",
        "encoding",
        "a file mixing UTF-8 and GBK lines decodes as neither strictly: rejected",
        ro_csv(with_row(R20, 2, advisor_id="张三"))
        + f"D001,RO99999,{VINS[0]},京B12345,1,2024-03-05 09:00,,,,,settled,paid_maintenance,customer,,李四,,1,1,0,0,2,0,1\n".encode(
            "gbk"
        ),
        Expect("rejected", "undecodable"),
    ),
    case(
        "utf16_bom",
        "encoding",
        "UTF-16 text is rejected with a reason that says it is UTF-16",
        codecs.BOM_UTF16_LE + text(R20).encode("utf-16-le"),
        Expect("rejected", "undecodable", reason_has="UTF-16"),
    ),
    case(
        "utf16_no_bom",
        "encoding",
        "UTF-16 without a byte-order mark (NUL bytes) is rejected",
        text(R20).encode("utf-16-le"),
        Expect("rejected", "undecodable", reason_has="NUL bytes"),
    ),
    # delimiters and line endings
    case(
        "semicolon",
        "delimiter",
        "a `;` file read with the `,` profile leaves required columns missing: rejected",
        text(R20).replace(",", ";").encode(),
        Expect("rejected", "required_column_missing"),
    ),
    case(
        "tab",
        "delimiter",
        "a tab-separated file read with the `,` profile: rejected",
        text(R20).replace(",", "\t").encode(),
        Expect("rejected", "required_column_missing"),
    ),
    case(
        "cr_only",
        "line endings",
        "old Mac CR-only line ends load",
        text(R20, "\r").encode(),
        LOADED_20,
    ),
    case(
        "crlf", "line endings", "Windows CRLF line ends load", text(R20, "\r\n").encode(), LOADED_20
    ),
    case(
        "mixed_line_ends",
        "line endings",
        "CRLF, LF and CR mixed in one file load",
        "".join(
            line + ("\r\n", "\n", "\r")[i % 3]
            for i, line in enumerate(text(R20).rstrip("\n").split("\n"))
        ).encode(),
        LOADED_20,
    ),
    case(
        "no_final_newline",
        "line endings",
        "a missing final newline loses nothing",
        CLEAN.rstrip(b"\n"),
        LOADED_20,
    ),
    case(
        "blank_tail",
        "line endings",
        "blank lines at the end are not rows",
        CLEAN + b"\n\n  \n\n",
        LOADED_20,
    ),
    case(
        "blank_lines_inside",
        "line endings",
        "blank lines between records are not rows; data rows keep their numbers",
        text(R20).replace("\n", "\n\n", 5).encode(),
        LOADED_20,
    ),
    # quoting
    case(
        "newline_in_field",
        "quoting",
        "a quoted field with a line break is one value, stored with the break",
        LINE_BREAK,
        Expect(
            "loaded", rows=(20, 20, 0, 0), values={4: {"advisor_id": "first line\nsecond line"}}
        ),
    ),
    case(
        "trailing_newline_in_field",
        "quoting",
        "a trailing newline inside a quoted field is kept (the stored value is what was sent)",
        TRAILING_NL,
        Expect("loaded", rows=(20, 20, 0, 0), values={6: {"advisor_id": "note\n"}}),
    ),
    case(
        "doubled_quotes",
        "quoting",
        "doubled quotes inside a quoted field are one quote",
        ro_csv(
            with_row(R20, 3, advisor_id='say "hi", then'),
        ),
        Expect("loaded", rows=(20, 20, 0, 0), values={3: {"advisor_id": 'say "hi", then'}}),
    ),
    case(
        "unterminated_quote_mid_file",
        "quoting",
        "a quote opened mid-file and never closed rejects the file (it would swallow the rest)",
        UNTERMINATED_MID,
        Expect("rejected", "unparseable", reason_has="line 9 is never closed"),
    ),
    case(
        "unterminated_quote_at_end",
        "quoting",
        "a truncated last record is quarantined as malformed; the rest loads",
        UNTERMINATED_END,
        one_quarantined(20, "malformed_row"),
    ),
    case(
        "extra_fields",
        "quoting",
        "a record with more fields than the header is malformed",
        *malformed(2, lambda line: line + ",surplus"),
    ),
    case(
        "missing_fields",
        "quoting",
        "a record with fewer fields than the header is malformed",
        *malformed(5, lambda line: line.rsplit(",", 3)[0]),
    ),
    # empty and header-only
    case(
        "zero_bytes",
        "empty",
        "a 0-byte file is rejected (no header)",
        b"",
        Expect("rejected", "empty_file"),
    ),
    case(
        "blank_only",
        "empty",
        "a file of blank lines is rejected (no header)",
        b"\n \n\r\n",
        Expect("rejected", "empty_file"),
    ),
    case(
        "bom_only",
        "empty",
        "a file holding only a BOM is rejected (no header)",
        b"\xef\xbb\xbf",
        Expect("rejected", "empty_file"),
    ),
    case(
        "header_only",
        "empty",
        "a header-only file loads 0 rows",
        ",".join(RO_HEADER).encode() + b"\n",
        Expect("loaded"),
    ),
    case(
        "header_only_blank_tail",
        "empty",
        "a header and blank lines load 0 rows",
        ",".join(RO_HEADER).encode() + b"\n\n\n",
        Expect("loaded"),
    ),
    # header drift
    case(
        "header_missing_required",
        "header drift",
        "a required column missing after mapping rejects the file, naming it",
        without_column(R20, "total_amount"),
        Expect("rejected", "required_column_missing", reason_has="total_amount"),
    ),
    case(
        "header_renamed",
        "header drift",
        "a renamed required column (unknown header) rejects the file",
        text(R20).replace("vin,", "vin_code,", 1).encode(),
        Expect("rejected", "required_column_missing", reason_has="vin"),
    ),
    case(
        "header_extra",
        "header drift",
        "an extra column is ignored; every row loads",
        csv_text([*RO_HEADER, "remark"], [{**r, "remark": "x"} for r in R20]).encode(),
        LOADED_20,
    ),
    case(
        "header_reordered",
        "header drift",
        "reordered columns are read by name",
        csv_text(list(reversed(RO_HEADER)), R20).encode(),
        Expect("loaded", rows=(20, 20, 0, 0), values={1: {"ro_no": "RO00001", "advisor_id": "A1"}}),
    ),
    case(
        "header_duplicated",
        "header drift",
        "a duplicated header name rejects the file",
        text(R20).replace("plate_no", "vin", 1).encode(),
        Expect("rejected", "duplicate_header", reason_has="vin"),
    ),
    case(
        "header_case_and_spaces",
        "header drift",
        "header names differing in case and spaces match",
        text(R20).replace("ro_no", " RO_NO ", 1).replace("vin", "VIN", 1).encode(),
        LOADED_20,
    ),
    case(
        "header_optional_missing",
        "header drift",
        "an optional column absent loads as NULL",
        without_column(R20, "plate_no"),
        Expect("loaded", rows=(20, 20, 0, 0), values={1: {"plate_no": None}}),
    ),
    # huge fields and files
    case(
        "huge_field",
        "size",
        "a 200,000-character field is stored whole",
        ro_csv(with_row(R20, 2, advisor_id=_big_field)),
        Expect("loaded", rows=(20, 20, 0, 0), values={2: {"advisor_id": _big_field}}),
    ),
    case(
        "huge_field_cr_only",
        "size",
        "a 200,000-character field in a CR-only file (row-by-row reader) is stored whole",
        text(with_row(R20, 2, advisor_id=_big_field), "\r").encode(),
        Expect("loaded", rows=(20, 20, 0, 0), values={2: {"advisor_id": _big_field}}),
    ),
    case(
        "rows_300k",
        "size",
        "a 300,000-row file reconciles to the row; its one bad row keeps its number",
        complaints_big,
        Expect("loaded", rows=(BIG_ROWS, BIG_ROWS - 1, 1, 0), quarantined={150_000: "vin_invalid"}),
        target="D001/complaints/2024-03.csv",
    ),
    # formula text
    case(
        "formula_text",
        "formula",
        "formula-like text is stored verbatim, never evaluated",
        ro_csv(_formula_rows),
        Expect(
            "loaded",
            rows=(20, 20, 0, 0),
            values={i + 1: {"advisor_id": f} for i, f in enumerate(FORMULAS)},
        ),
    ),
    # path tricks (ingested from the inbox listing)
    case(
        "dot_dealer_folder",
        "path",
        "a dealer folder whose name begins with `.` is listed and rejected",
        CLEAN,
        Expect("rejected", "dealer_unknown"),
        target=".D001/repair_orders/2024-03.csv",
        listing=True,
    ),
    case(
        "backslash_traversal",
        "path",
        r"a folder named `..\..\etc` is listed and rejected",
        CLEAN,
        Expect("rejected", "dealer_unknown"),
        target="..\\..\\etc/repair_orders/2024-03.csv",
        listing=True,
    ),
    case(
        "encoded_traversal",
        "path",
        "a folder named `..%2F..%2Fetc` is rejected",
        CLEAN,
        Expect("rejected", "dealer_unknown"),
        target="..%2F..%2Fetc/repair_orders/2024-03.csv",
        listing=True,
    ),
    case(
        "dotdot_in_path",
        "path",
        "a path with `..` components is rejected without being opened",
        CLEAN,
        Expect("rejected", "dealer_unknown"),
        target="D001/../D001/repair_orders/2024-03.csv",
    ),
    case(
        "hidden_file",
        "path",
        "a file whose name begins with `.` is listed and rejected",
        CLEAN,
        Expect("rejected", "unrecognised_path"),
        target="D001/repair_orders/.2024-03.csv",
        listing=True,
    ),
    case(
        "hidden_feed_folder",
        "path",
        "a feed folder whose name begins with `.` is listed and rejected",
        CLEAN,
        Expect("rejected", "unknown_feed"),
        target="D001/.repair_orders/2024-03.csv",
        listing=True,
    ),
    case(
        "symlink_out_of_inbox",
        "path",
        "a symbolic link to a file outside the inbox is not followed",
        Symlink(CLEAN),
        Expect("rejected", "symlink", reason_has="links are not followed"),
        listing=True,
    ),
    case(
        "other_dealers_folder",
        "path",
        "a file in another dealer's folder (rows say D002) is rejected",
        ro_csv(ros(20, dealer_code="D002")),
        Expect(
            "rejected",
            "dealer_mismatch",
            rows=(20, 0, 20, 0),
            quarantined={i: "file_rejected" for i in range(1, 21)},
        ),
    ),
    case(
        "unknown_dealer",
        "path",
        "a folder that is not a known dealer code is rejected",
        CLEAN,
        Expect("rejected", "dealer_unknown"),
        target="D999/repair_orders/2024-03.csv",
        listing=True,
    ),
    case(
        "bad_file_name",
        "path",
        "a file name that is not <YYYY-MM>.csv|.xlsx is rejected",
        CLEAN,
        Expect("rejected", "unrecognised_path"),
        target="D001/repair_orders/March.csv",
        listing=True,
    ),
    case(
        "too_deep",
        "path",
        "a file nested below the feed folder is rejected",
        CLEAN,
        Expect("rejected", "unrecognised_path"),
        target="D001/repair_orders/old/2024-03.csv",
        listing=True,
    ),
    case(
        "unknown_feed_folder",
        "path",
        "a folder that is not a feed is rejected",
        CLEAN,
        Expect("rejected", "unknown_feed"),
        target="D001/invoices/2024-03.csv",
        listing=True,
    ),
    # workbooks
    case(
        "xlsx_title_and_total",
        "workbook",
        "title rows above the header and a 合计 total row are not data",
        FULL_WORKBOOK,
        LOADED_20,
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "xlsx_two_sheets",
        "workbook",
        "only the first sheet is read",
        workbook(SHEET, second_sheet=[["合计", 999], ["x", 1]]),
        LOADED_20,
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "xlsx_merged_header",
        "workbook",
        "a merged title above the header does not shift the columns",
        workbook(SHEET, title="维修工单", merge_title=True),
        LOADED_20,
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "xlsx_text_and_serial_dates",
        "workbook",
        "a serial date-time and text dates in one column read the same",
        workbook(_serial_sheet),
        Expect("loaded", rows=(20, 20, 0, 0), values={2: {"arrived_at": "2024-03-05 09:00:00"}}),
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "xlsx_formula_no_cache",
        "workbook",
        "a formula cell without a cached value in a required column is required_missing",
        workbook(_formula_sheet),
        one_quarantined(7, "required_missing"),
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "xlsx_scientific",
        "workbook",
        "a phone shown as 1.38E+10 is invalid (flag, NULL); an amount 3.0E2 reads as 300",
        workbook(_sci_sheet),
        Expect(
            "loaded",
            rows=(20, 20, 0, 0),
            flags={3: "phone_invalid"},
            values={3: {"customer_phone_hash": None, "total_amount": 300}},
        ),
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "zip_not_workbook",
        "workbook",
        "a zip archive that holds no workbook is rejected, saying what it is",
        zip_of("orders.csv", CLEAN),
        Expect("rejected", "unsupported_format", reason_has="zip archive, not an Excel workbook"),
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "xlsx_truncated",
        "workbook",
        "a truncated workbook is rejected as a damaged zip",
        FULL_WORKBOOK[: len(FULL_WORKBOOK) // 2],
        Expect("rejected", "unparseable", reason_has="damaged or truncated"),
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "workbook_from_csv_dealer",
        "workbook",
        "a workbook sent by a dealer whose profile says CSV is read as a workbook",
        workbook(sheet_rows(R20), title="维修工单明细", total=["合计", "", "", 20]),
        LOADED_20,
    ),
    case(
        "csv_from_workbook_dealer",
        "workbook",
        "CSV text sent by a workbook dealer is read as CSV",
        ro_csv(for_dealer(R20, WORKBOOK_DEALER)),
        LOADED_20,
        target=f"{WORKBOOK_DEALER}/repair_orders/2024-03.xlsx",
    ),
    case(
        "legacy_xls",
        "workbook",
        "an Excel 97-2003 file is rejected, naming the format",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        Expect("rejected", "unsupported_format", reason_has="97-2003"),
    ),
    case(
        "pdf",
        "workbook",
        "a PDF is rejected, naming the format",
        b"%PDF-1.7\n%binary\n",
        Expect("rejected", "unsupported_format", reason_has="PDF"),
    ),
]

# every row rule of the repair-order contract, and the two of other feeds
for _id, _row, _rule, _over in (
    ("rule_vin_invalid", 3, "vin_invalid", {"vin": "1M8GDM9A1KP042788"}),
    ("rule_unparseable_date", 4, "unparseable_date", {"arrived_at": "2024-02-30 09:00"}),
    ("rule_unparseable_amount", 5, "unparseable_amount", {"labour_amount": "1,2,3"}),
    ("rule_unknown_category", 6, "unknown_category", {"ro_category": "tyre_service"}),
    ("rule_required_missing", 7, "required_missing", {"ro_no": ""}),
    ("rule_future_timestamp", 8, "future_timestamp", {"settled_at": "2099-01-01 10:00"}),
    ("rule_before_2000", 9, "future_timestamp", {**_dated("1999-12", 31)}),
    ("rule_timestamp_order", 10, "timestamp_order", {"delivered_at": "2024-03-05 08:00"}),
    ("rule_negative_amount", 11, "negative_amount", {"total_amount": "-300.00"}),
    ("rule_id_as_number", 12, "required_missing", {"ro_no": "1.38E+10"}),
):
    _content, _expect = one_bad(_row, _rule, **_over)
    CASES.append(case(_id, "row rule", f"`{_rule}`: {_over}", _content, _expect))

_R40 = ros(40)
CASES += [
    case(
        "rule_malformed_row",
        "row rule",
        "`malformed_row`: a record of the wrong width",
        *malformed(13, lambda line: line + ",extra"),
    ),
    case(
        "rule_conflicting_duplicate",
        "row rule",
        "`conflicting_duplicate`: both copies of a key with different values are quarantined",
        ro_csv(with_row(_R40, 9, ro_no="RO00003", total_amount="301.00", labour_amount="101.00")),
        Expect(
            "loaded",
            rows=(40, 38, 2, 0),
            quarantined={3: "conflicting_duplicate", 9: "conflicting_duplicate"},
        ),
    ),
    case(
        "identical_duplicate",
        "row rule",
        "an identical copy of a row counts as duplicate; the first loads",
        ro_csv([*R20, R20[4]]),
        Expect("loaded", rows=(21, 20, 0, 1)),
    ),
    case(
        "negative_amount_on_void",
        "row rule",
        "a negative amount on a void order loads",
        ro_csv(with_row(R20, 2, status="void", total_amount="-300.00")),
        LOADED_20,
    ),
    case(
        "rule_score_out_of_scale",
        "row rule",
        "`score_out_of_scale`: a survey score above the scale's maximum",
        survey_csv([str(i % 10 + 1) for i in range(1, 20)] + ["11"]),
        one_quarantined(20, "score_out_of_scale"),
        target="D001/survey_responses/2024-03.csv",
    ),
    case(
        "rule_response_before_receipt",
        "row rule",
        "`response_before_receipt`: a complaint answered before it was received",
        complaints_csv(20, bad_row=2),
        one_quarantined(2, "response_before_receipt"),
        target="D001/complaints/2024-03.csv",
    ),
]
_later = _dated("2024-03", 9)
for _id, _row, _flag, _over in (
    ("flag_promised_missing", 2, "promised_missing", {"promised_at": ""}),
    (
        "flag_promised_before_arrival",
        3,
        "promised_before_arrival",
        {"promised_at": "2024-03-05 08:00"},
    ),
    ("flag_odometer_rollback_in_file", 5, "odometer_rollback", {**_later, "odometer_km": "10"}),
    ("flag_phone_invalid", 6, "phone_invalid", {"customer_phone": "12345"}),
    ("flag_plate_invalid", 7, "plate_invalid", {"plate_no": "ABC"}),
):
    _content, _expect = flagged(_row, _flag, **_over)
    CASES.append(case(_id, "flag", f"`{_flag}`: {_over}", _content, _expect))

CASES += [
    case(
        "flag_odometer_rollback_history",
        "flag",
        "`odometer_rollback` compares with the VIN's earlier maximum in the landed history",
        ro_csv(with_row(R20, 1, vin=OTHER_VIN, odometer_km="100")),
        Expect("loaded", rows=(20, 20, 0, 0), flags={1: "odometer_rollback"}),
        earlier=(
            {
                "D001/repair_orders/2024-02.csv": ro_csv(
                    ros(1, "2024-02", prefix="P", vin=OTHER_VIN, odometer_km="90000")
                )
            },
        ),
    ),
    # thresholds
    case(
        "quarantine_share_at_limit",
        "threshold",
        "exactly 5 % quarantined: not more than 5 %, the file loads",
        ro_csv(with_row(R20, 1, vin="BADVIN")),
        one_quarantined(1, "vin_invalid"),
    ),
    case(
        "quarantine_share_over_limit",
        "threshold",
        "10 % quarantined: the file is rejected and every row kept in quarantine",
        ro_csv(with_row(with_row(R20, 1, vin="BADVIN"), 2, vin="BADVIN2")),
        Expect(
            "rejected",
            "quarantine_share",
            rows=(20, 0, 20, 0),
            quarantined={1: "vin_invalid", 2: "vin_invalid"}
            | {i: "file_rejected" for i in range(3, 21)},
            reason_has="10.0%",
        ),
    ),
    case(
        "volume_at_limit",
        "threshold",
        "12 rows against a median of 40 (exactly 30 %) are not held",
        ro_csv(ros(12)),
        Expect("loaded", rows=(12, 12, 0, 0)),
        earlier=(_history(),),
    ),
    case(
        "volume_under_limit",
        "threshold",
        "11 rows against a median of 40 (27.5 %) are held, every row withheld",
        ro_csv(ros(11)),
        Expect(
            "held",
            "gate",
            rows=(11, 0, 11, 0),
            quarantined={i: "file_held" for i in range(1, 12)},
            reason_has="volume.trailing_median",
        ),
        earlier=(_history(),),
    ),
    case(
        "volume_released",
        "threshold",
        "a held file released after review lands every row, keeping the hold reason",
        ro_csv(ros(11)),
        Expect(
            "released",
            "released after hold",
            rows=(11, 11, 0, 0),
            reason_has="volume.trailing_median",
        ),
        earlier=(_history(),),
        release=True,
    ),
    # same content
    case(
        "same_content_same_name",
        "same content",
        "the same file again is skipped",
        CLEAN,
        Expect("skipped", reason_has="same content already loaded"),
        earlier=({RO: CLEAN},),
    ),
    case(
        "same_content_other_name",
        "same content",
        "a byte-identical copy under another month's name is skipped, naming the original",
        ro_csv(ros(20, "2024-02")),
        Expect("skipped", reason_has="same content as D001/repair_orders/2024-02.csv"),
        earlier=({"D001/repair_orders/2024-02.csv": ro_csv(ros(20, "2024-02"))},),
    ),
    Case(
        "same_content_other_name_same_run",
        "same content",
        "two byte-identical files in one run: the later name is skipped",
        {
            "D001/repair_orders/2024-02.csv": ro_csv(ros(20, "2024-02")),
            RO: ro_csv(ros(20, "2024-02")),
        },
        RO,
        Expect("skipped", reason_has="same content as D001/repair_orders/2024-02.csv"),
    ),
    case(
        "resend_other_content",
        "same content",
        "a corrected resend under the same name replaces the period",
        ro_csv(ros(18, prefix="NEW")),
        Expect("loaded", rows=(18, 18, 0, 0), values={1: {"ro_no": "NEW00001"}}),
        earlier=({RO: CLEAN},),
    ),
]


def write_case(case: Case, inbox: Path, outside: Path) -> None:
    """Put the case's files into `inbox` (a Symlink's file goes to `outside`)."""
    for rel, content in case.files.items():
        path = inbox / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Symlink):
            outside.mkdir(parents=True, exist_ok=True)
            real = outside / path.name
            real.write_bytes(content.content)
            path.symlink_to(real)
        else:
            path.write_bytes(content() if callable(content) else content)


def main(out: Path) -> None:
    for c in CASES:
        if c.id == "rows_300k":
            continue  # generated at test time only
        for i, files in enumerate(c.earlier):
            write_case(
                Case(c.id, c.group, "", files, "", c.expect),
                out / c.id / f"earlier-{i}",
                out / c.id / "outside",
            )
        write_case(c, out / c.id / "inbox", out / c.id / "outside")
    print(f"{len(CASES) - 1} cases written to {out} (rows_300k is generated at test time only)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
