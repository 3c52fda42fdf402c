"""The onboarding guide, run as written: a generated network whose dealer D1001 exports in the
Tianma dialect is onboarded with the guide's commands and YAML edits only, starting from the
`feeds add` scaffold; its marts must equal those of the same network in canonical form.

docs/onboarding-a-dealer-feed.md between the walkthrough markers is executed block by block:
`bash` blocks line by line (`aftersales ...` in process, anything else by bash), `yaml`
blocks headed `# edit <path>` merged into that file. The canonical side is built with
`aftersales ingest` and `aftersales build`, the onboarded side by the guide's
`aftersales run`: both are the real ingestion, dbt build and publish.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml
from tianma_dialect import export_dealer
from typer.testing import CliRunner

from ingestion.cli import app
from ingestion.control_db import control_db, latest_entries
from ingestion.settings import PROJECT_ROOT
from sample_network import GeneratorConfig, generate
from warehouse.compare import main_tables

GUIDE = PROJECT_ROOT / "docs" / "onboarding-a-dealer-feed.md"
DEALER = "D1001"
CLI = ".venv/pipeline/bin/aftersales"
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)
LINEAGE = re.compile(r"^_|source_file|source_row|file_sha256|last_file|loaded_at")


def walkthrough() -> list[tuple[str, str]]:
    text = GUIDE.read_text(encoding="utf-8")
    body = text.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(body)]


def merge(base: Any, edit: Any) -> Any:
    if isinstance(base, dict) and isinstance(edit, dict):
        out = dict(base)
        for key, value in edit.items():
            out[key] = merge(base.get(key), value)
        return out
    return edit


def env_for(root: Path, config: Path) -> dict[str, str]:
    return {
        "AFTERSALES_INBOX": str(root / "var" / "sample_network" / "inbox"),
        "AFTERSALES_DEALER_MASTER": str(root / "var" / "sample_network" / "master" / "dealers.csv"),
        "AFTERSALES_LAKE": str(root / "var" / "lake"),
        "AFTERSALES_WAREHOUSE": str(root / "var" / "warehouse" / "aftersales.duckdb"),
        "AFTERSALES_FEED_REGISTRY": str(config / "registry.yaml"),
        "AFTERSALES_DIALECTS_DIR": str(config / "dialects"),
        "COLUMNS": "200",
    }


def invoke(args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        for key, value in env.items():
            m.setenv(key, value)
        return CliRunner().invoke(app, args, catch_exceptions=False)


def marts(warehouse: Path) -> dict[str, pd.DataFrame]:
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in main_tables(con, ("kpi_", "rpt_", "fct_", "dim_")):
            frame = con.execute(f'select * from main."{name}"').df()
            frame = frame.drop(columns=[c for c in frame.columns if LINEAGE.search(c)])
            out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def networks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(canonical root, onboarding root): the same generated network; in the second, D1001's
    canonical files are replaced by nothing but its Tianma exports under exports/."""
    base = tmp_path_factory.mktemp("guide")
    canonical = base / "canonical"
    generate(
        GeneratorConfig(
            out=str(canonical / "var" / "sample_network"),
            dealers=3,
            months=2,
            start_month="2024-03",
            defect_rate=0.0,
            force=True,
        )
    )
    onboarding = base / "onboarding"
    shutil.copytree(canonical / "var" / "sample_network", onboarding / "var" / "sample_network")
    inbox = onboarding / "var" / "sample_network" / "inbox"
    export_dealer(inbox, DEALER, onboarding / "exports")
    shutil.rmtree(inbox / DEALER)
    for root in (canonical, onboarding):
        shutil.copytree(PROJECT_ROOT / "ingestion" / "config", root / "config")
    return canonical, onboarding


