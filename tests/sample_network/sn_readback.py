"""Read generated inbox files back into canonical records, independently of the writer.

Only the header and label vocabularies (docs/architecture.md) are shared with the
generator; parsing, VIN checks and rule checks are implemented here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineWorkbook

from sample_network.dialects import HEADERS, LABELS, SURVEY_ITEM_LABELS, UNKNOWN_VALUES
from sample_network.schema import COLUMNS, ENUMS, KEYS, SURVEY_ITEMS

AS_OF = dt.datetime(2026, 1, 1)
_T = {c: v for v, c in zip(range(10), "0123456789", strict=True)}
_T.update(dict(zip("ABCDEFGH", range(1, 9), strict=True)))
_T.update(dict(zip("JKLMN", range(1, 6), strict=True)))
_T.update({"P": 7, "R": 9})
_T.update(dict(zip("STUVWXYZ", range(2, 10), strict=True)))
_W = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def csv_dicts(path: Path) -> list[dict[str, str]]:
    """The rows of a UTF-8 CSV file with a header, as dicts."""
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def vin_ok(vin: str) -> bool:
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        return False
    r = sum(_T[c] * w for c, w in zip(vin, _W, strict=True)) % 11
    return vin[8] == ("X" if r == 10 else str(r))


def _reverse_labels(feed: str, col: str) -> dict[str, str]:
    out = {label: token for token, label in LABELS.get((feed, col), {}).items()}
    if (feed, col) in UNKNOWN_VALUES:
        token, label = UNKNOWN_VALUES[(feed, col)]
        out[label] = token
    return out


def _parse_ts(text: str) -> dt.datetime:
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日 (\d{1,2})时(\d{2})分", text)
    if m:
        return dt.datetime(*map(int, m.groups()))
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M")


def _parse_date(text: str) -> dt.date:
    m = re.fullmatch(r"(\d{4})[年/](\d{1,2})[月/](\d{1,2})日?", text)
    if m:
        return dt.date(*map(int, m.groups()))
    return dt.date.fromisoformat(text)


def _parse_amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "").removesuffix("元"))


def _canon(feed: str, col: str, kind: str, raw: object) -> object:
    if raw is None or raw == "":
        return None
    if kind == "ts":
        if isinstance(raw, dt.datetime):
            return raw.replace(second=0, microsecond=0) + dt.timedelta(
                minutes=round(raw.second / 60)
            )
        if isinstance(raw, dt.date):  # calamine gives a date for a midnight date-time cell
            return dt.datetime.combine(raw, dt.time())
        return _parse_ts(str(raw))
    if kind == "date":
        return _parse_date(str(raw))
    if kind == "decimal":
        return (
            Decimal(str(raw)).quantize(Decimal("0.01"))
            if isinstance(raw, float)
            else _parse_amount(str(raw))
        )
    if kind == "int":
        if isinstance(raw, float):
            return int(raw)
        return int(str(raw).replace(",", "").removesuffix("公里"))
    if kind == "bool":
        return {"true": True, "false": False, "是": True, "否": False}[str(raw)]
    text = str(raw)
    return _reverse_labels(feed, col).get(text, text)


def read_file(path: Path, feed: str) -> tuple[list[str], list[dict[str, object]]]:
    """(raw header, canonical records) of one inbox file; wide surveys stay wide."""
    types = dict(COLUMNS[feed])
    if path.suffix == ".xlsx":
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = [str(h) for h in sheet[1]]
        body = sheet[2:-1]
        if feed == "survey_responses":
            head = {v[1]: k for k, v in HEADERS[feed].items() if v[1]}
            head.update({label: item for item, label in SURVEY_ITEM_LABELS.items()})
            types = {**types, **dict.fromkeys(SURVEY_ITEMS, "int")}
        else:
            head = {v[1]: k for k, v in HEADERS[feed].items()}
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gbk")
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], rows[1:]
        head = {v[0]: k for k, v in HEADERS[feed].items() if v[0]}
        head.update({k: k for k in types})
    names = [head[h] for h in header]
    records = []
    for row in body:
        records.append({n: _canon(feed, n, types[n], v) for n, v in zip(names, row, strict=True)})
    return header, records


def row_rules(feed: str, rec: dict[str, object], wide: bool) -> set[str]:
    """Row-level rules of feeds.md that the record breaks."""
    found: set[str] = set()
    vin = rec.get("vin")
    if vin is not None and not vin_ok(str(vin)):
        found.add("vin_invalid")
    for col, allowed in ENUMS[feed].items():
        if col in rec and rec[col] is not None and rec[col] not in allowed:
            found.add("unknown_category")
    types = dict(COLUMNS[feed])
    for col, value in rec.items():
        kind = types.get(col)
        negative = kind == "decimal" and value is not None and value < 0  # type: ignore[operator]
        if negative and not (feed == "repair_orders" and rec.get("status") == "void"):
            found.add("negative_amount")
        if kind == "ts" and value is not None and value > AS_OF:  # type: ignore[operator]
            found.add("future_timestamp")
        if kind == "date" and value is not None and value > AS_OF.date():  # type: ignore[operator]
            found.add("future_timestamp")
    first = {"repair_orders": "arrived_at", "complaints": "received_at"}.get(feed)
    later = {
        "repair_orders": ("qc_completed_at", "delivered_at", "settled_at"),
        "complaints": ("first_response_at", "closed_at"),
    }.get(feed, ())
    if first and rec[first] is not None:
        for col in later:
            if rec[col] is not None and rec[col] < rec[first]:  # type: ignore[operator]
                found.add("timestamp_order")
    if feed == "survey_responses":
        if wide:
            scores = [rec[i] for i in SURVEY_ITEMS if rec.get(i) is not None]
            lo, hi = 1, 5
        else:
            scores = [rec["score"]]
            lo, hi = rec["scale_min"], rec["scale_max"]
        if any(not lo <= s <= hi for s in scores):  # type: ignore[operator]
            found.add("score_out_of_scale")
    return found


def file_findings(path: Path, feed: str) -> set[tuple[int, str]]:
    """(row, rule) for every rule broken in the file, duplicates included."""
    _, records = read_file(path, feed)
    wide = path.suffix == ".xlsx" and feed == "survey_responses"
    key_cols = ("dealer_code", "survey_id") if wide else KEYS[feed]
    found: set[tuple[int, str]] = set()
    by_key: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, rec in enumerate(records, start=1):
        for rule in row_rules(feed, rec, wide):
            found.add((i, rule))
        by_key[tuple(rec[k] for k in key_cols)].append(i)
    for rows in by_key.values():
        if len(rows) < 2:
            continue
        distinct = {tuple(sorted(records[r - 1].items(), key=lambda kv: kv[0])) for r in rows}
        if len(distinct) == 1:
            found.update((r, "duplicate_row") for r in rows[1:])
        else:
            found.update((r, "conflicting_duplicate") for r in rows)
    return found
