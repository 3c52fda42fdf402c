from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sample_network.cli import app

runner = CliRunner()


def test_generate_command_and_force(tmp_path: Path) -> None:
    out = tmp_path / "net"
    args = [
        "generate",
        "--out",
        str(out),
        "--dealers",
        "3",
        "--months",
        "2",
        "--seed",
        "5",
        "--start-month",
        "2024-01",
        "--park-vehicles",
        "50",
        "--sales-per-month",
        "10",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "repair_orders" in first.output and "planted defects" in first.output
    assert (out / "master" / "dealers.csv").read_text(encoding="utf-8").count("\n") == 4
    assert (out / "truth" / "manifest.csv").exists()
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "--force" in again.output
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output


def test_bad_options_give_a_clear_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--start-month", "2025-13"])
    assert result.exit_code == 2 and "start_month" in result.output
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--start-month", "2025-06"])
    assert result.exit_code == 2 and "2026-01-01" in result.output
    assert "Traceback" not in result.output


def test_unwritable_output_is_reported_without_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = runner.invoke(
        app, ["generate", "--out", str(blocker / "net"), "--dealers", "2", "--months", "1"]
    )
    assert result.exit_code == 1 and "cannot write" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
