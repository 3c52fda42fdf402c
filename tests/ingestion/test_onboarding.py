"""Onboarding a dialect the project has never seen, purely by YAML, guided by `feeds check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from ing_lake import landed, ledger, quarantine, rules_by_row
from ing_network import Network
from typer.testing import CliRunner

from ingestion.checker import check_file
from ingestion.cli import app
from ingestion.normalize import normalize_header
from ingestion.registry import load_registry
from ingestion.settings import PROJECT_ROOT
from ingestion.shard import ingest_files

HEADERS = [
    "網點代碼",
    "维修单号",
    "VIN码",
    "车牌",
    "进站时间",
    "完工日期",
    "出厂时间",
    "结算日期",
    "单据状态",
    "维修類別",
    "结算方式",
    "客户手机号",
    "工时费用",
    "配件费",
    "应收合计",
    "送修里程",
]


def _row(n: int) -> list[str]:
    return [
        "D001",
        f"T{n:05d}",
        "LFV2A21K487654321",
        "苏E12345",
        "05.03.2024 09:15",
        "05.03.2024 15:00",
        "05.03.2024 16:00",
        "05.03.2024 16:10",
        "完工",
        "常规保养",
        "微信",
        "13912345678",
        "RMB 1,280.00",
        "RMB 220.50",
        "RMB 1,500.50",
        "8,800",
    ]


def _write_sample(network: Network, n: int = 30) -> Path:
    rows = [_row(i) for i in range(1, n + 1)]
    rows[6][4] = "31.02.2024 09:15"  # impossible date
    text = "\n".join("\t".join(r) for r in [HEADERS, *rows]) + "\n"
    network.write("D001/repair_orders/2024-03.csv", text)
    return network.inbox / "D001" / "repair_orders" / "2024-03.csv"


NEW_DIALECT = {
    "name": "tianma_tsv",
    "description": "Tianma DMS: tab-separated, d.m.Y dates, RMB amounts",
    "format": "csv",
    "delimiter": "\t",
    "timestamp_formats": ["%d.%m.%Y %H:%M"],
    "date_formats": ["%d.%m.%Y"],
    "number_strip": ["RMB"],
    "feeds": {
        "repair_orders": {
            "columns": {
                "網點代碼": "dealer_code",
                "维修单号": "ro_no",
                "VIN码": "vin",
                "车牌": "plate_no",
                "进站时间": "arrived_at",
                "完工日期": "qc_completed_at",
                "出厂时间": "delivered_at",
                "结算日期": "settled_at",
                "单据状态": "status",
                "维修類別": "ro_category",
                "客户手机号": "customer_phone",
                "工时费用": "labour_amount",
                "配件费": "parts_amount",
                "应收合计": "total_amount",
                "送修里程": "odometer_km",
            },
            "value_maps": {
                "status": {"完工": "settled", "在修": "open", "作废": "void"},
                "ro_category": {"常规保养": "paid_maintenance", "首次保养": "first_maintenance"},
            },
        }
    },
}


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped config the test may extend (AFTERSALES_* point at it)."""
    target = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "ingestion" / "config", target)
    monkeypatch.setenv("AFTERSALES_FEED_REGISTRY", str(target / "registry.yaml"))
    monkeypatch.setenv("AFTERSALES_DIALECTS_DIR", str(target / "dialects"))
    return target


def test_check_proposes_most_of_an_unseen_mapping(network: Network) -> None:
    sample = _write_sample(network)
    report = check_file(sample, None, None, "D001")
    assert report.feed == "repair_orders"
    proposed = {p.header: p.canonical for p in report.proposals}
    expected = NEW_DIALECT["feeds"]["repair_orders"]["columns"]  # type: ignore[index]
    right = [h for h, c in expected.items() if proposed.get(normalize_header(h)) == c]
    assert len(right) >= 0.8 * len(expected), proposed
    assert proposed["结算方式"] is None  # payment method, not the bearer


