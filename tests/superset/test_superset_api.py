"""Dashboards, charts and import behaviour through the REST API of a real Superset."""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb
import pytest
import requests
from superset_harness import (
    GONE_DEALER,
    GONE_REGION,
    ROOT,
    Api,
    SupersetServer,
    chart_row,
    count_rows,
    stable_uuid,
)

pytestmark = pytest.mark.e2e

SLUGS = {
    "regional_rankings": "regional-rankings",
    "dealer_scorecard": "dealer-scorecard",
    "feed_health": "feed-health",
}


def _asset_placements() -> dict[str, set[str]]:
    import yaml

    placements: dict[str, set[str]] = {}
    for name in SLUGS:
        spec = yaml.safe_load(
            (ROOT / "superset" / "assets" / "dashboards" / f"{name}.yaml").read_text()
        )
        placements[name] = {c["chart"] for row in spec["rows"] for c in row["charts"]}
    return placements


def _charts_of(admin: Api, slug: str) -> list[dict[str, Any]]:
    r = admin.get(f"/api/v1/dashboard/{slug}/charts")
    r.raise_for_status()
    return r.json()["result"]


def _chart_ids(admin: Api) -> dict[str, int]:
    """Chart ids keyed by asset name (via the stable UUIDs)."""
    r = admin.get("/api/v1/chart/", page_size=200, columns=["id", "uuid"])
    r.raise_for_status()
    by_uuid = {c["uuid"]: c["id"] for c in r.json()["result"]}
    names = [p.stem for p in (ROOT / "superset" / "assets" / "charts").glob("*.yaml")]
    return {
        n: by_uuid[stable_uuid("chart", n)] for n in names if stable_uuid("chart", n) in by_uuid
    }


@pytest.mark.parametrize("name", sorted(SLUGS))
def test_every_chart_of_the_dashboard_returns_data(admin: Api, name: str) -> None:
    charts = _charts_of(admin, SLUGS[name])
    expected = _asset_placements()[name]
    ids = _chart_ids(admin)
    assert {c["id"] for c in charts} == {ids[n] for n in expected}, "bundle references unresolved"
    for chart in charts:
        r = admin.chart_data(chart["id"])
        assert r.status_code == 200, f"{chart['slice_name']}: {r.text[:500]}"
        results = r.json()["result"]
        assert results and results[0]["rowcount"] > 0, f"{chart['slice_name']} returned no rows"
        assert not results[0].get("error"), results[0].get("error")


def _stored_query_context(admin: Api, chart_id: int) -> dict[str, Any]:
    r = admin.get(f"/api/v1/chart/{chart_id}")
    r.raise_for_status()
    return json.loads(r.json()["result"]["query_context"])


