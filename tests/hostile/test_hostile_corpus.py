"""Every case of the hostile corpus through the real ingestion: outcome, rule, row numbers,
and rows read = loaded + quarantined + duplicate for every ledger row of the run."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from corpus import CASES, Case, write_case
from ing_network import Network

from ingestion.contracts import FEEDS
from ingestion.lake_read import read_current
from ingestion.landing import LANDED, QUARANTINE
from ingestion.pipeline import plan_shards, release_file
from ingestion.shard import ingest_files

FILE_LEVEL = {"rejected", "skipped"}


def _ledger(network: Network) -> pd.DataFrame:
    with sqlite3.connect(network.settings.control_db) as conn:
        return pd.read_sql_query("SELECT rowid AS seq, * FROM file_ledger ORDER BY rowid", conn)


def _area(network: Network, area: str, rel: str) -> pd.DataFrame:
    dealer, folder, name = rel.split("/")
    if folder not in FEEDS:
        return pd.DataFrame(columns=["_source_file", "_source_row", "rule_id", "dq_flags"])
    frame = read_current(
        network.settings.lake, folder, area=area, partitions=[(dealer, name.split(".")[0])]
    ).to_pandas()
    return frame[frame["_source_file"] == rel]


def _run(network: Network, case: Case) -> pd.DataFrame:
    outside = network.root / "outside"
    for i, files in enumerate(case.earlier):
        write_case(Case(f"{case.id}-{i}", "", "", files, "", case.expect), network.inbox, outside)
        ingest_files(network.settings, list(files))
    write_case(case, network.inbox, outside)
    if case.listing:
        files = [f for shard in plan_shards(network.settings) for f in shard["files"]]
        assert case.target in files, f"{case.target!r} is not listed: {files}"
    else:
        files = list(case.files)
    before = len(_ledger(network)) if network.settings.control_db.exists() else 0
    ingest_files(network.settings, files)
    if case.release:
        release_file(network.settings, case.target)
    return _ledger(network).iloc[before:]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    network = Network(tmp_path)
    run = _run(network, case)
    # nothing lost: every file of the run has a ledger row, every row is accounted for
    assert set(run["file_path"]) >= {case.target}
    counted = run["rows_loaded"] + run["rows_quarantined"] + run["rows_duplicate"]
    assert (run["rows_read"] == counted).all(), run[["file_path", "status", "rows_read"]]

    entry = run[run["file_path"] == case.target].iloc[-1]
    want = case.expect
    assert entry["status"] == want.status, entry["reason"]
    reason = entry["reason"] or ""
    if want.rule:
        assert reason.startswith(f"{want.rule}:"), reason
    elif want.status not in FILE_LEVEL:
        assert entry["status"] == "loaded" and not reason, reason
    assert want.reason_has in reason, reason
    got_rows = tuple(
        int(entry[k]) for k in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")
    )
    assert got_rows == want.rows

    if want.status in FILE_LEVEL and not want.rows[0]:
        return
    q = _area(network, QUARANTINE, case.target)
    got_q = {int(r): str(rule) for r, rule in zip(q["_source_row"], q["rule_id"], strict=True)}
    assert got_q == want.quarantined
    assert len(q) == want.rows[2]
    landed = _area(network, LANDED, case.target)
    if want.status not in ("loaded", "released"):
        assert landed.empty
        return
    assert len(landed) == want.rows[1]
    assert not set(landed["_source_row"]) & set(got_q)  # a row is in one place only
    by_row = landed.set_index("_source_row")
    flags = {int(r): f for r, f in by_row["dq_flags"].items() if f}
    assert flags == want.flags
    for row, values in want.values.items():
        for column, value in values.items():
            got = by_row.at[row, column]
            if value is None:
                assert pd.isna(got), (column, got)
            elif isinstance(value, str) and not isinstance(got, str):
                assert str(pd.Timestamp(got)) == value, (column, got)
            else:
                assert got == value, (column, got)


def test_the_corpus_is_large_and_exact() -> None:
    """At least 60 cases, unique ids, every case with a stated outcome."""
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.proves and c.expect.status for c in CASES)


DOC = Path(__file__).resolve().parents[2] / "docs" / "data-quality.md"
DOC_ROW = re.compile(r"^\| (file|row) \| (\w+) \| (.+?) \| (.+) \|$")


def _doc_outcomes() -> list[tuple[str, str, str | None, list[str]]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = DOC_ROW.match(line)
        if match:
            level, outcome, rule, cases = match.groups()
            rule_id = None if rule == "—" else rule.strip("`")
            rows.append((level, outcome, rule_id, re.findall(r"`([^`]+)`", cases)))
    return rows


def test_docs_list_every_outcome_with_a_case_that_proves_it() -> None:
    by_id = {c.id: c.expect for c in CASES}
    listed: set[tuple[str, str, str | None]] = set()
    for level, outcome, rule, ids in _doc_outcomes():
        assert ids, (level, outcome, rule)
        for case_id in ids:
            want = by_id[case_id]
            if level == "file":
                assert (want.status, want.rule) == (outcome, rule), case_id
            elif outcome == "quarantined":
                assert rule in want.quarantined.values(), case_id
            elif outcome == "flagged":
                assert rule in want.flags.values(), case_id
            else:
                assert outcome == "duplicate" and want.rows[3] > 0, case_id
        listed.add((level, outcome, rule))
    for want in by_id.values():
        assert ("file", want.status, want.rule) in listed
        assert {("row", "quarantined", r) for r in want.quarantined.values()} <= listed
        assert {("row", "flagged", f) for f in want.flags.values()} <= listed
    for contract in FEEDS.values():
        assert {("row", "quarantined", r.id) for r in contract.row_rules} <= listed
        assert {("row", "flagged", f.id) for f in contract.flags} <= listed
    assert ("row", "duplicate", None) in listed


def test_the_corpus_script_writes_every_case(tmp_path: Path) -> None:
    """The command data-quality.md shows: every case but the generated-on-use 300k file."""
    script = Path(__file__).with_name("corpus.py")
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert f"{len(CASES) - 1} cases written" in done.stdout
    written = {p.name for p in tmp_path.iterdir()}
    assert written == {c.id for c in CASES} - {"rows_300k"}
    sample = tmp_path / "utf8" / "inbox" / "D001" / "repair_orders" / "2024-03.csv"
    assert sample.read_bytes().count(b"\n") == 21
