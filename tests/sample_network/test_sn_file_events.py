"""The demo's file events: a held file, a rejected file and a late feed, planted on request."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from sample_network.cli import app
from sample_network.file_events import HELD_KEEP_SHARE, INVALID_VIN, REJECTED_ROW_SHARE

runner = CliRunner()


def _generate(out: Path, *extra: str) -> None:
    args = ["generate", "--out", str(out), "--dealers", "3", "--months", "6", "--seed", "5"]
    args += ["--start-month", "2024-01", "--park-vehicles", "80", "--sales-per-month", "20"]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == 0, result.output


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_file_events_are_planted_and_recorded(tmp_path: Path) -> None:
    plain, planted = tmp_path / "plain", tmp_path / "planted"
    _generate(plain)
    _generate(planted, "--file-events")
    assert not (plain / "truth" / "file_events.csv").exists()
    events = {e["event"]: e for e in _rows(planted / "truth" / "file_events.csv")}
    assert set(events) == {"held", "rejected", "late"}

    held = events["held"]
    name = f"{held['dealer_code']}/repair_orders/{held['period']}.csv"
    before, after = _rows(plain / "inbox" / name), _rows(planted / "inbox" / name)
    assert len(after) == max(1, int(len(before) * HELD_KEEP_SHARE)) < len(before)
    assert after == before[: len(after)]

    rejected = events["rejected"]
    name = f"{rejected['dealer_code']}/repair_orders/{rejected['period']}.csv"
    before, after = _rows(plain / "inbox" / name), _rows(planted / "inbox" / name)
    bad = sum(r["vin"] == INVALID_VIN for r in after)
    assert len(after) == len(before) and bad >= len(after) * REJECTED_ROW_SHARE * 0.9

    late = events["late"]
    for period in late["period"].split(","):
        assert (plain / "inbox" / late["dealer_code"] / "complaints" / f"{period}.csv").exists()
        assert not (
            planted / "inbox" / late["dealer_code"] / "complaints" / f"{period}.csv"
        ).exists()
    # the row-level truth keeps no defect of a file the events rewrote or removed
    touched = {f"{held['dealer_code']}/repair_orders/{held['period']}.csv"}
    touched.add(f"{rejected['dealer_code']}/repair_orders/{rejected['period']}.csv")
    assert not touched & {m["file"] for m in _rows(planted / "truth" / "manifest.csv")}
