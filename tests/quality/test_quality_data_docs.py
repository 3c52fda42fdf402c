"""Data Docs for the latest run render styled in headless chromium with the network blocked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Route, sync_playwright
from quality_batches import file_row, ro_rows

from ingestion.quality.data_docs import build_data_docs
from ingestion.quality.gate import run_gate, write_results

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
A, B = "D0001/repair_orders/2024-03.csv", "D0002/repair_orders/2024-03.csv"


def _lake_with_two_runs(tmp_path: Path) -> Path:
    lake = tmp_path / "lake"
    lake.mkdir()
    conn = sqlite3.connect(lake / "control.sqlite")
    files = pd.DataFrame([file_row(A, "repair_orders", 20), file_row(B, "repair_orders", 20)])
    old = run_gate("repair_orders", pd.concat([ro_rows(A, 20), ro_rows(B, 20)]), files, "run-old")
    write_results(conn, old.results)
    bad = ro_rows(B, 20)
    bad.loc[:9, "dq_flags"] = "promised_missing"  # half the file flagged
    new = run_gate("repair_orders", pd.concat([ro_rows(A, 20), bad]), files, "run-new")
    write_results(conn, new.results)
    conn.close()
    return lake


@pytest.mark.e2e
def test_data_docs_render_offline_and_styled(tmp_path: Path) -> None:
    lake = _lake_with_two_runs(tmp_path)
    index = build_data_docs(lake)
    assert index == lake / "data_docs" / "index.html"
    pages = list(index.parent.rglob("*.html"))
    validations = [p for p in pages if "validations" in p.parts]
    assert {p.parts[-3] for p in validations} == {"run-new"}  # only the latest run
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "cdn.jsdelivr" not in text and "unpkg.com" not in text, page

    attempted: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route("**/*", only_local)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(index.as_uri())
        page.wait_for_load_state("load")
        index_text = page.inner_text("body")
        assert "run-new" in index_text and "repair_orders.files" in index_text
        navbar_border = page.evaluate(
            "getComputedStyle(document.querySelector('.navbar')).borderBottomStyle"
        )
        assert navbar_border == "solid"  # browser default for a <nav> is none
        page.screenshot(path=str(tmp_path / "data_docs_index.png"), full_page=True)

        suite_page = next(p for p in validations if "files" in p.parts)  # repair_orders.files
        page.goto(suite_page.as_uri())
        page.wait_for_load_state("load")
        text = page.inner_text("body")
        assert "Failed" in text and B in text and A not in text
        padding = page.evaluate(
            "getComputedStyle(document.querySelector('.card-header')).paddingLeft"
        )
        assert padding != "0px"
        page.screenshot(path=str(tmp_path / "data_docs_validation.png"), full_page=True)
        browser.close()
    assert attempted == []
    assert errors == []
    assert (tmp_path / "data_docs_index.png").stat().st_size > 10_000
