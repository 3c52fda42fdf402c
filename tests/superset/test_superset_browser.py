"""Log in as each role in a headless browser and render its dashboards."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from superset_harness import ADMIN_PASSWORD, ROOT, USER_PASSWORD, SupersetServer

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "var" / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TITLES = {
    "regional-rankings": "区域排名 Regional rankings",
    "dealer-scorecard": "经销商记分卡 Dealer scorecard",
    "feed-health": "数据接入健康 Feed health",
}
CHART_COUNTS = {"regional-rankings": 5, "dealer-scorecard": 6, "feed-health": 7}
ERROR_SELECTORS = ".ant-alert-error, [data-test='error-message'], .error-alert, [role='alert']"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "chromium is installed by scripts/setup.sh"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def login(page, base_url: str, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Log in through the login form; retried because a loaded machine can lose a submit."""
    for _ in range(3):
        page.goto(f"{base_url}/login/")
        username = page.locator("input#username, input[name=username]").first
        username.wait_for(state="visible", timeout=60_000)
        page.wait_for_load_state("networkidle")
        username.fill(user)
        page.locator("input#password, input[name=password]").first.fill(password)
        page.keyboard.press("Enter")
        try:
            page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"could not log in as {user}")


def render(browser, server: SupersetServer, user: str, slug: str, expect: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """Log in, open the dashboard, wait for every chart; returns (visible text, page).

    Charts re-query once their native filters resolve, so the page text is read until it
    is stable (and shows every ``expect`` string) rather than at the first paint.
    """
    context = browser.new_context(viewport={"width": 1600, "height": 2000}, locale="zh-CN")
    page = context.new_page()
    password = ADMIN_PASSWORD if user == "admin" else USER_PASSWORD
    for _ in range(3):
        login(page, server.base_url, user, password)
        page.goto(f"{server.base_url}/superset/dashboard/{slug}/")
        page.wait_for_load_state("domcontentloaded")
        # a session lost on a loaded machine lands back on the login form: log in again
        if "/login" not in page.url:
            break
    assert "/login" not in page.url, f"{user} was sent back to the login page"
    holders = page.locator(".dashboard-component-chart-holder")
    deadline = time.monotonic() + 120
    while True:
        texts = holders.all_inner_texts()
        loading = page.locator(".dashboard-component-chart-holder .loading").count()
        done = (
            len(texts) == CHART_COUNTS[slug]
            and loading == 0
            and not any("Waiting on" in t or "Loading" in t for t in texts)
            and all(t.strip() for t in texts)
        )
        if done or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    page.wait_for_timeout(800)  # let charts paint before the screenshot
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{slug}--{user}.png"), full_page=True)
    assert done, f"{user} {slug}: charts did not finish loading: {[t[:80] for t in texts]}"
    errors = page.locator(f".dashboard-component-chart-holder :is({ERROR_SELECTORS})")
    assert errors.count() == 0, f"{user} {slug}: error panels {errors.all_inner_texts()}"
    for text in texts:
        assert not re.search(r"error|exception|unexpected", text, re.IGNORECASE), text[:300]
    body = page.inner_text("body")
    settle_deadline = time.monotonic() + 60
    while time.monotonic() < settle_deadline:
        page.wait_for_timeout(1500)
        again = page.inner_text("body")
        if again == body and all(e in again for e in expect):
            break
        body = again
    assert TITLES[slug] in body
    context.close()
    return body, page


def _latest_month(mart: duckdb.DuckDBPyConnection) -> str:
    return mart.execute(
        "SELECT max(period_label) FROM rpt_regional_rankings WHERE period_grain = 'month'"
    ).fetchone()[0]


def test_oem_sees_rankings_with_composite_leader(
    browser, superset_server: SupersetServer, mart: duckdb.DuckDBPyConnection
) -> None:
    leader = mart.execute(
        "SELECT dealer_code FROM rpt_regional_rankings WHERE kpi_code = 'composite' "
        "AND period_grain = 'month' AND period_label = ? AND rank_national = 1",
        [_latest_month(mart)],
    ).fetchall()
    body, _ = render(
        browser, superset_server, "oem", "regional-rankings", tuple(c for (c,) in leader)
    )
    assert leader and all(code in body for (code,) in leader)
    assert _latest_month(mart) in body
    names_zh = {
        r[0]
        for r in mart.execute("SELECT DISTINCT kpi_name_zh FROM rpt_regional_rankings").fetchall()
    }
    assert any(name in body for name in names_zh)  # Chinese KPI label shown
    assert "区域内排名" in body and "综合得分" in body


def test_oem_sees_feed_health_totals(
    browser, superset_server: SupersetServer, mart: duckdb.DuckDBPyConnection
) -> None:
    loaded = mart.execute("SELECT sum(rows_loaded) FROM rpt_feed_health").fetchone()[0]
    body, _ = render(browser, superset_server, "oem", "feed-health", (f"{int(loaded):,}",))
    assert f"{int(loaded):,}" in body
    assert "主要隔离原因" in body


def test_regional_manager_sees_only_its_region(
    browser, superset_server: SupersetServer, dealers: list[tuple[str, str, str]]
) -> None:
    regions = sorted({d[1] for d in dealers}, key=lambda r: -sum(d[1] == r for d in dealers))
    region = regions[0]
    body, _ = render(browser, superset_server, f"rm_{region}", "regional-rankings")
    codes_in_body = set(re.findall(r"\b[\w-]+\b", body))
    own = {d[0] for d in dealers if d[1] == region}
    others = {d[0] for d in dealers if d[1] != region}
    assert own & codes_in_body, "no dealer of the region visible"
    assert not (others & codes_in_body), f"other regions visible: {others & codes_in_body}"


def test_dealer_sees_its_scorecard(
    browser,
    superset_server: SupersetServer,
    mart: duckdb.DuckDBPyConnection,
    dealers: list[tuple[str, str, str]],
) -> None:
    code = dealers[0][0]
    body, _ = render(browser, superset_server, code, "dealer-scorecard")
    month = _latest_month(mart)
    kpis = mart.execute(
        "SELECT DISTINCT kpi_name_zh, dealer_name FROM rpt_dealer_scorecard "
        "WHERE dealer_code = ? AND period_grain = 'month' AND period_label = ?",
        [code, month],
    ).fetchall()
    assert kpis
    for kpi_zh, dealer_name in kpis:
        assert kpi_zh in body
        assert dealer_name in body
    others = {d[0] for d in dealers if d[0] != code}
    # the drill-through may explain a miss with the other dealer's code ("registered only
    # by another dealer (D1003)"); no other dealer's rows may appear anywhere else
    own_rows_only = re.sub(r"by another dealer \([\w-]+\)", "", body)
    assert not (others & set(re.findall(r"\b[\w-]+\b", own_rows_only)))
    assert "薄弱项" in body and "服务覆盖率明细" in body


def test_data_engineer_sees_feed_health(browser, superset_server: SupersetServer) -> None:
    body, _ = render(browser, superset_server, "dataeng", "feed-health")
    assert "数据新鲜度" in body and "批次校验结果" in body
