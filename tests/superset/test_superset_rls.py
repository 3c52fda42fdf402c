"""Row-level security: every role sees exactly its rows on every dataset, others nothing."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import duckdb
import pytest
import requests
from superset_harness import Api, SupersetServer, aggregate_tables

pytestmark = pytest.mark.e2e


def _rows_per_dealer(api: Api, dataset_id: int) -> Counter[str]:
    r = api.query(dataset_id, columns=["dealer_code"], metrics=["count"])
    assert r.status_code == 200, f"{api.username}: {r.text[:300]}"
    return Counter({row["dealer_code"]: row["count"] for row in r.json()["result"][0]["data"]})


def _mart_rows_per_dealer(mart: duckdb.DuckDBPyConnection, table: str) -> Counter[str]:
    return Counter(
        dict(mart.execute(f"SELECT dealer_code, count(*) FROM main.{table} GROUP BY 1").fetchall())
    )


@pytest.fixture(scope="module")
def mart_counts(
    mart: duckdb.DuckDBPyConnection, dataset_ids: dict[str, int]
) -> dict[str, Counter[str]]:
    return {table: _mart_rows_per_dealer(mart, table) for table in dataset_ids}


def test_every_dataset_has_rls(dataset_ids: dict[str, int], admin: Api) -> None:
    r = admin.get(
        "/api/v1/rowlevelsecurity/",
        page_size=100,
        filters=[{"col": "filter_type", "opr": "eq", "value": "Base"}],
    )
    r.raise_for_status()
    base = [f for f in r.json()["result"] if f["clause"].replace(" ", "") == "1=0"]
    assert len(base) == 1
    assert {t["table_name"] for t in base[0]["tables"]} == set(dataset_ids)
    assert len(dataset_ids) >= 6


def test_aggregate_datasets_have_no_dealer_rows_and_are_readable_by_everyone(
    superset_server: SupersetServer,
    all_dataset_ids: dict[str, int],
    mart: duckdb.DuckDBPyConnection,
    dealers: list[tuple[str, str, str]],
) -> None:
    """Benchmarks and the region map: national and regional aggregates, the same for every
    role, and no column that could carry a dealer's own figure."""
    aggregates = aggregate_tables()
    assert {"rpt_kpi_benchmarks", "rpt_region_map", "rpt_region_shapes"} <= aggregates
    dealer_code, region = dealers[0][0], dealers[0][1]
    tables = {
        r[0] for r in mart.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    for table in aggregates:
        oem = superset_server.api("oem").query(
            all_dataset_ids[table], columns=[], metrics=["count"]
        )
        assert oem.status_code == 200, oem.text[:300]
        expected = oem.json()["result"][0]["data"][0]["count"]
        assert expected > 0, table
        if table in tables:  # a mart table (the map's shapes are a virtual dataset on marts)
            columns = {
                r[0]
                for r in mart.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                    [table],
                ).fetchall()
            }
            assert "dealer_code" not in columns, table
            assert mart.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0] == expected
        for user in (f"rm_{region}", dealer_code):
            got = superset_server.api(user).query(
                all_dataset_ids[table], columns=[], metrics=["count"]
            )
            assert got.status_code == 200, got.text[:300]
            assert got.json()["result"][0]["data"][0]["count"] == expected, (user, table)
    # the national row of a benchmark aggregates more than one dealer
    national = mart.execute(
        "SELECT max(dealers) FROM rpt_kpi_benchmarks WHERE scope = 'national'"
    ).fetchone()[0]
    assert national >= 2


def test_each_dealer_sees_only_its_own_rows(
    superset_server: SupersetServer,
    dataset_ids: dict[str, int],
    mart_counts: dict[str, Counter[str]],
    dealers: list[tuple[str, str, str]],
) -> None:
    def check(dealer: str) -> list[str]:
        api = superset_server.api(dealer)
        problems = []
        for table, ds_id in dataset_ids.items():
            got = _rows_per_dealer(api, ds_id)
            want = (
                Counter({dealer: mart_counts[table][dealer]})
                if mart_counts[table][dealer]
                else Counter()
            )
            if got != want:
                problems.append(f"{dealer} on {table}: got {dict(got)}, want {dict(want)}")
        return problems

    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [p for result in pool.map(check, [d[0] for d in dealers]) for p in result]
    assert not problems, "\n".join(problems[:20])
    # the check is not vacuous: every dealer owns rows in the scorecard
    assert all(mart_counts["rpt_dealer_scorecard"][d[0]] > 0 for d in dealers)


