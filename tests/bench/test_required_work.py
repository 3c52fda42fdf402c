"""The benchmark's required-work measurement parses every workbook and rewrites every
landed partition (counts checked, the rewritten files readable and equal)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from required_work import excel_parse_seconds, partition_write_seconds


def _workbook(rows: int) -> bytes:
    wb = openpyxl.Workbook()
    for i in range(rows):
        wb.active.append([f"R{i}", i, 1.5])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_parse_reads_every_cell_of_every_workbook(tmp_path: Path) -> None:
    for dealer, rows in (("D1", 4), ("D2", 7)):
        folder = tmp_path / dealer / "repair_orders"
        folder.mkdir(parents=True)
        (folder / "2024-01.xlsx").write_bytes(_workbook(rows))
    (tmp_path / "D1" / "repair_orders" / "2024-02.csv").write_text("a,b\n1,2\n")
    result = excel_parse_seconds(tmp_path, workers=1)
    assert result["files"] == 2
    assert result["cells"] == (4 + 7) * 3
    assert result["seconds"] > 0


def test_partition_writes_rewrite_each_landed_partition(tmp_path: Path) -> None:
    landed = tmp_path / "landed"
    tables = {}
    for dealer, period in (("D1", "2024-01"), ("D1", "2024-02"), ("D2", "2024-01")):
        target = landed / "repair_orders" / f"dealer_code={dealer}" / f"period={period}"
        target.mkdir(parents=True)
        table = pa.table({"ro_no": [f"{dealer}-{period}-{i}" for i in range(5)]})
        pq.write_table(table, target / "data.parquet")
        tables[(dealer, period)] = table
    scratch = tmp_path / "scratch"
    result = partition_write_seconds(landed, scratch, workers=2)
    assert result["files"] == 3
    written = sorted(scratch.rglob("data.parquet"))
    assert len(written) == 3
    assert not list(scratch.rglob(".*tmp*"))  # renamed into place, no temporary file left
    rows = sorted(r for f in written for r in pq.read_table(f).column("ro_no").to_pylist())
    assert rows == sorted(r for t in tables.values() for r in t.column("ro_no").to_pylist())
