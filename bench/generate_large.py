"""Time the sample-network generator on the large preset (or a slice of it).

Reports wall time, rows, files and bytes, the small default as a baseline in the same
run (ratio of seconds per repair order), and the xlsx writer against openpyxl write-only
on the same rows. Outputs are deleted after measuring.

    python bench/generate_large.py                 # full large preset (300 dealers x 3 years)
    python bench/generate_large.py --dealers 30    # a 30-dealer slice, extrapolated to 300
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from sample_network import config_for, generate
from sample_network.config import PRESETS


def _size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _run(out: Path, **overrides: object) -> tuple[float, dict[str, object], int, int]:
    started = time.perf_counter()
    summary = generate(config_for(None, out=out, force=True, **overrides))
    elapsed = time.perf_counter() - started
    files, size = _size(out)
    return elapsed, summary, files, size


def _xlsx_writers(rows: int) -> tuple[float, float]:
    """Seconds to write the same RO-like sheet with this package's writer and openpyxl."""
    import datetime as dt

    from openpyxl import Workbook

    from sample_network.xlsx import column_letter, number_cell, text_cell, write_xlsx

    values = [
        [
            "D1001",
            f"RO2401{i:05d}",
            "LSVAB2B35PA144324",
            dt.datetime(2024, 1, 5, 9, 30),
            1280.5,
            345.0,
        ]
        * 4  # 24 columns per row, like a repair order
        for i in range(rows)
    ]
    tmp = Path(tempfile.mkdtemp())
    try:
        started = time.perf_counter()
        xml = []
        for r, row in enumerate(values, start=1):
            cells = []
            for c, v in enumerate(row):
                ref = f"{column_letter(c)}{r}"
                if isinstance(v, str):
                    cells.append(text_cell(ref, v))
                elif isinstance(v, dt.datetime):
                    serial = (v - dt.datetime(1899, 12, 30)).total_seconds() / 86400
                    cells.append(f'<c r="{ref}" s="1"><v>{serial!r}</v></c>')
                else:
                    cells.append(number_cell(ref, v))
            xml.append(f'<row r="{r}">' + "".join(cells) + "</row>")
        write_xlsx(tmp / "own.xlsx", xml)
        own = time.perf_counter() - started
        started = time.perf_counter()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        for row in values:
            ws.append(row)
        wb.save(tmp / "openpyxl.xlsx")
        openpyxl_s = time.perf_counter() - started
        return own, openpyxl_s
    finally:
        shutil.rmtree(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dealers", type=int, default=300, help="dealers to generate (300 = full)")
    parser.add_argument("--out", type=Path, default=Path("var/bench_large"))
    parser.add_argument("--keep", action="store_true", help="keep the outputs")
    args = parser.parse_args()

    large = dict(PRESETS["large"])
    full_dealers = int(large["dealers"])  # type: ignore[call-overload]
    large["dealers"] = args.dealers
    try:
        base_s, base_sum, _, _ = _run(args.out / "baseline", **PRESETS["small"])
        big_s, big_sum, files, size = _run(args.out / "large", **large)
    finally:
        if not args.keep:
            shutil.rmtree(args.out, ignore_errors=True)
    base_ro = base_sum["rows"]["repair_orders"]  # type: ignore[index]
    big_ro = big_sum["rows"]["repair_orders"]  # type: ignore[index]
    total_rows = sum(big_sum["rows"].values())  # type: ignore[union-attr]
    factor = full_dealers / args.dealers
    print(f"baseline small preset: {base_s:.1f} s, {base_ro:,} repair orders")
    print(
        f"large preset, {args.dealers} dealers x {big_sum['months']} months: {big_s:.1f} s, "
        f"{big_ro:,} repair orders, {total_rows:,} rows, {files:,} files, {size / 1e6:,.0f} MB"
    )
    per_ro_ratio = (big_s / big_ro) / (base_s / base_ro)
    print(f"seconds per repair order, large / small: {per_ro_ratio:.2f}")
    if factor != 1:
        print(
            f"extrapolated to {full_dealers} dealers (x{factor:.1f}): ~{big_s * factor / 60:.1f} min, "
            f"~{big_ro * factor / 1e6:.1f} M repair orders, ~{files * factor:,.0f} files, "
            f"~{size * factor / 1e9:.1f} GB"
        )
    own, opx = _xlsx_writers(2000)
    print(
        f"xlsx 2000 rows x 24 columns: own writer {own:.2f} s, openpyxl write-only {opx:.2f} s "
        f"(openpyxl / own = {opx / own:.1f})"
    )


if __name__ == "__main__":
    main()