def test_regional_manager_sees_only_its_region(
    superset_server: SupersetServer,
    dataset_ids: dict[str, int],
    mart_counts: dict[str, Counter[str]],
    dealers: list[tuple[str, str, str]],
) -> None:
    regions = sorted({d[1] for d in dealers})
    assert len(regions) >= 2
    for region in regions:
        api = superset_server.api(f"rm_{region}")
        members = {d[0] for d in dealers if d[1] == region}
        for table, ds_id in dataset_ids.items():
            got = _rows_per_dealer(api, ds_id)
            want = Counter({k: v for k, v in mart_counts[table].items() if k in members})
            assert got == want, f"rm_{region} on {table}"


def test_oem_sees_every_dealer(
    superset_server: SupersetServer,
    dataset_ids: dict[str, int],
    mart_counts: dict[str, Counter[str]],
) -> None:
    api = superset_server.api("oem")
    for table, ds_id in dataset_ids.items():
        assert _rows_per_dealer(api, ds_id) == mart_counts[table], table


NO_SCOPE_PASSWORD = "unmapped-test-password"


def _no_scope_user(admin: Api, username: str) -> None:
    """A user with the dealer and regional-manager roles but no dealer or region mapped."""
    roles = {
        r["name"]: r["id"]
        for r in admin.get("/api/v1/security/roles/", page_size=500).json()["result"]
    }
    r = admin.post(
        "/api/v1/security/users/",
        {
            "first_name": "Unmapped",
            "last_name": username,
            "username": username,
            "email": f"{username}@aftersales.invalid",
            "active": True,
            "password": NO_SCOPE_PASSWORD,
            "roles": [
                roles["Gamma"],
                roles["aftersales_dealer"],
                roles["aftersales_regional_manager"],
            ],
        },
    )
    assert r.status_code == 201, r.text


def test_user_without_dealer_mapping_sees_nothing(
    superset_server: SupersetServer, admin: Api, dataset_ids: dict[str, int]
) -> None:
    _no_scope_user(admin, "unmapped_dealer_user")
    api = superset_server.api("unmapped_dealer_user", NO_SCOPE_PASSWORD)
    for table, ds_id in dataset_ids.items():
        got = api.query(ds_id, columns=["dealer_code"], metrics=["count"])
        assert got.status_code == 200, got.text[:300]
        assert got.json()["result"][0]["data"] == [], table


# Attempts to widen a query past its row-level security through the chart-data API: a
# filter naming every dealer, and SQL in extras.where / extras.having / an ad-hoc filter
# that tries to close the security clause's parentheses or OR it away.
WHERE_TRICKS = (
    "1=1",
    "1=1) OR (1=1",
    "dealer_code IS NOT NULL OR 1=1",
    "1=1 --",
    "1=1 /*",
    "dealer_code = dealer_code) OR (dealer_code <> 'x'",
    "1=1; SELECT * FROM main.rpt_dealer_scorecard",
    "dealer_code IN (SELECT dealer_code FROM main.dim_dealers)",
)


def _chart_data(api: Api, ds_id: int, **query: Any) -> requests.Response:
    body = {
        "datasource": {"id": ds_id, "type": "table"},
        "force": True,
        "queries": [
            {"columns": ["dealer_code"], "metrics": ["count"], "row_limit": 100000, **query}
        ],
        "result_format": "json",
        "result_type": "full",
    }
    return api.post("/api/v1/chart/data", body)


def _probe(api: Api, ds_id: int, every_dealer: list[str]) -> list[tuple[str, requests.Response]]:
    tricks: list[tuple[str, dict[str, Any]]] = [
        (
            "filter IN every dealer",
            {"filters": [{"col": "dealer_code", "op": "IN", "val": every_dealer}]},
        ),
        (
            "filter NOT IN nothing",
            {"filters": [{"col": "dealer_code", "op": "NOT IN", "val": ["-"]}]},
        ),
    ]
    for clause in WHERE_TRICKS:
        tricks.append((f"where {clause!r}", {"extras": {"where": clause}}))
        tricks.append((f"having {clause!r}", {"extras": {"having": clause}}))
        tricks.append(
            (
                f"adhoc {clause!r}",
                {
                    "filters": [],
                    "adhoc_filters": [
                        {"expressionType": "SQL", "clause": "WHERE", "sqlExpression": clause}
                    ],
                },
            )
        )
    return [(name, _chart_data(api, ds_id, **query)) for name, query in tricks]


