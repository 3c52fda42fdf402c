"""Profile features real exports need, each with its failure path: per-dialect file names,
labels normalised like headers, total rows in any spelling, control totals, null tokens per
column, survey item columns by pattern; detection; `feeds add` options; `check` predicting
`ingest`."""

from __future__ import annotations

import io
import json
import re
import shutil
from typing import Any

import openpyxl
import pytest
import yaml
from ing_lake import landed, ledger, pointer, quarantine, rules_by_row
from ing_network import RO_HEADER, Network, csv_text, ro_row
from typer.testing import CliRunner

from ingestion.cli import app
from ingestion.detect import detect
from ingestion.normalize import marker_variants
from ingestion.settings import PROJECT_ROOT, Settings
from ingestion.shard import ingest_files

TXT = r"^(?P<period>\d{4}-(0[1-9]|1[0-2]))\.txt$"
PROFILE: dict[str, Any] = {
    "name": "tm_test",
    "delimiter": ";",
    "header_row": 2,
    "file_pattern": TXT,
    "timestamp_formats": ["%Y-%m-%d %H:%M"],
    "feeds": {
        "repair_orders": {
            "null_tokens": {"appointment_at": ["未填"]},
            "value_maps": {"status": {"已结算": "settled"}},
            "control_total": {"sums": ["total_amount"]},
        },
        "survey_responses": {
            "columns": {"问卷编号": "survey_id", "回访时间": "surveyed_at"},
            "constants": {"scale_min": "1", "scale_max": "5"},
            "melt": {"pattern": "评分_(?P<item>.+)"},
            "value_maps": {"item_code": {"总体满意度": "overall", "服务顾问": "advisor"}},
        },
    },
}


def tm_ro(rows: list[dict[str, str]], stated: int | None = None, total: str | None = None) -> str:
    """A repair-order export: title line, `;` header, rows, a Traditional 合計 total row."""
    sums = sum(float(r["total_amount"]) for r in rows)
    tail = [""] * len(RO_HEADER)
    tail[0], tail[1] = "合計", f"共{len(rows) if stated is None else stated}筆"
    tail[RO_HEADER.index("total_amount")] = total or f"{sums:,.2f}"
    body = csv_text(RO_HEADER, rows).replace(",", ";")
    return "维修工单明细 2024年03月\n" + body + ";".join(tail) + "\n"


def tm_survey(items: list[str], scores: list[list[str]]) -> str:
    head = ["dealer_code", "问卷编号", "回访时间", *(f"评分_{i}" for i in items)]
    lines = [";".join(head)]
    for n, row in enumerate(scores, start=1):
        lines.append(";".join(["D001", f"SV{n:04d}", "2024-03-05 10:00", *row]))
    lines.append(";".join(["合计", f"共{len(scores)}条"] + [""] * (len(head) - 2)))
    return "回访明细\n" + "\n".join(lines) + "\n"


def _config(network: Network, profile: dict[str, Any]) -> Settings:
    config = network.root / "config"
    shutil.copytree(PROJECT_ROOT / "ingestion" / "config", config)
    (config / "dialects" / "tm_test.yaml").write_text(
        yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8"
    )
    registry = yaml.safe_load((config / "registry.yaml").read_text(encoding="utf-8"))
    registry["dealer_overrides"] = {"D001": "tm_test"}
    (config / "registry.yaml").write_text(yaml.safe_dump(registry), encoding="utf-8")
    return network.settings.model_copy(
        update={"registry_path": config / "registry.yaml", "dialects_dir": config / "dialects"}
    )


@pytest.fixture
def tm(network: Network) -> Settings:
    return _config(network, PROFILE)


def _env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_INBOX", str(settings.inbox))
    monkeypatch.setenv("AFTERSALES_DEALER_MASTER", str(settings.dealer_master))
    monkeypatch.setenv("AFTERSALES_LAKE", str(settings.lake))
    monkeypatch.setenv("AFTERSALES_FEED_REGISTRY", str(settings.registry_path))
    monkeypatch.setenv("AFTERSALES_DIALECTS_DIR", str(settings.dialects_dir))


def _outcomes(settings: Settings) -> dict[str, tuple[str, str]]:
    rows = ledger(settings)
    return {
        r["file_path"]: (
            r["status"],
            (r["reason"] if isinstance(r["reason"], str) else "").split(":")[0],
        )
        for _, r in rows.iterrows()
    }


