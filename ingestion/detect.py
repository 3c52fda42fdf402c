"""Detect how a dealer export is written, from its content (`aftersales feeds check` / `add`).

Each finding carries a confidence in [0, 1] and the evidence it rests on, and becomes a line
of a dialect profile: file format (a workbook is recognised by its bytes, whatever its
name), encoding, delimiter, quote character, header row (title and export-time lines above
it skipped), total row (合计 / 合計 / full-width spellings) and what it states, date and
timestamp formats, null tokens, wide-survey item columns and the file-name pattern.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import yaml

from ingestion.contracts import DEALER_FEEDS
from ingestion.normalize import marker_variants, normalize_header, normalize_label
from ingestion.readers.decode import decode_bytes
from ingestion.readers.sniff import sniff
from ingestion.readers.table_shape import HEADER_SCAN_ROWS, detect_header_row

DELIMITERS = (",", ";", "\t", "|")
QUOTES = ('"', "'")
TOTAL_MARKERS = ("合计", "小计", "总计")
ROW_COUNT_PATTERN = r"共\s*(?P<n>[0-9]+)"
NULL_TOKEN_CANDIDATES = ("未填", "无", "暂无", "空", "-", "--", "/", "N/A", "NA", "NULL", "null")
DATE_CANDIDATES = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y%m%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%m/%d/%Y",
)
TS_CANDIDATES = (
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y%m%d %H:%M",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y.%m.%d %H:%M:%S",
)
PERIOD_IN_NAME = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
PERIOD_GROUP = r"(?P<period>\d{4}-(0[1-9]|1[0-2]))"
ITEM_SEPARATORS = "_-:："
MIN_ITEM_COLUMNS = 3


@dataclass(frozen=True)
class Finding:
    setting: str
    value: object
    confidence: float
    evidence: str


@dataclass
class Detection:
    """What a file's content says about its dialect; `records` are its parsed lines."""

    format: str
    encoding: str = ""
    delimiter: str = ","
    quotechar: str = '"'
    header_row: int = 1
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    total_row: list[str] | None = None
    total_markers: list[str] = field(default_factory=list)
    date_formats: list[str] = field(default_factory=list)
    timestamp_formats: list[str] = field(default_factory=list)
    null_tokens: dict[str, list[str]] = field(default_factory=dict)  # header -> tokens
    item_pattern: str | None = None
    file_pattern: str | None = None
    row_count_stated: int | None = None
    findings: list[Finding] = field(default_factory=list)

    def note(self, setting: str, value: object, confidence: float, evidence: str) -> None:
        self.findings.append(Finding(setting, value, round(confidence, 2), evidence))

    def profile_settings(self) -> dict[str, object]:
        """The detected settings as dialect-profile keys."""
        out: dict[str, object] = {"format": self.format}
        if self.format == "csv":
            out.update(delimiter=self.delimiter, quotechar=self.quotechar)
        out["header_row"] = self.header_row
        if self.total_row is not None:
            out["total_row_markers"] = list(TOTAL_MARKERS)
        if self.date_formats:
            out["date_formats"] = self.date_formats
        if self.timestamp_formats:
            out["timestamp_formats"] = self.timestamp_formats
        if self.file_pattern:
            out["file_pattern"] = self.file_pattern
        return out

    def profile_lines(self) -> str:
        return yaml.safe_dump(
            self.profile_settings(), allow_unicode=True, sort_keys=False, width=100
        )


def _fits(values: list[str], fmt: str) -> bool:
    try:
        for v in values:
            dt.datetime.strptime(v, fmt)
    except ValueError:
        return False
    return bool(values)


def guess_formats(values: list[str], candidates: tuple[str, ...]) -> list[str]:
    """The first candidate format every value fits (a list of at most one)."""
    return [f for f in candidates if _fits(values, f)][:1]


@cache
def all_header_hints() -> frozenset[str]:
    """Every header the vocabulary knows, for every feed (finds the header row)."""
    from ingestion.vocabulary import melt_vocabulary, vocabulary

    hints: set[str] = set()
    for feed in DEALER_FEEDS:
        hints |= set(vocabulary(feed)) | set(melt_vocabulary(feed))
    return frozenset(hints)


