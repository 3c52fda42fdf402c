"""A DMS dialect the project ships no profile for, rendered from a dealer's canonical files.

The "Tianma" export of issue-style hostility: `.txt` files, `;` delimiter, GB18030, a
title line and an export-time line above the header, Traditional Chinese headers and
labels, dates `2024.03.05` and timestamps `2024.03.05 14:30`, full-width digits in the
odometer, `元` amounts, a label of its own (`定保`), `未填` for a blank date, a wide survey whose item columns are
`評分_<item>` with the scale bounds as columns, and a `合計;共N筆;…` total row stating the
row count and the sums of the amount columns. Same facts as the canonical files, so a
correct profile gives the same marts.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from opencc import OpenCC

from ingestion.contracts import FEEDS
from sample_network.dialects import FEED_TITLES, HEADERS, LABELS, TRUE_FALSE

_S2T = OpenCC("s2t")
NULL_TOKEN = "未填"
ITEM_PREFIX = "評分_"
DELIMITER = ";"
ENCODING = "gb18030"
EXPORTED_AT = "導出時間：2026.01.01 08:00"
# a label of the Tianma DMS that no shipped vocabulary knows: the profile author maps it
OWN_LABELS = {("repair_orders", "ro_category"): {"paid_maintenance": "定保"}}
SURVEY_IDS = ("dealer_code", "survey_id", "ro_no", "vin", "surveyed_at", "scale_min", "scale_max")


def trad(text: str) -> str:
    return _S2T.convert(text)


def header(feed: str, column: str) -> str:
    return trad(HEADERS[feed][column][0])


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _cell(feed: str, column: str, value: str) -> str:
    spec = next(c for c in FEEDS[feed].columns if c.name == column)
    if value == "":
        return NULL_TOKEN if spec.type in ("date", "ts") else ""
    if spec.type in ("date", "ts"):
        return value.replace("-", ".")
    if spec.type == "decimal":
        whole, _, cents = value.partition(".")
        sign = "-" if whole.startswith("-") else ""
        return f"{sign}{int(whole.lstrip('-')):,}.{cents or '00'}元"
    if column == "odometer_km":
        return _full_width(value)
    if spec.type == "bool":
        yes, no = TRUE_FALSE["huayu_gbk_csv"]
        return yes if value == "true" else no
    own = OWN_LABELS.get((feed, column), {})
    if value in own:
        return own[value]
    labels = LABELS.get((feed, column))
    if labels and value in labels:
        return trad(labels[value])
    return value


def _amount_columns(feed: str, columns: list[str]) -> list[str]:
    return [c.name for c in FEEDS[feed].columns if c.type == "decimal" and c.name in columns]


def _total_row(feed: str, columns: list[str], rows: list[dict[str, str]]) -> list[str]:
    out = [""] * len(columns)
    out[0], out[1] = "合計", f"共{len(rows)}筆"
    for column in _amount_columns(feed, columns):
        cents = sum(round(float(r[column]) * 100) for r in rows if r[column])
        out[columns.index(column)] = f"{cents // 100:,}.{cents % 100:02d}元"
    return out


def _wide_survey(rows: list[dict[str, str]]) -> tuple[list[str], list[list[str]]]:
    items = list(LABELS[("survey_responses", "item_code")])
    by_survey: dict[str, dict[str, str]] = {}
    for row in rows:
        wide = by_survey.setdefault(row["survey_id"], {c: row[c] for c in SURVEY_IDS})
        wide[row["item_code"]] = row["score"]
    head = [header("survey_responses", c) for c in SURVEY_IDS]
    head += [ITEM_PREFIX + trad(LABELS[("survey_responses", "item_code")][i]) for i in items]
    body = [
        [_cell("survey_responses", c, w[c]) for c in SURVEY_IDS] + [w.get(i, "") for i in items]
        for w in by_survey.values()
    ]
    return head, body


def render(feed: str, canonical_csv: str, dealer_code: str) -> bytes:
    """One canonical CSV export as the Tianma DMS writes it."""
    reader = csv.DictReader(io.StringIO(canonical_csv))
    columns = list(reader.fieldnames or [])
    rows = list(reader)
    if feed == "survey_responses":
        head, body = _wide_survey(rows)
        total = ["合計", f"共{len(body)}筆"] + [""] * (len(head) - 2)
    else:
        head = [header(feed, c) for c in columns]
        body = [[_cell(feed, c, r[c]) for c in columns] for r in rows]
        total = _total_row(feed, columns, rows)
    out = io.StringIO()
    out.write(f"{dealer_code} {trad(FEED_TITLES[feed])}\n{EXPORTED_AT}\n")
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\n")
    writer.writerows([head, *body, total])
    return out.getvalue().encode(ENCODING)


def export_dealer(inbox: Path, dealer_code: str, target: Path) -> list[Path]:
    """Render every canonical file of a dealer into `target/<dealer>/<feed>/<YYYY-MM>.txt`."""
    written = []
    for source in sorted((inbox / dealer_code).glob("*/*.csv")):
        feed = source.parent.name
        path = target / dealer_code / feed / (source.stem + ".txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render(feed, source.read_text(encoding="utf-8-sig"), dealer_code))
        written.append(path)
    return written