def test_control_total_reconciles_or_rejects_the_file(network: Network, tm: Settings) -> None:
    rows = [ro_row(i) for i in range(30)]
    files = {
        "D001/repair_orders/2024-03.txt": tm_ro(rows),
        "D001/repair_orders/2024-02.txt": tm_ro(rows, stated=31),
        "D001/repair_orders/2024-01.txt": tm_ro(rows, total="9,999.00"),
        "D001/repair_orders/2024-04.txt": tm_ro(rows).rsplit("合計", 1)[0],
    }
    for rel, text in files.items():
        network.write(rel, text)
    ingest_files(tm, list(files))
    log = ledger(tm).set_index("file_path")
    assert log.loc["D001/repair_orders/2024-03.txt", "status"] == "loaded"  # 合計 is a total
    assert log.loc["D001/repair_orders/2024-03.txt", "rows_loaded"] == 30
    for rel, says in (
        ("D001/repair_orders/2024-02.txt", "states 31 rows, the file has 30 data rows"),
        ("D001/repair_orders/2024-01.txt", "total_amount: the total row states 9,999.00"),
        ("D001/repair_orders/2024-04.txt", "no total row"),
    ):
        entry = log.loc[rel]
        assert entry["status"] == "rejected" and entry["rows_loaded"] == 0, rel
        assert entry["reason"].startswith("control_total_mismatch") and says in entry["reason"]
    assert pointer(tm, "landed", "repair_orders", "D001", "2024-02") is None


def test_null_tokens_and_labels_per_column(network: Network, tm: Settings) -> None:
    rows = [ro_row(i, appointment_at="未填", status="已結算") for i in range(30)]
    rows[3]["settled_at"] = "未填"  # no null token declared for settled_at
    rows[4]["advisor_id"] = "未填"  # nor for a text column: the text stays
    rows[5]["status"] = "ＳＥＴＴＬＥＤ"  # full width
    network.write("D001/repair_orders/2024-03.txt", tm_ro(rows))
    ingest_files(tm, ["D001/repair_orders/2024-03.txt"])
    out = landed(tm, "repair_orders", "D001", "2024-03").set_index("ro_no")
    assert out["appointment_at"].isna().all()
    assert set(out["status"]) == {"settled"}  # Traditional and full-width labels normalised
    assert out.loc["RO00004", "advisor_id"] == "未填"
    assert rules_by_row(quarantine(tm, "repair_orders", "D001", "2024-03")) == {
        4: "unparseable_date"
    }


def test_file_name_pattern_is_per_dialect(network: Network, tm: Settings) -> None:
    rows = [ro_row(i) for i in range(30)]
    network.write("D001/repair_orders/2024-04.csv", tm_ro(rows))
    network.write("D001/repair_orders/2024-03.txt", tm_ro(rows))
    network.write_ro(
        "D002/repair_orders/2024-03.txt", [ro_row(i, dealer_code="D002") for i in range(3)]
    )
    ingest_files(
        tm,
        [
            "D001/repair_orders/2024-04.csv",
            "D001/repair_orders/2024-03.txt",
            "D002/repair_orders/2024-03.txt",
        ],
    )
    log = ledger(tm).set_index("file_path")
    assert log.loc["D001/repair_orders/2024-03.txt", "status"] == "loaded"
    csv_reason = log.loc["D001/repair_orders/2024-04.csv", "reason"]
    assert csv_reason.startswith("unrecognised_path") and r"\.txt$" in csv_reason
    other = log.loc["D002/repair_orders/2024-03.txt", "reason"]  # huayu: the registry's rule
    assert other.startswith("unrecognised_path") and "(csv|xlsx)" in other


def test_survey_item_columns_by_pattern(network: Network, tm: Settings) -> None:
    items = ["總體滿意度", "服務顧問", "停车场"]  # Traditional labels; 停车场 is no item
    scores = [["5", "4", ""] for _ in range(30)]
    scores[6][2] = "3"  # one answer in the unknown item column: quarantined, not dropped
    network.write("D001/survey_responses/2024-03.txt", tm_survey(items, scores))
    ingest_files(tm, ["D001/survey_responses/2024-03.txt"])
    entry = ledger(tm).iloc[-1]
    assert entry["status"] == "loaded"
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]) == (61, 60, 1)
    out = landed(tm, "survey_responses", "D001", "2024-03")
    assert sorted(set(out["item_code"])) == ["advisor", "overall"]
    q = quarantine(tm, "survey_responses", "D001", "2024-03")
    assert list(q["rule_id"]) == ["unknown_category"] and "停车场" in q["raw_record"].iloc[0]


