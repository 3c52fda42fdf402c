from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from python_calamine import CalamineWorkbook
from sn_readback import read_file

from ingestion.settings import PROJECT_ROOT
from sample_network.dialects import HEADERS
from sample_network.schema import COLUMNS, FEED_NAMES

# what ingestion reads from a Jinqiao export (its dialect configuration)
JINQIAO_DIALECT = yaml.safe_load(
    (PROJECT_ROOT / "ingestion" / "config" / "dialects" / "jinqiao_xlsx_report.yaml").read_text(
        encoding="utf-8"
    )
)


def _dealers(out: Path) -> dict[str, dict[str, str]]:
    with (out / "master" / "dealers.csv").open(encoding="utf-8") as fh:
        return {d["dealer_code"]: d for d in csv.DictReader(fh)}


def _one(out: Path, vendor: str, feed: str) -> Path:
    """The largest file of the feed among the vendor's dealers."""
    codes = [c for c, d in _dealers(out).items() if d["dms_vendor"] == vendor]
    files = sorted(f for c in codes for f in (out / "inbox" / c / feed).iterdir())
    return max(files, key=lambda p: (p.stat().st_size, str(p)))


@pytest.mark.parametrize("feed", FEED_NAMES)
def test_canonical_csv_is_utf8_with_canonical_headers(
    network: tuple[Path, dict], feed: str
) -> None:
    out, _ = network
    path = _one(out, "oem_dms", feed)
    text = path.read_bytes().decode("utf-8")
    header = text.splitlines()[0].split(",")
    assert header == [name for name, _ in COLUMNS[feed]]
    _, records = read_file(path, feed)
    assert records
    row = next(csv.DictReader(text.splitlines()))
    for name, kind in COLUMNS[feed]:
        value = row[name]
        if not value:
            continue
        if kind == "ts":
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", value), value
        elif kind == "date":
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), value
        elif kind == "decimal":
            assert re.fullmatch(r"-?\d+\.\d{2}", value), value
        elif kind == "bool":
            assert value in ("true", "false")


@pytest.mark.parametrize("feed", FEED_NAMES)
def test_huayu_is_gbk_with_chinese_headers_and_formats(
    network: tuple[Path, dict], feed: str
) -> None:
    out, _ = network
    path = _one(out, "huayu_dms", feed)
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gbk")
    header = next(csv.reader(text.splitlines()))
    assert header == [HEADERS[feed][name][0] for name, _ in COLUMNS[feed]]
    _, records = read_file(path, feed)
    assert records
    if feed == "repair_orders":
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}时\d{2}分", text)
        assert re.search(r'"\d{1,3}(,\d{3})+\.\d{2}元"', text)  # thousands-grouped amount
        assert re.search(r"\d公里", text)
        assert {"已结算", "保养"} <= set(re.findall(r"[\u4e00-\u9fff]+", text))
    if feed == "vehicle_sales":
        assert re.search(r",\d{4}年\d{1,2}月\d{1,2}日,", text)


@pytest.mark.parametrize("feed", FEED_NAMES)
def test_jinqiao_xlsx_report_layout(network: tuple[Path, dict], feed: str) -> None:
    out, _ = network
    path = _one(out, "jinqiao_xlsx", feed)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    dealer = _dealers(out)[path.parent.parent.name]
    title = rows[0][0]
    assert title.startswith(dealer["dealer_name"]) and re.search(r"\d{4}年\d{2}月$", title)
    assert title.endswith(f"{path.stem[:4]}年{path.stem[5:]}月")
    assert rows[-1][0] == "合计"
    header = rows[1]
    if feed == "survey_responses":
        # the item columns the ingestion dialect melts, in its order
        assert header[-6:] == list(JINQIAO_DIALECT["feeds"]["survey_responses"]["melt"]["items"])
        scores = [v for r in rows[2:-1] for v in r[-6:] if v != ""]
        assert scores and all(isinstance(v, float) for v in scores)
        assert sum(1 <= v <= 5 for v in scores) >= 0.97 * len(scores)
    else:
        assert header == [HEADERS[feed][name][1] for name, _ in COLUMNS[feed]]
    kinds = dict(COLUMNS[feed])
    names = [name for name, _ in COLUMNS[feed]] if feed != "survey_responses" else None
    if names:
        data = rows[2:-1]
        assert data
        for i, name in enumerate(names):
            values = [r[i] for r in data if r[i] != ""]
            if not values:
                continue
            if kinds[name] == "ts":
                assert all(isinstance(v, dt.datetime) for v in values), name
            elif kinds[name] == "date":
                assert all(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", v) for v in values), name
            elif kinds[name] == "decimal":
                assert all(isinstance(v, float) for v in values), name
                total = sum(values)
                assert rows[-1][i] == pytest.approx(total, abs=0.01)
            elif name in ("vin", "customer_phone", "ro_no"):
                assert all(isinstance(v, str) for v in values), name
    _, records = read_file(path, feed)
    assert len(records) == len(rows) - 3


def test_xlsx_is_readable_by_openpyxl_with_fixed_properties(network: tuple[Path, dict]) -> None:
    from openpyxl import load_workbook

    out, _ = network
    path = _one(out, "jinqiao_xlsx", "repair_orders")
    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert ws.max_row == len(rows) and rows[-1][0] == "合计"
    assert isinstance(rows[2][5], dt.datetime)  # 开单时间 as a date-time cell
    assert wb.properties.created == wb.properties.modified == dt.datetime(2026, 1, 1)
