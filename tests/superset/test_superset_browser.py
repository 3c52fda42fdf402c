"""Log in as each role in a headless browser and render its dashboards."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from superset_harness import ROOT, SupersetServer

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


def _chart_counts() -> dict[str, int]:
    """Charts placed on each dashboard (by slug), from the asset files."""
    import yaml

    counts = {}
    for path in (ROOT / "superset" / "assets" / "dashboards").glob("*.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        counts[spec["slug"]] = sum(len(row["charts"]) for row in spec["rows"])
    return counts


CHART_COUNTS = _chart_counts()
PERCENT = re.compile(r"\b\d{1,3}\.\d%")  # a rate: percentage with one decimal
YUAN = re.compile(r"¥\d{1,3}(,\d{3})*\b")  # money: yen sign, thousands separators
STATUS = re.compile(r"达标|预警|未达标")
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


def render(
    browser,
    server: SupersetServer,
    user: str,
    slug: str,
    expect: tuple[str, ...] = (),
    keep: bool = False,
):  # type: ignore[no-untyped-def]
    """Log in, open the dashboard, wait for every chart; returns (visible text, page).

    With ``keep`` the browser context stays open (the caller closes page.context).

    Charts re-query once their native filters resolve, so the page text is read until it
    is stable (and shows every ``expect`` string) rather than at the first paint.
    """
    context = browser.new_context(viewport={"width": 1600, "height": 2000}, locale="zh-CN")
    page = context.new_page()
    password = server.password(user)
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
    if not keep:
        context.close()
    return body, page


def _latest_final_month(mart: duckdb.DuckDBPyConnection) -> str:
    return mart.execute(
        "SELECT max(period_label) FROM rpt_regional_rankings "
        "WHERE period_grain = 'month' AND is_final_period"
    ).fetchone()[0]


def _nav_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("header, #app-menu, .main-nav, nav").first.inner_text()


def test_oem_sees_rankings_on_the_latest_final_month_with_map_and_formatted_values(
    browser, superset_server: SupersetServer, mart: duckdb.DuckDBPyConnection
) -> None:
    month = _latest_final_month(mart)
    leaders = mart.execute(
        "SELECT dealer_code, value_display, status_zh FROM rpt_regional_rankings "
        "WHERE kpi_code = 'coverage' AND period_grain = 'month' AND period_label = ? "
        "AND rank_national = 1",
        [month],
    ).fetchall()
    assert leaders
    body, page = render(
        browser,
        superset_server,
        "oem",
        "regional-rankings",
        tuple(v for _, v, _ in leaders),
        keep=True,
    )
    try:
        # default period: the latest final month, never a provisional one
        assert (
            page.locator(".filter-bar, [data-test='filter-bar']").first.inner_text().count(month)
        ), f"default period is not {month}"
        assert "(暂定)" not in page.locator("[data-test='filter-bar']").first.inner_text()
        for code, value, status in leaders:
            assert code in body and value in body and status in body
        assert PERCENT.search(body) and STATUS.search(body)
        assert not re.search(r"\b0\.\d{4,}\b", body), "a raw fraction is shown"
        assert "综合得分" in body and "对标基准" in body and "全国" in body
        # the map (deck.gl: province layer and dealer points) draws on a canvas
        assert page.locator(".dashboard-component-chart-holder canvas").count() >= 1
        # the OEM keeps the analyst's menus
        assert "图表" in _nav_text(page)
    finally:
        page.context.close()


def test_regional_manager_sees_its_region_with_national_benchmarks_and_no_analyst_ui(
    browser, superset_server: SupersetServer, dealers: list[tuple[str, str, str]]
) -> None:
    regions = sorted({d[1] for d in dealers}, key=lambda r: -sum(d[1] == r for d in dealers))
    region = regions[0]
    user = f"rm_{region}"
    body, page = render(browser, superset_server, user, "regional-rankings", keep=True)
    try:
        codes_in_body = set(re.findall(r"\b[\w-]+\b", body))
        own = {d[0] for d in dealers if d[1] == region}
        others = {d[0] for d in dealers if d[1] != region}
        assert own & codes_in_body, "no dealer of the region visible"
        assert not (others & codes_in_body), f"other regions visible: {others & codes_in_body}"
        assert "全国" in body and PERCENT.search(body)  # national benchmarks beside own rows
        assert page.locator(".dashboard-component-chart-holder canvas").count() >= 1
        nav = _nav_text(page)
        assert "看板" in nav  # Chinese UI
        assert "图表" not in nav and "数据集" not in nav and "SQL" not in nav
        assert_explained(page, superset_server, "/explore/", "此功能未向您的角色开放")
        assert_explained(page, superset_server, "/sqllab/", "此功能未向您的角色开放")
        assert_explained(page, superset_server, "/chart/list/", "此功能未向您的角色开放")
        assert_explained(page, superset_server, "/tablemodelview/list/", "此功能未向您的角色开放")
    finally:
        page.context.close()


def assert_explained(page, server: SupersetServer, path: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(f"{server.base_url}{path}")
    assert response is not None and response.status == 403, path
    text = page.inner_text("body")
    assert heading in text and "404" not in text, text[:300]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"\W+", "-", path).strip("-")
    page.screenshot(path=str(SCREENSHOTS / f"access-{name}.png"))


def test_dealer_sees_tiles_formatted_values_and_provisional_marking(
    browser,
    superset_server: SupersetServer,
    mart: duckdb.DuckDBPyConnection,
    dealers: list[tuple[str, str, str]],
) -> None:
    code = mart.execute(
        "SELECT min(dealer_code) FROM rpt_dealer_scorecard WHERE kpi_code = 'revenue_per_vehicle' "
        "AND value IS NOT NULL AND is_final_period"
    ).fetchone()[0]
    month = _latest_final_month(mart)
    tiles = mart.execute(
        "SELECT kpi_label, value_display, target_display, status_zh FROM rpt_dealer_scorecard "
        "WHERE dealer_code = ? AND view_choice = ? AND is_headline_tile ORDER BY display_order",
        [code, month],
    ).fetchall()
    assert [t[0][:4] for t in tiles][:3] == ["服务覆盖率"[:4], "首保实施率"[:4], "保修登记率"[:4]]
    body, page = render(
        browser,
        superset_server,
        code,
        "dealer-scorecard",
        tuple(t[1] for t in tiles if t[1]),
        keep=True,
    )
    try:
        tile_text = page.locator(".dashboard-component-chart-holder").first.inner_text()
        for label, value, target, status in tiles:
            assert label in tile_text
            if value:
                assert value in tile_text
            if target:
                assert f"目标 {target}" in tile_text
            if status:
                assert status in tile_text
        assert "较上期" in tile_text
        assert PERCENT.search(body) and YUAN.search(body) and STATUS.search(body)
        provisional = mart.execute(
            "SELECT count(*) FROM rpt_dealer_scorecard WHERE dealer_code = ? AND view_choice = ? "
            "AND is_provisional AND value IS NOT NULL",
            [code, month],
        ).fetchone()[0]
        if provisional:
            assert "（暂定）" in body and "暂定数据" in body
        others = {d[0] for d in dealers if d[0] != code}
        # a vehicle's reason may name the other dealer that registered it or did its first
        # maintenance; nothing else may name another dealer
        own_rows_only = re.sub(r"仅由其他经销商登记（[\w-]+）|在 [\w-]+ 首保", "", body)
        assert not (others & set(re.findall(r"\b[\w-]+\b", own_rows_only)))
        assert "薄弱项" in body and "服务覆盖率明细" in body and "全国" in body
        nav = _nav_text(page)
        assert "图表" not in nav and "数据集" not in nav
        # a dashboard outside the dealer's scope explains access instead of a 404
        assert_explained(
            page, superset_server, "/superset/dashboard/regional-rankings/", "无权访问此看板"
        )
        assert "区域排名" in page.inner_text("body")
    finally:
        page.context.close()


def test_feed_health_shows_the_planted_file_events_in_chinese(
    browser, superset_server: SupersetServer, mart: duckdb.DuckDBPyConnection
) -> None:
    held, rejected, late, as_of = mart.execute(
        "SELECT sum(held_batches), sum(rejected_batches), "
        "sum(CASE WHEN is_late THEN 1 ELSE 0 END), max(as_of_date) FROM rpt_feed_health"
    ).fetchone()
    assert held >= 1 and rejected >= 1 and late >= 1  # the network's file events
    last_month = mart.execute(
        "SELECT max(period_start) FROM rpt_regional_rankings WHERE period_grain = 'month'"
    ).fetchone()[0]
    assert as_of.year == last_month.year and as_of.month == last_month.month  # data's last day
    body, _ = render(browser, superset_server, "dataeng", "feed-health", (str(as_of),))
    assert "数据新鲜度" in body and "批次校验结果" in body
    assert "维修工单" in body and "投诉" in body  # feed names in Chinese
    assert str(as_of) in body  # "as of" is the data's last day
    assert not re.search(r"\b(true|false)\b", body)


@pytest.mark.parametrize(
    ("role", "slug"), [("region", "dealer-scorecard"), ("dealer", "feed-health")]
)
def test_the_other_dashboards_of_a_role_render(
    browser,
    superset_server: SupersetServer,
    dealers: list[tuple[str, str, str]],
    role: str,
    slug: str,
) -> None:
    """The regional manager's scorecards and the dealer's feed health (screenshots for docs)."""
    login = {"region": f"rm_{dealers[0][1]}", "dealer": dealers[0][0]}[role]
    body, _ = render(browser, superset_server, login, slug)
    if slug == "dealer-scorecard":
        assert STATUS.search(body) and PERCENT.search(body)
    else:
        assert dealers[0][0] in body
