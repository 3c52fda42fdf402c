from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from sn_readback import csv_dicts, file_findings, read_file, vin_ok

from sample_network.defects import RULES
from sample_network.schema import FEED_NAMES


def _manifest(out: Path) -> list[dict[str, str]]:
    return csv_dicts(out / "truth" / "manifest.csv")


def test_manifest_columns_and_all_defect_kinds(network: tuple[Path, dict]) -> None:
    out, summary = network
    manifest = _manifest(out)
    assert list(manifest[0]) == ["file", "row", "feed", "dealer_code", "defect", "rule"]
    assert {m["defect"] for m in manifest} == set(RULES)
    assert all(RULES[m["defect"]] == m["rule"] for m in manifest)
    assert all(m["file"].split("/")[:2] == [m["dealer_code"], m["feed"]] for m in manifest)
    assert summary["manifest_entries"] == len(manifest)


def test_findings_in_every_file_equal_the_manifest(network: tuple[Path, dict]) -> None:
    """Each planted defect is really at its row, and nothing else breaks a row rule."""
    out, _ = network
    expected: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for m in _manifest(out):
        expected[m["file"]].add((int(m["row"]), m["rule"]))
    inbox = out / "inbox"
    checked = 0
    for feed in FEED_NAMES:
        for path in sorted(inbox.glob(f"*/{feed}/*")):
            rel = str(path.relative_to(inbox))
            assert file_findings(path, feed) == expected.get(rel, set()), rel
            checked += 1
    assert checked > 200
    assert expected.keys() <= {str(p.relative_to(inbox)) for p in inbox.rglob("*.*")}


def test_defects_stay_well_below_the_quarantine_threshold(network: tuple[Path, dict]) -> None:
    out, _ = network
    per_file = Counter(m["file"] for m in _manifest(out))
    for rel, count in per_file.items():
        feed = rel.split("/")[1]
        _, records = read_file(out / "inbox" / rel, feed)
        assert count <= 0.03 * len(records) + 1e-9, rel


def test_vin_check_digits_valid_except_planted(network: tuple[Path, dict]) -> None:
    out, _ = network
    planted = {(m["file"], int(m["row"])) for m in _manifest(out) if m["rule"] == "vin_invalid"}
    inbox = out / "inbox"
    seen_bad = 0
    for path in sorted(inbox.glob("*/repair_orders/*")) + sorted(inbox.glob("*/vehicle_sales/*")):
        rel = str(path.relative_to(inbox))
        _, records = read_file(path, rel.split("/")[1])
        for i, rec in enumerate(records, start=1):
            good = vin_ok(str(rec["vin"]))
            assert good != ((rel, i) in planted), (rel, i, rec["vin"])
            seen_bad += not good
    assert seen_bad > 0
    _, sales = read_file(next(inbox.glob("*/vehicle_sales/*.csv")), "vehicle_sales")
    assert {str(r["vin"])[:3] for r in sales} <= {"LSV", "LFV", "LGB"}


def test_zero_defect_rate_writes_an_empty_manifest(tmp_path: Path) -> None:
    from sn_config import small_config

    from sample_network import generate

    summary = generate(small_config(tmp_path, dealers=3, months=2, defect_rate=0.0))
    text = (tmp_path / "truth" / "manifest.csv").read_text(encoding="utf-8")
    assert text == "file,row,feed,dealer_code,defect,rule\n"
    assert summary["manifest_entries"] == 0
    for feed in ("repair_orders", "vehicle_sales"):
        for path in sorted((tmp_path / "inbox").glob(f"*/{feed}/*")):
            assert file_findings(path, feed) == set()