def _records(text: str, delimiter: str, quotechar: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    try:
        return [r for r in reader if any(c.strip() for c in r)]
    except csv.Error:
        return []


def _width_consistency(records: list[list[str]]) -> tuple[float, int]:
    """(share of records with the most common width, that width)."""
    if not records:
        return 0.0, 0
    widths = Counter(len(r) for r in records)
    width, n = widths.most_common(1)[0]
    return n / len(records), width


def _sniff_delimiter(lines: list[str]) -> tuple[str, float, str]:
    best: tuple[float, int, str] = (-1.0, 0, ",")
    for d in DELIMITERS:
        share, width = _width_consistency(_records("\n".join(lines), d, '"'))
        if width > 1 and (share, width) > best[:2]:
            best = (share, width, d)
    share, width, delimiter = best
    if share < 0:
        return ",", 0.0, "no delimiter splits the lines into columns"
    name = {"\t": "tab"}.get(delimiter, repr(delimiter))
    return delimiter, share, f"{share:.0%} of the lines have {width} fields split by {name}"


def _sniff_quote(text: str, delimiter: str) -> tuple[str, float, str]:
    d = re.escape(delimiter)
    hits = {}
    for q in QUOTES:
        qe = re.escape(q)
        hits[q] = len(re.findall(rf"(?:^|{d}){qe}[^{qe}\n]*{qe}(?={d}|\r?$)", text, re.M))
    quote = max(QUOTES, key=lambda q: hits[q])
    if hits[quote] == 0:
        return '"', 0.5, "no quoted field seen; the standard double quote assumed"
    other = sum(hits.values()) - hits[quote]
    share = hits[quote] / (hits[quote] + other)
    return quote, share, f"{hits[quote]} fields enclosed in {quote}"


def _header_index(records: list[list[str]], width: int) -> tuple[int, float, str]:
    hints = all_header_hints()
    h = detect_header_row(records, hints)
    head = records[h] if records else []
    known = sum(1 for c in head if normalize_header(c) in hints)
    if known == 0:  # nothing known: the first record as wide as the table
        h = next((i for i, r in enumerate(records[:HEADER_SCAN_ROWS]) if len(r) == width), 0)
        return h, 0.5, "no known header name; the first line as wide as the data"
    cells = sum(1 for c in head if c.strip()) or 1
    skipped = f", {h} title line(s) above it skipped" if h else ""
    return h, known / cells, f"{known} of {cells} header cells are known names{skipped}"


def _total_row(rows: list[list[str]]) -> tuple[int | None, str | None]:
    """Index of a trailing total row among the data rows and the marker it starts with."""
    variants = tuple(normalize_label(m) for m in marker_variants(TOTAL_MARKERS))
    for i in range(len(rows) - 1, max(len(rows) - 4, -1), -1):
        first = next((c.strip() for c in rows[i] if c.strip()), "")
        if first and normalize_label(first).startswith(variants):
            return i, first
    return None, None


def _date_formats(columns: list[list[str]]) -> tuple[list[str], list[str]]:
    dates: list[str] = []
    stamps: list[str] = []
    for values in columns:
        sample = [unicodedata.normalize("NFKC", v).strip() for v in values[:200]]
        sample = [v for v in sample if v and v not in NULL_TOKEN_CANDIDATES]
        if not sample or not any(ch.isdigit() for ch in sample[0]):
            continue
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", sample[0]) and not re.fullmatch(r"\d{8}", sample[0]):
            continue
        ts = guess_formats(sample, TS_CANDIDATES)
        if ts and ts[0] not in stamps:
            stamps.append(ts[0])
        elif not ts:
            day = guess_formats(sample, DATE_CANDIDATES)
            if day and day[0] not in dates:
                dates.append(day[0])
    return dates, stamps


def _null_tokens(header: list[str], columns: list[list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    wanted = {normalize_label(t): t for t in NULL_TOKEN_CANDIDATES}
    for name, values in zip(header, columns, strict=False):
        seen = sorted({normalize_label(v) for v in values if normalize_label(v) in wanted})
        if seen:
            out[name] = seen
    return out


def item_pattern(header: list[str]) -> str | None:
    """`<prefix><sep><item>` shared by several headers -> a melt pattern `prefix_(?P<item>.+)`."""
    prefixes: Counter[tuple[str, str]] = Counter()
    for h in header:
        for sep in ITEM_SEPARATORS:
            if sep in h:
                prefix = h.split(sep, 1)[0]
                if prefix:
                    prefixes[(prefix, sep)] += 1
                break
    if not prefixes:
        return None
    (prefix, sep), n = prefixes.most_common(1)[0]
    if n < MIN_ITEM_COLUMNS:
        return None
    return f"{re.escape(normalize_label(prefix))}{re.escape(sep)}(?P<item>.+)"


def file_name_pattern(name: str) -> str | None:
    """The file-name rule for names like `<prefix><YYYY-MM><suffix>` (None without a period)."""
    match = PERIOD_IN_NAME.search(name)
    if match is None:
        return None
    prefix, suffix = name[: match.start()], name[match.end() :]
    extension = re.escape(suffix) if suffix else ""
    return f"^{re.escape(prefix)}{PERIOD_GROUP}{extension}$"


def detect(data: bytes, name: str = "") -> Detection:
    """Detect the dialect settings of one export from its bytes (and its file name)."""
    fmt = "xlsx" if sniff(data) == "xlsx" else "csv"
    det = Detection(format=fmt)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    evidence = "zip archive (an Excel workbook)" if fmt == "xlsx" else "text"
    if suffix and (suffix in ("xlsx", "xlsm")) != (fmt == "xlsx"):
        evidence += f", although the file is called .{suffix}"
    det.note("format", fmt, 1.0, evidence)
    if fmt == "xlsx":
        from ingestion.readers.xlsx_reader import read_sheet_records

        records = read_sheet_records(data)
        det.encoding = "xlsx"
    else:
        text, det.encoding = decode_bytes(data, "auto")
        det.note(
            "encoding",
            "auto",
            1.0 if det.encoding.startswith("utf-8") or text.isascii() else 0.9,
            f"decodes as strict {det.encoding}",
        )
        lines = [ln for ln in text.splitlines() if ln.strip()][:200]
        det.delimiter, conf, why = _sniff_delimiter(lines)
        det.note("delimiter", det.delimiter, conf, why)
        det.quotechar, conf, why = _sniff_quote("\n".join(lines), det.delimiter)
        det.note("quotechar", det.quotechar, conf, why)
        records = _records(text, det.delimiter, det.quotechar)
    _, width = _width_consistency(records)
    h, conf, why = _header_index(records, width)
    det.header_row = h + 1
    det.note("header_row", det.header_row, conf, why)
    if not records:
        return det
    det.header = [normalize_header(c) for c in records[h]]
    body = records[h + 1 :]
    t, marker = _total_row(body)
    if t is not None:
        det.total_row = body[t]
        det.total_markers = list(TOTAL_MARKERS)
        stated = next(
            (
                int(m.group("n"))
                for c in det.total_row
                if (m := re.search(ROW_COUNT_PATTERN, normalize_label(c)))
            ),
            None,
        )
        det.row_count_stated = stated
        states = f", states {stated} rows ({t} data rows above it)" if stated is not None else ""
        det.note(
            "total_row_markers",
            list(TOTAL_MARKERS),
            1.0,
            f"a total row starts with {marker!r}{states}",
        )
        body = body[:t] + body[t + 1 :]
    det.rows = body
    columns = [
        list(col)
        for col in zip(
            *[r[: len(det.header)] for r in body if len(r) >= len(det.header)], strict=False
        )
    ]
    det.date_formats, det.timestamp_formats = _date_formats(columns)
    if det.date_formats or det.timestamp_formats:
        det.note(
            "date/timestamp formats",
            det.date_formats + det.timestamp_formats,
            1.0,
            "every sampled value of the date columns fits",
        )
    det.null_tokens = _null_tokens(det.header, columns)
    if det.null_tokens:
        tokens = sorted({t for ts in det.null_tokens.values() for t in ts})
        det.note("null_tokens", tokens, 0.8, f"in columns {', '.join(det.null_tokens)}")
    det.item_pattern = item_pattern(det.header)
    if det.item_pattern:
        det.note("melt pattern", det.item_pattern, 0.8, "several headers share a prefix")
    if name:
        det.file_pattern = file_name_pattern(name)
        if (
            det.file_pattern
            and det.file_pattern != file_name_pattern("2024-01.csv")
            and not (suffix == "xlsx" and det.file_pattern == file_name_pattern("2024-01.xlsx"))
        ):
            det.note("file_pattern", det.file_pattern, 1.0, f"file name {name}")
        else:
            det.file_pattern = None
    return det