def test_onboard_by_yaml_then_ingest(
    network: Network, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = _write_sample(network)
    runner = CliRunner()
    monkeypatch.setenv("AFTERSALES_INBOX", str(network.inbox))
    monkeypatch.setenv("AFTERSALES_DEALER_MASTER", str(network.settings.dealer_master))
    monkeypatch.setenv("AFTERSALES_LAKE", str(network.settings.lake))
    before = runner.invoke(app, ["feeds", "check", str(sample)])
    assert before.exit_code == 1  # canonical profile: required columns missing
    (config_dir / "dialects" / "tianma_tsv.yaml").write_text(
        yaml.safe_dump(NEW_DIALECT, allow_unicode=True), encoding="utf-8"
    )
    registry = yaml.safe_load((config_dir / "registry.yaml").read_text(encoding="utf-8"))
    registry["dealer_overrides"] = {"D001": "tianma_tsv"}
    (config_dir / "registry.yaml").write_text(yaml.safe_dump(registry), encoding="utf-8")
    after = runner.invoke(app, ["feeds", "check", str(sample)])
    assert after.exit_code == 1, after.output  # one planted bad date
    assert "unparseable_date" in after.output and "tianma_tsv" in after.output
    assert not (network.settings.lake / "landed").exists()  # check writes nothing

    settings = network.settings.model_copy(
        update={
            "registry_path": config_dir / "registry.yaml",
            "dialects_dir": config_dir / "dialects",
        }
    )
    assert load_registry(settings).dialect_for("D001", "oem_dms").name == "tianma_tsv"
    rel = "D001/repair_orders/2024-03.csv"
    ingest_files(settings, [rel])
    entry = ledger(settings).iloc[-1]
    assert entry["status"] == "loaded" and entry["dialect"] == "tianma_tsv"
    out = landed(settings, "repair_orders", "D001", "2024-03").iloc[0]
    assert out["arrived_at"] == pd.Timestamp("2024-03-05 09:15")
    assert float(out["total_amount"]) == 1500.50 and out["odometer_km"] == 8800
    assert out["ro_category"] == "paid_maintenance"
    assert rules_by_row(quarantine(settings, "repair_orders", "D001", "2024-03")) == {
        7: "unparseable_date"
    }


def test_feeds_add_scaffolds_a_loadable_profile(network: Network, config_dir: Path) -> None:
    sample = _write_sample(network)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["feeds", "add", "--dealer", "D001", "--sample", str(sample), "--dialect", "tianma_draft"],
    )
    assert result.exit_code == 0, result.output
    path = config_dir / "dialects" / "tianma_draft.yaml"
    profile = yaml.safe_load(path.read_text(encoding="utf-8").split("\n", 3)[-1])
    assert profile["delimiter"] == "\t"
    assert profile["timestamp_formats"] == ["%d.%m.%Y %H:%M"]
    mapping = profile["feeds"]["repair_orders"]["columns"]
    assert mapping["维修单号"] == "ro_no" and mapping["进站时间"] == "arrived_at"
    assert "status" in profile["feeds"]["repair_orders"]["value_maps"]  # labels left to review
    assert "TODO" in result.output
    again = runner.invoke(
        app,
        ["feeds", "add", "--dealer", "D001", "--sample", str(sample), "--dialect", "tianma_draft"],
    )
    assert again.exit_code == 2  # refuses to overwrite


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["feeds", "check", str(tmp_path / "missing.csv")]).exit_code == 2
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    assert runner.invoke(app, ["feeds", "check", str(f), "--feed", "nope"]).exit_code == 2
    assert runner.invoke(app, ["feeds", "check", str(f), "--profile", "nope"]).exit_code == 2
    assert (
        runner.invoke(
            app,
            ["release", "D001/repair_orders/2024-03.csv"],
            env={"AFTERSALES_LAKE": str(tmp_path / "lake")},
        ).exit_code
        == 2
    )