def test_unmapped_item_column_rejects_when_asked(network: Network) -> None:
    profile = yaml.safe_load(yaml.safe_dump(PROFILE, allow_unicode=True))
    profile["feeds"]["survey_responses"]["melt"]["unmapped"] = "reject"
    settings = _config(network, profile)
    network.write(
        "D001/survey_responses/2024-03.txt",
        tm_survey(["总体满意度", "停车场"], [["5", ""] for _ in range(5)]),
    )
    ingest_files(settings, ["D001/survey_responses/2024-03.txt"])
    entry = ledger(settings).iloc[-1]
    assert entry["status"] == "rejected"
    assert entry["reason"].startswith("unmapped_item_column") and "评分_停车场" in entry["reason"]


def test_workbook_recognised_by_content(network: Network) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(RO_HEADER)
    for i in range(20):
        sheet.append([ro_row(i)[c] for c in RO_HEADER])
    buf = io.BytesIO()
    book.save(buf)
    data = buf.getvalue()
    found = detect(data, "2024-03.csv")
    assert found.format == "xlsx" and found.header_row == 1
    assert "although the file is called .csv" in found.findings[0].evidence
    rel = network.write("D001/repair_orders/2024-03.csv", data)  # canonical_csv profile
    ingest_files(network.settings, [rel])
    entry = ledger(network.settings).iloc[-1]
    assert (entry["status"], entry["rows_loaded"]) == ("loaded", 20)


def test_detection_of_delimiter_quote_header_and_total_row() -> None:
    rows = [ro_row(i, advisor_id="Wang|Li") for i in range(12)]
    lines = ["|".join(RO_HEADER)]
    lines += ["|".join(f"'{v}'" if "|" in v else v for v in r.values()) for r in rows]
    text = "维修工单明细\n导出时间: 2024-04-01\n" + "\n".join(lines) + "\n合計|共12筆\n"
    found = detect(text.encode("gb18030"), "ro_2024-03.txt")
    assert (found.delimiter, found.quotechar, found.header_row) == ("|", "'", 3)
    assert found.encoding == "gb18030" and found.row_count_stated == 12
    assert found.timestamp_formats == ["%Y-%m-%d %H:%M"]
    assert found.file_pattern == r"^ro_(?P<period>\d{4}-(0[1-9]|1[0-2]))\.txt$"
    plain = detect(csv_text(RO_HEADER, rows).encode(), "2024-03.csv")
    assert (plain.delimiter, plain.quotechar, plain.header_row) == (",", '"', 1)
    assert plain.file_pattern is None  # the registry's default rule fits
    assert {"合計", "合计", "ＴＯＴＡＬ"} <= set(marker_variants(["合计", "TOTAL"]))