def _leaks(
    label: str, results: list[tuple[str, requests.Response]], allowed: set[str]
) -> tuple[list[str], int]:
    """Problems (rows outside `allowed`, server errors) and how many tricks answered rows."""
    problems, answered = [], 0
    for name, r in results:
        if r.status_code == 200:
            rows = r.json()["result"][0]["data"]
            seen = {row["dealer_code"] for row in rows}
            if not seen <= allowed:
                problems.append(f"{label} / {name}: sees {sorted(seen - allowed)[:5]}")
            answered += bool(rows)
        elif r.status_code >= 500:
            problems.append(f"{label} / {name}: {r.status_code} {r.text[:200]}")
    return problems, answered


def test_chart_data_filters_and_where_tricks_never_widen_a_scope(
    superset_server: SupersetServer,
    admin: Api,
    dataset_ids: dict[str, int],
    dealers: list[tuple[str, str, str]],
) -> None:
    every = [d[0] for d in dealers]
    region = dealers[0][1]
    _no_scope_user(admin, "no_scope_probe")
    scopes = {
        f"dealer {every[0]}": (superset_server.api(every[0]), {every[0]}),
        f"rm_{region}": (
            superset_server.api(f"rm_{region}"),
            {d[0] for d in dealers if d[1] == region},
        ),
        "no scope": (superset_server.api("no_scope_probe", NO_SCOPE_PASSWORD), set()),
    }
    assert len(scopes[f"rm_{region}"][1]) < len(every)  # the region is a real restriction
    problems: list[str] = []
    for table in ("rpt_dealer_scorecard", "rpt_feed_health"):
        ds_id = dataset_ids[table]
        for label, (api, allowed) in scopes.items():
            found, answered = _leaks(f"{label} on {table}", _probe(api, ds_id, every), allowed)
            problems += found
            if allowed:  # the probes are not vacuous: the plain filter answers the own rows
                assert answered >= 1, f"{label} on {table}: no probe returned rows"
    assert not problems, "\n".join(problems[:20])


def test_oem_filters_narrow_exactly(
    superset_server: SupersetServer,
    dataset_ids: dict[str, int],
    mart_counts: dict[str, Counter[str]],
    dealers: list[tuple[str, str, str]],
) -> None:
    api = superset_server.api("oem")
    ds_id = dataset_ids["rpt_dealer_scorecard"]
    one = dealers[1][0]
    r = _chart_data(api, ds_id, filters=[{"col": "dealer_code", "op": "IN", "val": [one]}])
    assert r.status_code == 200, r.text[:300]
    got = {row["dealer_code"]: row["count"] for row in r.json()["result"][0]["data"]}
    assert got == {one: mart_counts["rpt_dealer_scorecard"][one]}


def test_anonymous_gets_nothing(
    superset_server: SupersetServer, dataset_ids: dict[str, int]
) -> None:
    ds_id = dataset_ids["rpt_regional_rankings"]
    body = {
        "datasource": {"id": ds_id, "type": "table"},
        "queries": [{"columns": ["dealer_code"], "metrics": ["count"]}],
    }
    r = requests.post(f"{superset_server.base_url}/api/v1/chart/data", json=body, timeout=60)
    assert r.status_code in (401, 403)
    assert "data" not in r.text or "dealer_code" not in r.text
    page = requests.get(
        f"{superset_server.base_url}/superset/dashboard/regional-rankings/", timeout=60
    )
    assert "/login" in page.url  # redirected to the login page


def test_dealer_cannot_open_the_rankings_dashboard(
    superset_server: SupersetServer, dealers: list[tuple[str, str, str]]
) -> None:
    api = superset_server.api(dealers[0][0])
    assert api.get("/api/v1/dashboard/regional-rankings").status_code in (403, 404)
    assert api.get("/api/v1/dashboard/dealer-scorecard").status_code == 200
    listed = {d["slug"] for d in api.get("/api/v1/dashboard/", columns=["slug"]).json()["result"]}
    assert listed == {"dealer-scorecard", "feed-health"}