def _chart_rows_with_filters(
    admin: Api, chart_id: int, extra: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    qc = _stored_query_context(admin, chart_id)
    qc["queries"][0]["filters"] = [*qc["queries"][0]["filters"], *extra]
    r = admin.post("/api/v1/chart/data", qc)
    assert r.status_code == 200, r.text[:500]
    return r.json()["result"][0]["data"]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def test_ranking_chart_values_equal_the_mart(admin: Api, mart: duckdb.DuckDBPyConnection) -> None:
    ids = _chart_ids(admin)
    period, kpi = mart.execute(
        "SELECT period_label, kpi_code FROM rpt_regional_rankings "
        "WHERE period_grain = 'month' AND kpi_code <> 'composite' AND rank_region IS NOT NULL "
        "ORDER BY period_label DESC, kpi_code LIMIT 1"
    ).fetchone()
    filters = [
        {"col": "period_grain", "op": "==", "val": "month"},
        {"col": "period_label", "op": "==", "val": period},
        {"col": "kpi_code", "op": "==", "val": kpi},
    ]
    rows = _chart_rows_with_filters(admin, ids["ranking_per_region"], filters)
    expected = mart.execute(
        "SELECT dealer_code, rank_region, value_display, numerator, denominator, status_zh "
        "FROM rpt_regional_rankings WHERE period_grain = 'month' AND period_label = ? AND kpi_code = ?",
        [period, kpi],
    ).fetchall()
    assert len(rows) == len(expected) > 0
    by_dealer = {r["dealer_code"]: r for r in rows}
    for dealer, rank, value, num, den, status in expected:
        got = by_dealer[dealer]
        assert got["rank_region"] == rank, dealer
        assert got["value_display"] == value and _close(got["numerator"], num), dealer
        assert _close(got["denominator"], den) and got["status_zh"] == status, dealer
    # the chart lists each region's dealers best first
    ordered = [(r["region_zh"], r["rank_region"]) for r in rows if r["rank_region"] is not None]
    assert ordered == sorted(ordered)

    composite = _chart_rows_with_filters(admin, ids["composite_score"], filters[:2])
    expected_composite = dict(
        mart.execute(
            "SELECT dealer_code, rank_national FROM rpt_regional_rankings "
            "WHERE kpi_code = 'composite' AND period_grain = 'month' AND period_label = ?",
            [period],
        ).fetchall()
    )
    assert {r["dealer_code"]: r["rank_national"] for r in composite} == expected_composite


def test_data_ending_mid_window_is_provisional_marked_and_never_ranked(
    admin: Api, mart: duckdb.DuckDBPyConnection
) -> None:
    """The test network ends on 31 December: December's warranty registrations have not
    reached their 7-day deadline, so December is provisional, marked, unranked, and the
    dashboards' period filters start at the latest final month."""
    last, first_final = mart.execute(
        "SELECT max(period_label), max(period_label) FILTER (WHERE is_final_period) "
        "FROM rpt_regional_rankings WHERE period_grain = 'month'"
    ).fetchone()
    assert last.endswith("-12") and first_final < last
    december = mart.execute(
        "SELECT dealer_code, value_display, status_zh, rank_national, rank_region, "
        "unranked_reason FROM rpt_regional_rankings WHERE period_grain = 'month' "
        "AND period_label = ? AND kpi_code = 'warranty_registration' AND value IS NOT NULL",
        [last],
    ).fetchall()
    assert december
    for dealer, value, status, rank_n, rank_r, reason in december:
        assert value.endswith("（暂定）") and status == "暂定", dealer
        assert rank_n is None and rank_r is None and reason.startswith("暂定数据"), dealer
    ranked_provisional = mart.execute(
        "SELECT count(*) FROM rpt_regional_rankings "
        "WHERE is_provisional AND (rank_national IS NOT NULL OR rank_region IS NOT NULL)"
    ).fetchone()[0]
    assert ranked_provisional == 0
    # what the period filters offer first (descending): the latest final month
    ds = {
        d["table_name"]: d["id"]
        for d in admin.get("/api/v1/dataset/", page_size=100, columns=["id", "table_name"]).json()[
            "result"
        ]
    }
    for table, column in (
        ("rpt_regional_rankings", "period_choice"),
        ("rpt_dealer_scorecard", "view_choice"),
    ):
        r = admin.post(
            "/api/v1/chart/data",
            {
                "datasource": {"id": ds[table], "type": "table"},
                "queries": [
                    {
                        "columns": [column],
                        "metrics": [],
                        "filters": [{"col": "period_grain", "op": "==", "val": "month"}],
                        "orderby": [[column, False]],
                        "row_limit": 100,
                    }
                ],
                "result_format": "json",
                "result_type": "full",
            },
        )
        assert r.status_code == 200, r.text[:300]
        values = [row[column] for row in r.json()["result"][0]["data"]]
        assert values[0] == first_final, table
        assert f"(暂定) {last}" in values and values[-1].startswith("(暂定)"), table


def test_region_map_layers_colour_the_regions_and_place_the_dealers(
    superset_server: SupersetServer,
    mart: duckdb.DuckDBPyConnection,
    dealers: list[tuple[str, str, str]],
) -> None:
    """The map's two layers: every province outline, coloured for the regions with data, and
    the dealers with coordinates as points — a regional manager's points only its own."""
    admin = superset_server.api("admin")
    ids = _chart_ids(admin)
    multi = admin.get(f"/api/v1/chart/{ids['region_map']}").json()["result"]
    assert json.loads(multi["params"])["deck_slices"] == [
        ids["region_shapes"],
        ids["dealer_points"],
    ]
    month = mart.execute(
        "SELECT max(period_label) FROM rpt_regional_rankings "
        "WHERE period_grain = 'month' AND is_final_period"
    ).fetchone()[0]
    filters = [
        {"col": "period_choice", "op": "==", "val": month},
        {"col": "kpi_name_zh", "op": "==", "val": "服务覆盖率"},
    ]
    shapes = _chart_rows_with_filters(admin, ids["region_shapes"], filters)
    assert len(shapes) >= 30  # every province of Superset's China map
    features = [json.loads(r["feature"]) for r in shapes]
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in features)
    coloured = {f["properties"]["fillColor"] for f in features}
    regions_with_data = mart.execute(
        "SELECT count(DISTINCT region) FROM rpt_region_map WHERE period_label = ? "
        "AND kpi_code = 'coverage' AND period_grain = 'month'",
        [month],
    ).fetchone()[0]
    assert regions_with_data >= 2 and len(coloured) >= 2
    located = {
        c
        for (c,) in mart.execute(
            "SELECT DISTINCT dealer_code FROM rpt_regional_rankings WHERE latitude IS NOT NULL"
        ).fetchall()
    }
    points = _chart_rows_with_filters(admin, ids["dealer_points"], filters)
    assert {r["dealer_code"] for r in points} == located and located
    region = dealers[0][1]
    rm_points = _chart_rows_with_filters(
        superset_server.api(f"rm_{region}"), ids["dealer_points"], filters
    )
    own = {d[0] for d in dealers if d[1] == region}
    assert rm_points and {r["dealer_code"] for r in rm_points} <= own