def test_feeds_add_options(network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    _env(network.settings, monkeypatch)
    config = network.root / "dialects"
    rows = [ro_row(i) for i in range(10)]
    ro = network.root / "samples" / "ro.txt"
    ro.parent.mkdir()
    ro.write_text(tm_ro(rows).replace(";", "|"), encoding="utf-8")
    survey = network.root / "samples" / "survey.txt"
    survey.write_text(tm_survey(["总体满意度", "服务顾问", "维修质量"], [["5", "4", "3"]] * 5))
    run = CliRunner().invoke
    base = ["feeds", "add", "--dealer", "D001", "--dialect", "tm_new", "--out", str(config)]
    first = run(app, [*base, "--sample", str(ro), "--feed", "repair_orders",
                      "--delimiter", "|", "--header-row", "2"])  # fmt: skip
    assert first.exit_code == 0, first.output
    written = yaml.safe_load((config / "tm_new.yaml").read_text(encoding="utf-8"))
    assert (written["delimiter"], written["header_row"]) == ("|", 2)
    assert written["feeds"]["repair_orders"]["control_total"]["sums"] == ["total_amount"]
    again = run(app, [*base, "--sample", str(survey), "--feed", "survey_responses"])
    assert again.exit_code == 2 and "--extend" in again.output
    extended = run(app, [*base, "--sample", str(survey), "--feed", "survey_responses", "--extend"])
    assert extended.exit_code == 0, extended.output
    profile = yaml.safe_load((config / "tm_new.yaml").read_text(encoding="utf-8"))
    assert set(profile["feeds"]) == {"repair_orders", "survey_responses"}
    assert (profile["delimiter"], profile["header_row"]) == ("|", 2)  # kept from the profile
    assert profile["feeds"]["survey_responses"]["melt"]["pattern"] == "评分_(?P<item>.+)"
    missing = run(app, [*base[:-3], "--dialect", "nope", "--out", str(config), "--sample",
                        str(survey), "--extend"])  # fmt: skip
    assert missing.exit_code == 2
    bad = run(app, [*base, "--sample", str(ro), "--delimiter", "ab", "--force"])
    assert bad.exit_code == 2


def test_check_predicts_ingest(
    network: Network, tm: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per file, `check` over a folder gives the outcome `ingest` then gives; unknown labels
    are counted across files; `check` writes nothing."""
    _env(tm, monkeypatch)
    rows = [ro_row(i) for i in range(30)]

    def odd(n: int) -> list[dict[str, str]]:
        return [ro_row(i, status="已撤銷" if i == n else "settled") for i in range(30)]

    exports = network.root / "exports" / "D001" / "repair_orders"
    exports.mkdir(parents=True)
    samples = {
        "2024-01.txt": tm_ro(rows),
        "2024-02.txt": tm_ro(rows, stated=29),
        "2024-03.txt": tm_ro(odd(2)),
        "2024-04.txt": tm_ro(odd(3)),  # other content: not a copy of 2024-03
        "2024-05.csv": tm_ro(rows),
    }
    for name, text in samples.items():
        (exports / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["feeds", "check", str(network.root / "exports" / "D001"), "--json"]
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    found = {f["setting"]: (f["value"], f["confidence"]) for f in report["findings"]}
    assert found["delimiter"][0] == ";" and found["header_row"] == (2, 1.0)
    assert report["detected"]["file_pattern"] == TXT
    assert not tm.landed_dir.exists() and not tm.control_db.exists()  # nothing written
    predicted = {
        f["inbox_path"]: (f["status"], (f["reason"] or "").split(":")[0]) for f in report["files"]
    }
    assert report["unknown_labels"] == {"repair_orders.status": {"已撤銷": 2}}
    assert report["rules"] == {"unknown_category": 2}

    shutil.copytree(network.root / "exports" / "D001", network.inbox / "D001")
    ingest_files(tm, sorted(predicted))
    assert _outcomes(tm) == predicted
    assert predicted["D001/repair_orders/2024-02.txt"][1] == "control_total_mismatch"
    assert predicted["D001/repair_orders/2024-05.csv"][1] == "unrecognised_path"
    assert predicted["D001/repair_orders/2024-03.txt"] == ("loaded", "")
    entries = len(ledger(tm))
    again = CliRunner().invoke(app, ["feeds", "check", str(network.inbox / "D001"), "--json"])
    assert {f["inbox_path"]: f["status"] for f in json.loads(again.output)["files"]} == {
        rel: status for rel, (status, _) in predicted.items()
    }  # the loaded history is the sandbox's copy; the real control database is untouched
    assert len(ledger(tm)) == entries


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"file_pattern": r"^\d{4}\.txt$"}, "named group 'period'"),
        ({"feeds": {"survey_responses": {"melt": {"pattern": "评分_.+"}}}}, "group 'item'"),
        ({"feeds": {"survey_responses": {"melt": {}}}}, "`items` or a `pattern`"),
        ({"control_total": {"row_count": "共(\\d+)"}}, "group 'n'"),
        ({"feeds": {"repair_orders": {"null_tokens": {"appointment": ["-"]}}}}, "appointment"),
        ({"feeds": {"repair_orders": {"control_total": {"sums": ["total"]}}}}, "total"),
    ],
)
def test_profile_schema_refuses_bad_features(change: dict[str, Any], message: str) -> None:
    from pydantic import ValidationError

    from ingestion.registry.schema import DialectProfile

    with pytest.raises(ValidationError, match=re.escape(message)):
        DialectProfile.model_validate({"name": "x", **change})


def test_feed_file_pattern_overrides_the_dialect() -> None:
    from ingestion.registry.schema import DialectProfile

    profile = DialectProfile.model_validate(
        {
            "name": "x",
            "file_pattern": TXT,
            "feeds": {"complaints": {"file_pattern": r"^ts_(?P<period>\d{4}-\d{2})\.csv$"}},
        }
    )
    assert profile.file_pattern_for("repair_orders") == TXT
    assert profile.file_pattern_for("complaints").startswith("^ts_")


def test_scorecard_without_a_warehouse_is_a_usage_error(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERSALES_WAREHOUSE", str(network.root / "missing.duckdb"))
    result = CliRunner().invoke(app, ["scorecard", "D001"])
    assert result.exit_code == 2 and "aftersales build" in result.output
