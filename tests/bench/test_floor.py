"""The benchmark's read + write floor reads every export of the inbox once, by dialect, with
every value materialised (a GB18030 export decoded first), and writes the rows once per feed."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from floor import measure_floor, plan_floor

from ingestion.settings import Settings

CANONICAL = "dealer_code,ro_no,vin\nD1,R{n}-1,VIN{n}A\nD1,R{n}-2,VIN{n}B\n"
HUAYU = "经销商代码,工单号,车架号\nD2,工单甲,车架乙\nD2,工单丙,车架丁\nD2,工单戊,车架己\n"


@pytest.fixture
def inbox_settings(tmp_path: Path) -> Settings:
    inbox = tmp_path / "inbox"
    for n, month in enumerate(("2024-01", "2024-02")):
        target = inbox / "D1" / "repair_orders" / f"{month}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(CANONICAL.format(n=n), encoding="utf-8")
    gbk = inbox / "D2" / "repair_orders" / "2024-01.csv"
    gbk.parent.mkdir(parents=True)
    gbk.write_bytes(HUAYU.encode("gb18030"))
    workbook = openpyxl.Workbook()
    for row in (["经销商代码", "工单号"], ["D3", "X1"], ["D3", "X2"], ["D3", "X3"], ["D3", "X4"]):
        workbook.active.append(row)
    xlsx = inbox / "D3" / "repair_orders" / "2024-01.xlsx"
    xlsx.parent.mkdir(parents=True)
    workbook.save(xlsx)
    (inbox / "D9" / "repair_orders").mkdir(parents=True)  # not in the master: not read
    (inbox / "D9" / "repair_orders" / "2024-01.csv").write_text(CANONICAL.format(n=9))
    master = tmp_path / "dealers.csv"
    master.write_text(
        "dealer_code,dms_vendor\nD1,oem_dms\nD2,huayu_dms\nD3,jinqiao_xlsx\n", encoding="utf-8"
    )
    return Settings(inbox=inbox, dealer_master=master, lake=tmp_path / "lake", env="test")


def test_plan_groups_files_by_dialect_and_header(inbox_settings: Settings) -> None:
    plan = plan_floor(inbox_settings)
    groups = sorted((g.header[0], len(g.files)) for g in plan.csv_groups)
    assert groups == [("dealer_code", 2), ("经销商代码", 1)]
    assert [p.name for p in plan.workbooks["repair_orders"]] == ["2024-01.xlsx"]


def test_floor_reads_every_value_and_writes_once_per_feed(
    inbox_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "floor"
    floor = measure_floor(inbox_settings, out, workers=1, repeats=2)
    stats = floor["repair_orders"]
    # 2 + 2 canonical rows, 3 decoded GB18030 rows, 5 workbook rows (calamine reads the
    # header row as a value too: a bare reader does not know it is one)
    assert stats["rows"] == 2 + 2 + 3 + 5
    assert stats["files"] == 4
    assert stats["seconds"] == pytest.approx(stats["read_seconds"] + stats["write_seconds"])
    assert stats["read_seconds"] > 0 and stats["write_seconds"] > 0
    csv_rows = duckdb.sql(f"SELECT * FROM '{out / 'repair_orders.parquet'}'").fetchall()
    values = {v for row in csv_rows for v in row if v is not None}
    assert {"R0-1", "VIN1B", "工单甲", "车架己"} <= values  # decoded, not mojibake
    workbook_rows = duckdb.sql(
        f"SELECT * FROM '{out}/repair_orders-workbooks-*.parquet'"
    ).fetchall()
    assert sorted(r[1] for r in workbook_rows) == ["X1", "X2", "X3", "X4", "工单号"]
