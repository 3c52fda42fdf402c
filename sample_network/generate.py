"""Generate a whole sample dealer network: master, inbox files and the truth manifest."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sample_network.config import REFERENCE_DATE, GeneratorConfig
from sample_network.dealers import Dealer, build_dealers, master_rows
from sample_network.defects import RULES, WIDE_SURVEY, Planted, plant_defects
from sample_network.dialects import DIALECT_OF_VENDOR, FEED_TITLES
from sample_network.file_events import (
    FileEvent,
    drop_replaced_defects,
    plant_file_events,
    write_file_events,
)
from sample_network.render import columns_of, csv_lines, headers, pivot_wide, xlsx_rows
from sample_network.schema import AMOUNTS, FEED_NAMES, NA_INT
from sample_network.service import build_service_feeds
from sample_network.table import Table
from sample_network.vehicles import Network, plan_dealer
from sample_network.xlsx import column_letter, number_cell, text_cell, write_xlsx

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)"""

MANIFEST_COLUMNS = ("file", "row", "feed", "dealer_code", "defect", "rule")
OUTPUT_PARTS = ("master", "inbox", "truth")


class OutputExistsError(RuntimeError):
    """The output folder already holds a network and overwriting was not requested."""


def _prepare(out: Path, force: bool) -> None:
    existing = [out / part for part in OUTPUT_PARTS if (out / part).exists()]
    if existing and not force:
        raise OutputExistsError(
            f"{out} already contains a generated network; pass force to replace it"
        )
    for path in existing:
        shutil.rmtree(path)
    for part in OUTPUT_PARTS:
        (out / part).mkdir(parents=True, exist_ok=True)


def _month_label(month: int) -> str:
    return f"{month // 12 + 1970:04d}-{month % 12 + 1:02d}"


