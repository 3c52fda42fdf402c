"""The import bundle built from superset/assets/ (no server needed)."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from superset_harness import ROOT, SUPERSET_DIR

sys.path.insert(0, str(SUPERSET_DIR))
import build_bundle


@pytest.fixture(scope="module")
def contents() -> dict[str, str]:
    return build_bundle.build_contents(
        build_bundle.load_assets(), Path("/srv/wh/aftersales.duckdb")
    )


def test_zip_layout(contents: dict[str, str]) -> None:
    data = build_bundle.zip_bytes(contents)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {build_bundle.BUNDLE_FOLDER}
    rel = {n.split("/", 1)[1] for n in names}
    assert "metadata.yaml" in rel
    assert any(r.startswith("databases/") for r in rel)
    assert any(r.startswith("datasets/aftersales_warehouse/") for r in rel)
    assert sum(r.startswith("charts/") for r in rel) == len(build_bundle.load_assets().charts)
    assert sum(r.startswith("dashboards/") for r in rel) == 3


def _files(contents: dict[str, str], folder: str) -> list[dict]:
    return [
        yaml.safe_load(text)
        for path, text in contents.items()
        if path.split("/", 1)[1].startswith(folder)
    ]


def test_database_points_read_only_at_the_warehouse(contents: dict[str, str]) -> None:
    [db] = _files(contents, "databases/")
    assert db["sqlalchemy_uri"] == "duckdb:////srv/wh/aftersales.duckdb"
    assert db["extra"]["engine_params"]["connect_args"]["read_only"] is True
    assert db["allow_dml"] is False


def test_every_chart_has_a_query_context_on_a_bundled_dataset(contents: dict[str, str]) -> None:
    datasets = {d["uuid"]: d for d in _files(contents, "datasets/")}
    for chart in _files(contents, "charts/"):
        assert chart["dataset_uuid"] in datasets, chart["slice_name"]
        qc = json.loads(chart["query_context"])
        query = qc["queries"][0]
        columns = {c["column_name"] for c in datasets[chart["dataset_uuid"]]["columns"]}
        metrics = {m["metric_name"] for m in datasets[chart["dataset_uuid"]]["metrics"]}
        assert set(query["columns"]) <= columns, chart["slice_name"]
        assert set(query["metrics"] or []) <= metrics, chart["slice_name"]
        assert query["columns"] or query["metrics"], chart["slice_name"]


def test_dashboards_reference_bundled_charts_and_datasets(contents: dict[str, str]) -> None:
    charts = {c["uuid"] for c in _files(contents, "charts/")}
    datasets = {d["uuid"] for d in _files(contents, "datasets/")}
    for dash in _files(contents, "dashboards/"):
        placed = [
            v["meta"]["uuid"]
            for v in dash["position"].values()
            if isinstance(v, dict) and v.get("type") == "CHART"
        ]
        assert placed and set(placed) <= charts, dash["dashboard_title"]
        local_ids = {
            v["meta"]["chartId"]
            for v in dash["position"].values()
            if isinstance(v, dict) and v.get("type") == "CHART"
        }
        for flt in dash["metadata"]["native_filter_configuration"]:
            assert {t["datasetUuid"] for t in flt["targets"]} <= datasets
            assert set(flt["scope"]["excluded"]) <= local_ids


def test_every_dataset_carries_dealer_code_unless_declared_aggregate(
    contents: dict[str, str],
) -> None:
    aggregates = {n for n, ds in build_bundle.load_assets().datasets.items() if ds.aggregate}
    assert aggregates == {"rpt_kpi_benchmarks", "rpt_region_map", "rpt_region_shapes"}
    for ds in _files(contents, "datasets/"):
        has_dealer = "dealer_code" in {c["column_name"] for c in ds["columns"]}
        assert has_dealer != (ds["table_name"] in aggregates), ds["table_name"]


def test_a_dataset_without_dealer_code_must_be_declared_aggregate(tmp_path: Path) -> None:
    import shutil

    assets = tmp_path / "assets"
    shutil.copytree(build_bundle.ASSETS_DIR, assets)
    path = assets / "datasets" / "rpt_kpi_benchmarks.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("aggregate: true\n", ""), "utf-8")
    with pytest.raises(build_bundle.BundleError, match="rpt_kpi_benchmarks: needs dealer_code"):
        build_bundle.load_assets(assets)


def test_status_colours_of_the_tables_are_the_label_tables(contents: dict[str, str]) -> None:
    """Conditional formatting colours each Chinese status as the ui_labels seed does."""
    import csv

    seed = ROOT / "dbt_project" / "seeds" / "ui_labels.csv"
    with seed.open(encoding="utf-8") as fh:
        colours = {
            r["label_zh"]: "#" + r["colour"] for r in csv.DictReader(fh) if r["domain"] == "status"
        }
    seen = 0
    for chart in _files(contents, "charts/"):
        for rule in chart["params"].get("conditional_formatting", []):
            if rule["column"] == "status_zh":
                assert colours[rule["targetValue"]].lower() == rule["colorScheme"].lower()
                seen += 1
    assert seen >= 9


def test_chinese_kpi_names_are_used(contents: dict[str, str]) -> None:
    text = "".join(contents.values())
    assert "kpi_name_zh" in text and "区域排名" in text and "经销商记分卡" in text


def test_uuids_are_stable(contents: dict[str, str]) -> None:
    again = build_bundle.build_contents(
        build_bundle.load_assets(), Path("/srv/wh/aftersales.duckdb")
    )
    strip = {k: v for k, v in contents.items() if not k.endswith("metadata.yaml")}
    assert strip == {k: v for k, v in again.items() if not k.endswith("metadata.yaml")}


def test_unknown_reference_is_a_clear_error(tmp_path: Path) -> None:
    import shutil

    assets = tmp_path / "assets"
    shutil.copytree(SUPERSET_DIR / "assets", assets)
    chart = assets / "charts" / "national_ranking.yaml"
    chart.write_text(
        chart.read_text(encoding="utf-8").replace("rank_national,", "rank_nation,", 1),
        encoding="utf-8",
    )
    with pytest.raises(build_bundle.BundleError, match="national_ranking: column 'rank_nation'"):
        build_bundle.load_assets(assets)