def test_cli_check_clean_file_exit_0(network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    from ing_network import RO_HEADER, csv_text, ro_row

    monkeypatch.setenv("AFTERSALES_DEALER_MASTER", str(network.settings.dealer_master))
    monkeypatch.setenv("AFTERSALES_LAKE", str(network.settings.lake))

    rel = network.write(
        "D001/repair_orders/2024-03.csv",
        csv_text(RO_HEADER, [ro_row(i, vin="11111111111111111") for i in range(5)]),
    )
    result = CliRunner().invoke(
        app,
        [
            "feeds",
            "check",
            str(network.inbox / rel),
            "--profile",
            "canonical_csv",
            "--dealer",
            "D001",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "would load 5" in result.output


def test_reprocess_after_fixing_a_profile(
    network: Network, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file rejected under a wrong profile stays rejected on re-ingest; after the YAML is
    fixed, `reprocess` gives it a new outcome, and reprocessing a loaded file is idempotent."""
    _write_sample(network)
    rel = "D001/repair_orders/2024-03.csv"
    runner = CliRunner()
    monkeypatch.setenv("AFTERSALES_INBOX", str(network.inbox))
    monkeypatch.setenv("AFTERSALES_DEALER_MASTER", str(network.settings.dealer_master))
    monkeypatch.setenv("AFTERSALES_LAKE", str(network.settings.lake))
    settings = network.settings
    assert runner.invoke(app, ["ingest", "--quiet"]).exit_code == 1
    assert ledger(settings).iloc[-1]["reason"].startswith("required_column_missing")
    assert runner.invoke(app, ["ingest", "--quiet"]).exit_code == 0
    assert len(ledger(settings)) == 1  # same content: the rejection stands

    # onboard the dialect, but forget the label 完工 of the status value map
    dialect = yaml.safe_load(yaml.safe_dump(NEW_DIALECT, allow_unicode=True))
    del dialect["feeds"]["repair_orders"]["value_maps"]["status"]["完工"]
    path = config_dir / "dialects" / "tianma_tsv.yaml"
    path.write_text(yaml.safe_dump(dialect, allow_unicode=True), encoding="utf-8")
    registry = yaml.safe_load((config_dir / "registry.yaml").read_text(encoding="utf-8"))
    registry["dealer_overrides"] = {"D001": "tianma_tsv"}
    (config_dir / "registry.yaml").write_text(yaml.safe_dump(registry), encoding="utf-8")

    assert runner.invoke(app, ["reprocess"]).exit_code == 2  # a selection is required
    assert runner.invoke(app, ["reprocess", "--dialect", "nope"]).exit_code == 2
    dry = runner.invoke(app, ["reprocess", "--status", "rejected", "--dry-run"])
    assert dry.exit_code == 0 and rel in dry.output and len(ledger(settings)) == 1
    again = runner.invoke(app, ["reprocess", "--status", "rejected", "--quiet"])
    assert again.exit_code == 1, again.output
    last = ledger(settings).iloc[-1]
    assert last["dialect"] == "tianma_tsv" and last["reason"].startswith("quarantine_share")

    path.write_text(yaml.safe_dump(NEW_DIALECT, allow_unicode=True), encoding="utf-8")
    fixed = runner.invoke(app, ["reprocess", "--dialect", "tianma_tsv", "--quiet"])
    assert fixed.exit_code == 0, fixed.output
    last = ledger(settings).iloc[-1]
    assert last["status"] == "loaded" and last["rows_loaded"] == 29
    assert last["rows_read"] == last["rows_loaded"] + last["rows_quarantined"]
    first = landed(settings, "repair_orders", "D001", "2024-03").drop(columns="_loaded_at")
    assert rules_by_row(quarantine(settings, "repair_orders", "D001", "2024-03")) == {
        7: "unparseable_date"
    }
    assert runner.invoke(app, ["reprocess", "-d", "D001", "--quiet"]).exit_code == 0
    second = landed(settings, "repair_orders", "D001", "2024-03").drop(columns="_loaded_at")
    pd.testing.assert_frame_equal(first, second)
    assert len(ledger(settings)) == 4