def _active_months(net: Network, dealer: Dealer) -> list[int]:
    months = range(net.start_month, net.start_month + net.n_months)
    out = []
    for m in months:
        first = dt.date(m // 12 + 1970, m % 12 + 1, 1)
        if dealer.active_in(first):
            out.append(m)
    return out


def _write_csv_files(base: Path, table: Table, dialect: str, months: list[int]) -> dict[int, int]:
    lines = csv_lines(table, dialect)
    header = ",".join(headers(table.feed, dialect))
    encoding = "gbk" if dialect == "huayu_gbk_csv" else "utf-8"
    counts: dict[int, int] = {}
    bounds = _bounds(table.period, months)
    for m in months:
        a, b = bounds[m]
        body = "\n".join([header, *lines[a:b]]) + "\n"
        (base / f"{_month_label(m)}.csv").write_bytes(body.encode(encoding))
        counts[m] = b - a
    return counts


def _bounds(period: np.ndarray, months: list[int]) -> dict[int, tuple[int, int]]:
    lo = np.searchsorted(period, months, side="left")
    hi = np.searchsorted(period, months, side="right")
    return {m: (int(a), int(b)) for m, a, b in zip(months, lo, hi, strict=True)}


def _write_xlsx_files(
    base: Path, table: Table, dealer: Dealer, months: list[int]
) -> dict[int, int]:
    bounds = _bounds(table.period, months)
    row_numbers = np.zeros(len(table), dtype=np.int64)
    for a, b in bounds.values():
        row_numbers[a:b] = np.arange(b - a) + 3  # title row 1, header row 2
    rows = xlsx_rows(table, row_numbers)
    names = headers(table.feed, "jinqiao_xlsx_report")
    feed = "survey_responses" if table.feed == WIDE_SURVEY else table.feed
    amount_cols = [
        i for i, (n, _) in enumerate(columns_of(table.feed)) if n in AMOUNTS.get(feed, ())
    ]
    header_xml = (
        '<row r="2">'
        + "".join(text_cell(f"{column_letter(i)}2", h) for i, h in enumerate(names))
        + "</row>"
    )
    counts: dict[int, int] = {}
    for m in months:
        a, b = bounds[m]
        title = f"{dealer.name} {FEED_TITLES[feed]} {m // 12 + 1970}年{m % 12 + 1:02d}月"
        total_r = b - a + 3
        total = [text_cell(f"A{total_r}", "合计")]
        if amount_cols:
            col_names = list(table.cols)
            for i in amount_cols:
                values = table.cols[col_names[i]][a:b]
                cents = int(values[values != NA_INT].sum())
                total.append(number_cell(f"{column_letter(i)}{total_r}", round(cents / 100, 2)))
        else:
            total.append(text_cell(f"B{total_r}", f"共{b - a}条"))
        sheet_rows = [
            f'<row r="1">{text_cell("A1", title)}</row>',
            header_xml,
            *rows[a:b],
            f'<row r="{total_r}">' + "".join(total) + "</row>",
        ]
        dimension = f"A1:{column_letter(len(names) - 1)}{total_r}"
        write_xlsx(base / f"{_month_label(m)}.xlsx", sheet_rows, dimension)
        counts[m] = b - a
    return counts


def generate(config: GeneratorConfig, progress: Progress | None = None) -> dict[str, object]:
    """Generate the network described by ``config`` and return its summary."""
    started = time.perf_counter()
    out = Path(config.out)
    _prepare(out, config.force)
    dealers = build_dealers(config)
    net = Network(config, dealers)
    plans = []
    for i, dealer in enumerate(dealers):
        plans.append(plan_dealer(net, dealer))
        if progress:
            progress("planning vehicles", i + 1, len(dealers))

    inbox = out / "inbox"
    manifest: list[dict[str, object]] = []
    rows_per_feed: Counter[str] = Counter()
    files_per_feed: Counter[str] = Counter()
    for i, dealer in enumerate(dealers):
        dialect = DIALECT_OF_VENDOR[dealer.dms_vendor]
        months = _active_months(net, dealer)
        feeds = build_service_feeds(net, plans, dealer.index)
        for f_idx, feed in enumerate(FEED_NAMES):
            table = feeds.tables[feed]
            table.check_columns()
            in_range = (table.period >= months[0]) & (table.period <= months[-1])
            table = table.take(np.flatnonzero(in_range)) if not in_range.all() else table
            scale_max = 10
            if feed == "survey_responses" and dialect == "jinqiao_xlsx_report":
                table = pivot_wide(table)
                scale_max = 5
            rng = np.random.default_rng([config.seed, dealer.index, 5, f_idx])
            table, planted = plant_defects(table, config.defect_rate, rng, scale_max)
            base = inbox / dealer.code / feed
            base.mkdir(parents=True, exist_ok=True)
            if dialect == "jinqiao_xlsx_report":
                counts = _write_xlsx_files(base, table, dealer, months)
                ext = "xlsx"
            else:
                counts = _write_csv_files(base, table, dialect, months)
                ext = "csv"
            rows_per_feed[feed] += sum(counts.values())
            files_per_feed[feed] += len(counts)
            manifest.extend(_manifest_rows(planted, dealer.code, feed, ext))
        if progress:
            progress("writing dealer files", i + 1, len(dealers))

    events: list[FileEvent] = []
    if config.file_events:
        labels = [_month_label(m) for m in range(net.start_month, net.start_month + net.n_months)]
        events = plant_file_events(inbox, dealers, DIALECT_OF_VENDOR, labels)
        manifest = drop_replaced_defects(manifest, events)
        write_file_events(out / "truth" / "file_events.csv", events)
    _write_master(out / "master" / "dealers.csv", dealers)
    _write_manifest(out / "truth" / "manifest.csv", manifest)
    summary: dict[str, object] = {
        "seed": config.seed,
        "dealers": config.dealers,
        "months": config.n_months,
        "start_month": config.start_month,
        "end_month": _month_label(net.start_month + net.n_months - 1),
        "as_of": REFERENCE_DATE.isoformat(),
        "defect_rate": config.defect_rate,
        "sales_per_month": config.sales_per_month,
        "park_vehicles": config.park_vehicles,
        "dealers_by_vendor": dict(sorted(Counter(d.dms_vendor for d in dealers).items())),
        "dealers_by_outlet_type": dict(sorted(Counter(d.outlet_type for d in dealers).items())),
        "regions": sorted({d.region.code for d in dealers}),
        "files": dict(files_per_feed),
        "rows": dict(rows_per_feed),
        "defects": dict(sorted(Counter(str(m["defect"]) for m in manifest).items())),
        "manifest_entries": len(manifest),
        "file_events": [f"{e.event} {e.dealer_code}/{e.feed}/{e.period}" for e in events],
    }
    (out / "truth" / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return {**summary, "elapsed_seconds": round(time.perf_counter() - started, 2)}


def _manifest_rows(
    planted: list[Planted], code: str, feed: str, ext: str
) -> list[dict[str, object]]:
    return [
        {
            "file": f"{code}/{feed}/{_month_label(p.period)}.{ext}",
            "row": p.row,
            "feed": feed,
            "dealer_code": code,
            "defect": p.defect,
            "rule": RULES[p.defect],
        }
        for p in planted
    ]


def _write_master(path: Path, dealers: list[Dealer]) -> None:
    rows = master_rows(dealers)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _write_manifest(path: Path, manifest: list[dict[str, object]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(MANIFEST_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(manifest)
    path.write_text(buf.getvalue(), encoding="utf-8")