def test_guide_onboards_the_dialect_and_marts_equal_the_canonical_network(
    networks: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    canonical, root = networks
    env = env_for(root, root / "config")
    monkeypatch.chdir(root)
    outputs: list[tuple[str, int, str, float]] = []
    blocks = walkthrough()
    assert [kind for kind, _ in blocks].count("yaml") == 2, "the guide names two edits"
    for kind, text in blocks:
        if kind == "yaml":
            head, _, edit = text.partition("\n")
            target = head.removeprefix("# edit ").strip()
            assert target.startswith("ingestion/config/"), head
            path = root / "config" / target.removeprefix("ingestion/config/")
            current = yaml.safe_load(path.read_text(encoding="utf-8"))
            merged = merge(current, yaml.safe_load(edit))
            path.write_text(yaml.safe_dump(merged, allow_unicode=True), encoding="utf-8")
            continue
        if kind == "text":  # output shown, not run
            continue
        assert kind == "bash", kind
        for line in text.strip().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            started = time.perf_counter()
            if line.startswith(CLI):
                result = invoke(shlex.split(line)[1:], env, monkeypatch)
                code, output = result.exit_code, result.output
            else:
                done = subprocess.run(
                    ["bash", "-c", line], cwd=root, capture_output=True, text=True, check=False
                )
                code, output = done.returncode, done.stdout + done.stderr
            outputs.append((line, code, output, time.perf_counter() - started))
    for line, code, _, seconds in outputs:
        print(f"{seconds:6.1f} s  exit {code}  {line}")

    # 1. first look: rejected by the file-name rule, the dialect detected, headers proposed
    code, output = outputs[0][1:3]
    assert code == 1
    assert "unrecognised_path" in output and "file-name pattern" in output
    assert "delimiter" in output and "header_row" in output and "first look" in output
    assert "2 title line(s) above it skipped" in output
    # 2. scaffold: one profile for the six feeds, the one unknown label left TODO
    code, output = outputs[1][1:3]
    assert code == 0, output
    assert "['定保']" in output and output.count("TODO ") == 1
    profile = yaml.safe_load((root / "config" / "dialects" / "tianma_txt.yaml").read_text("utf-8"))
    assert len(profile["feeds"]) == 6 and profile["delimiter"] == ";"
    assert profile["header_row"] == 3 and profile["file_pattern"].endswith(r"\.txt$")
    survey = profile["feeds"]["survey_responses"]
    assert survey["melt"]["pattern"].startswith("评分_") and "control_total" in survey
    assert profile["feeds"]["repair_orders"]["null_tokens"]["appointment_at"] == ["未填"]
    assert profile["feeds"]["repair_orders"]["value_maps"]["status"]["已結算"] == "settled"
    # 4. dry run after the edits: every file would load, nothing quarantined
    code, output = outputs[2][1:3]
    assert code == 0, output
    assert "12 file(s): 12 loaded" in output and "quarantined 0" in output
    # 5. run (ingest + dbt build + publish) and the scorecard
    run_code, run_output = next((c, o) for line, c, o, _ in outputs if line.endswith(" run"))
    assert run_code == 0, run_output
    assert "published" in run_output
    score_code, score_output = outputs[-1][1:3]
    assert score_code == 0 and "Scorecard D1001" in score_output

    with control_db(root / "var" / "lake" / "control.sqlite") as conn:
        ledger = latest_entries(
            conn,
            [p.relative_to(root / "exports").as_posix() for p in (root / "exports").rglob("*.txt")],
        )
    assert len(ledger) == 12
    assert {(e["status"], e["dialect"]) for e in ledger.values()} == {("loaded", "tianma_txt")}

    again = invoke(["run", "--quiet"], env, monkeypatch)  # nothing new: no rebuild
    assert again.exit_code == 0 and "the published warehouse is current" in again.output

    settings_env = env_for(canonical, canonical / "config")
    assert invoke(["ingest", "--quiet"], settings_env, monkeypatch).exit_code == 0
    built = invoke(["build"], settings_env, monkeypatch)
    assert built.exit_code == 0, built.output

    expected = marts(canonical / "var" / "warehouse" / "aftersales.duckdb")
    actual = marts(root / "var" / "warehouse" / "aftersales.duckdb")
    assert set(actual) == set(expected) and "kpi_dealer_monthly" in actual
    assert (expected["kpi_dealer_monthly"]["dealer_code"] == DEALER).any()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(actual[name], frame, obj=name)