def test_users_get_distinct_generated_passwords_printed_once(
    superset_server: SupersetServer, dealers: list[tuple[str, str, str]]
) -> None:
    logins = superset_server.logins
    expected = {"oem", "dataeng", *(d[0] for d in dealers), *(f"rm_{d[1]}" for d in dealers)}
    assert expected <= set(logins)
    assert len(set(logins.values())) == len(logins)  # distinct
    assert all(len(p) >= 16 for p in logins.values())
    assert "aftersales-dev-password" not in logins.values()
    # the re-run created nobody and printed no password
    assert "password:" not in superset_server.rerun_output
    assert superset_server.api(dealers[0][0]).get("/api/v1/me/").status_code == 200


def test_rerun_bootstrap_updates_a_changed_chart(
    superset_server: SupersetServer, admin: Api
) -> None:
    chart_uuid = stable_uuid("chart", "feed_gx_results")
    old_name, old_params = superset_server.before_reimport or ("", {})
    assert old_name == "OLD GX results" and old_params["row_limit"] == 7  # first import
    new_name, new_params = chart_row(superset_server.metadata_db, chart_uuid)
    assert new_name == "批次校验结果 GX batch gate results"
    assert new_params["row_limit"] == 10000
    r = admin.get("/api/v1/chart/", filters=[{"col": "slice_name", "opr": "eq", "value": new_name}])
    assert r.json()["count"] == 1
    # the chart-data API serves the updated query too
    qc = _stored_query_context(admin, r.json()["ids"][0])
    assert qc["queries"][0]["row_limit"] == 10000


def test_rerun_bootstrap_creates_no_duplicates(
    superset_server: SupersetServer, admin: Api, dealers: list[tuple[str, str, str]]
) -> None:
    db = superset_server.metadata_db
    regions = {d[1] for d in dealers}
    # deny-by-default + one rule per region and per dealer of the current master
    assert count_rows(db, "row_level_security_filters") == 1 + len(regions) + len(dealers)
    # the first run had one more dealer in one more region
    assert superset_server.rls_rules_after_first == 1 + len(regions) + len(dealers) + 2
    assert count_rows(db, "ab_user") == superset_server.users_after_first
    n_charts = len(list((ROOT / "superset" / "assets" / "charts").glob("*.yaml")))
    assert count_rows(db, "slices") == n_charts
    assert count_rows(db, "dashboards") == len(SLUGS)
    r = admin.get("/api/v1/database/", columns=["database_name"])
    assert [d["database_name"] for d in r.json()["result"]] == ["aftersales_warehouse"]


def test_dealer_gone_from_the_master_is_deactivated(superset_server: SupersetServer) -> None:
    import sqlite3

    con = sqlite3.connect(superset_server.metadata_db)
    try:
        active = dict(
            con.execute(
                "SELECT username, active FROM ab_user WHERE username IN (?, ?, 'oem')",
                (GONE_DEALER, f"rm_{GONE_REGION}"),
            ).fetchall()
        )
    finally:
        con.close()
    assert active == {GONE_DEALER: 0, f"rm_{GONE_REGION}": 0, "oem": 1}
    with pytest.raises(requests.HTTPError):
        superset_server.api(GONE_DEALER)


def test_database_is_read_only(admin: Api, superset_server: SupersetServer) -> None:
    [listed] = admin.get("/api/v1/database/", columns=["id"]).json()["result"]
    r = admin.get(f"/api/v1/database/{listed['id']}/connection")
    assert r.status_code == 200, r.text[:300]
    db = r.json()["result"]
    assert db["sqlalchemy_uri"] == f"duckdb:///{superset_server.warehouse}"
    assert json.loads(db["extra"])["engine_params"]["connect_args"]["read_only"] is True
    assert db["allow_dml"] is False
