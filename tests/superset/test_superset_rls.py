"""Row-level security: every role sees exactly its rows on every dataset, others nothing."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

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


def test_user_without_dealer_mapping_sees_nothing(
    superset_server: SupersetServer, admin: Api, dataset_ids: dict[str, int]
) -> None:
    roles = {
        r["name"]: r["id"]
        for r in admin.get("/api/v1/security/roles/", page_size=500).json()["result"]
    }
    r = admin.post(
        "/api/v1/security/users/",
        {
            "first_name": "Unmapped",
            "last_name": "Dealer user",
            "username": "unmapped_dealer_user",
            "email": "unmapped@aftersales.invalid",
            "active": True,
            "password": "unmapped-test-password",
            "roles": [
                roles["Gamma"],
                roles["aftersales_dealer"],
                roles["aftersales_regional_manager"],
            ],
        },
    )
    assert r.status_code == 201, r.text
    api = superset_server.api("unmapped_dealer_user", "unmapped-test-password")
    for table, ds_id in dataset_ids.items():
        got = api.query(ds_id, columns=["dealer_code"], metrics=["count"])
        assert got.status_code == 200, got.text[:300]
        assert got.json()["result"][0]["data"] == [], table


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
