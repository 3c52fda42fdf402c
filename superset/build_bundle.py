"""Assemble the readable asset files in superset/assets/ into a Superset import ZIP.

The asset files name things (datasets, charts) by name; this script turns them into
Superset's v1 export format: stable UUIDs derived from the names, the database URI
pointing at the served warehouse, chart `query_context` (needed by the chart-data
API) derived from each chart's params, and dashboard position / native-filter JSON
built from the short row and filter lists.

    python superset/build_bundle.py --out var/superset/aftersales_bundle.zip
"""

from __future__ import annotations

import io
import json
import os
import re
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from asset_files import (
    ASSETS_DIR,
    Assets,
    BundleError,
    ChartSpec,
    DashboardSpec,
    DatasetSpec,
    NativeFilterSpec,
    SimpleFilter,
    chart_metrics,
    load_assets,
)

__all__ = ["BundleError", "build_bundle", "build_contents", "load_assets", "stable_uuid"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = PROJECT_ROOT / "var" / "warehouse" / "aftersales.duckdb"
BUNDLE_FOLDER = "aftersales_dashboards"
UUID_NAMESPACE = uuid.UUID("6f1b1c52-3d7e-4f44-9a43-2f4a0c1d7e10")
VERSION = "1.0.0"
DEFAULT_OUT = PROJECT_ROOT / "var" / "superset" / "aftersales_bundle.zip"


def stable_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, f"aftersales:{kind}:{name}"))


# --- conversion to Superset's export format -----------------------------------------


def adhoc_filter(f: SimpleFilter) -> dict[str, Any]:
    return {
        "expressionType": "SIMPLE",
        "clause": "WHERE",
        "subject": f.col,
        "operator": f.op,
        "comparator": f.val,
        "isExtra": False,
        "filterOptionName": "filter_" + re.sub(r"\W+", "_", f"{f.col}_{f.op}_{f.val}"),
    }


def query_filter(f: SimpleFilter) -> dict[str, Any]:
    out: dict[str, Any] = {"col": f.col, "op": f.op}
    if f.val is not None:
        out["val"] = f.val
    return out


def build_query(chart: ChartSpec) -> dict[str, Any]:
    """The query object the frontend would send for this chart (without post-processing)."""
    p = chart.params
    query: dict[str, Any] = {
        "filters": [query_filter(f) for f in chart.filters],
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "columns": [],
        "metrics": [],
        "orderby": [],
        "annotation_layers": [],
        "row_limit": p.get("row_limit", 10000),
        "series_limit": 0,
        "order_desc": True,
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    if p.get("query_mode") == "raw":
        query["columns"] = list(p["all_columns"])
        query["metrics"] = None  # raw rows: no GROUP BY
        query["orderby"] = [json.loads(o) for o in p.get("order_by_cols", [])]
    elif chart.viz_type in {"big_number_total"}:
        query["metrics"] = [p["metric"]]
    elif chart.viz_type == "country_map":
        query["columns"] = [p["entity"]]
        query["metrics"] = [p["metric"]]
    elif chart.viz_type == "deck_multi":
        query["metrics"] = ["count"]  # the layers query their own datasets
    elif chart.viz_type == "deck_geojson":
        query["columns"] = [p["geojson"]]
        query["metrics"] = None
    elif chart.viz_type == "deck_scatter":
        spatial = p["spatial"]
        query["columns"] = [spatial["lonCol"], spatial["latCol"], *p.get("js_columns", [])]
        query["metrics"] = None
    else:
        if p.get("x_axis"):
            query["columns"].append(p["x_axis"])
        query["columns"] += list(p.get("groupby", []))
        query["metrics"] = chart_metrics(chart)
        if p.get("x_axis"):
            query["orderby"] = [[p["x_axis"], True]]
    return query


def chart_config(name: str, chart: ChartSpec, dataset_uuid: str) -> dict[str, Any]:
    params = {
        **chart.params,
        # layers of a deck_multi chart are named here; bootstrap sets their ids on import
        **({"deck_slices": []} if chart.viz_type == "deck_multi" else {}),
        "viz_type": chart.viz_type,
        "adhoc_filters": [adhoc_filter(f) for f in chart.filters],
        "datasource": "0__table",  # replaced with the real id on import
    }
    query_context = {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [build_query(chart)],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }
    return {
        "slice_name": chart.slice_name,
        "description": chart.description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart.viz_type,
        "params": params,
        "query_context": json.dumps(query_context, ensure_ascii=False),
        "cache_timeout": None,
        "uuid": stable_uuid("chart", name),
        "version": VERSION,
        "dataset_uuid": dataset_uuid,
    }


def dataset_config(name: str, ds: DatasetSpec, database_uuid: str) -> dict[str, Any]:
    columns = [
        {
            "column_name": c.name,
            "verbose_name": c.label,
            "is_dttm": c.dttm,
            "is_active": True,
            "type": c.type,
            "advanced_data_type": None,
            "groupby": True,
            "filterable": True,
            "expression": c.expression,
            "description": c.description,
            "python_date_format": None,
            "extra": None,
        }
        for c in ds.columns
    ]
    metrics = [
        {
            "metric_name": m.name,
            "verbose_name": m.label,
            "metric_type": None,
            "expression": m.expression,
            "description": m.description,
            "d3format": m.d3format,
            "currency": None,
            "extra": None,
            "warning_text": None,
        }
        for m in ds.metrics
    ]
    return {
        "table_name": ds.table_name,
        "main_dttm_col": ds.main_dttm_col,
        "description": ds.description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": ds.schema_,
        "sql": virtual_sql(ds.sql),
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "always_filter_main_dttm": False,
        "uuid": stable_uuid("dataset", name),
        "metrics": metrics,
        "columns": columns,
        "version": VERSION,
        "database_uuid": database_uuid,
    }


def virtual_sql(sql: str | None) -> str | None:
    """A virtual dataset's SQL with the province outlines filled in (china_shapes.py)."""
    if sql is None or "{china_provinces}" not in sql:
        return sql
    import china_shapes

    try:
        return sql.replace("{china_provinces}", china_shapes.values_sql())
    except china_shapes.ShapesNotFound as exc:
        raise BundleError(str(exc)) from exc


def database_config(raw: dict[str, Any], warehouse: Path) -> dict[str, Any]:
    config = dict(raw)
    name = config["database_name"]
    config["sqlalchemy_uri"] = config["sqlalchemy_uri"].format(warehouse=warehouse.resolve())
    config["uuid"] = stable_uuid("database", name)
    config["version"] = VERSION
    return config


def _chart_local_ids(assets: Assets) -> dict[str, int]:
    # ids used only inside the bundle; the importer maps them to real ids
    return {name: i for i, name in enumerate(sorted(assets.charts), start=1)}


def dashboard_position(dash: DashboardSpec, assets: Assets) -> dict[str, Any]:
    local_ids = _chart_local_ids(assets)
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": dash.dashboard_title}},
    }
    for r, row in enumerate(dash.rows, start=1):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for placement in row.charts:
            chart_id = f"CHART-{placement.chart}"
            position[row_id]["children"].append(chart_id)
            position[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "chartId": local_ids[placement.chart],
                    "height": row.height,
                    "width": placement.width,
                    "uuid": stable_uuid("chart", placement.chart),
                    "sliceName": assets.charts[placement.chart].slice_name,
                },
            }
    return position


def default_data_mask(flt: NativeFilterSpec) -> dict[str, Any]:
    """An explicit default value (e.g. the headline KPI) pre-selects the filter."""
    if flt.default_value is None:
        return {"extraFormData": {}, "filterState": {}, "ownState": {}}
    value = [flt.default_value]
    return {
        "extraFormData": {"filters": [{"col": flt.column, "op": "IN", "val": value}]},
        "filterState": {"value": value},
        "ownState": {},
    }


def native_filter_config(
    flt: NativeFilterSpec, dash: DashboardSpec, assets: Assets
) -> dict[str, Any]:
    local_ids = _chart_local_ids(assets)
    placed = [p.chart for row in dash.rows for p in row.charts]
    if flt.only_charts:
        excluded = [local_ids[c] for c in placed if c not in flt.only_charts]
    else:
        excluded = [local_ids[c] for c in flt.exclude_charts]
    return {
        "id": f"NATIVE_FILTER-{flt.id}",
        "name": flt.name,
        "type": "NATIVE_FILTER",
        "filterType": "filter_select",
        "description": "",
        "targets": [
            {"column": {"name": flt.column}, "datasetUuid": stable_uuid("dataset", flt.dataset)}
        ],
        "controlValues": {
            "enableEmptyFilter": flt.required,
            "defaultToFirstItem": flt.default_first and flt.default_value is None,
            "multiSelect": flt.multi,
            "searchAllOptions": False,
            "inverseSelection": False,
            "sortAscending": flt.sort_ascending,
        },
        "defaultDataMask": default_data_mask(flt),
        # charts wait for filters that pick their first value by default
        "requiredFirst": flt.default_first,
        "cascadeParentIds": [f"NATIVE_FILTER-{flt.parent}"] if flt.parent else [],
        "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
        "adhoc_filters": [adhoc_filter(f) for f in flt.prefilter],
        "time_range": "No filter",
    }


def dashboard_config(name: str, dash: DashboardSpec, assets: Assets) -> dict[str, Any]:
    return {
        "dashboard_title": dash.dashboard_title,
        "description": dash.description,
        "css": "",
        "slug": dash.slug,
        "uuid": stable_uuid("dashboard", name),
        "position": dashboard_position(dash, assets),
        "metadata": {
            "native_filter_configuration": [
                native_filter_config(f, dash, assets) for f in dash.native_filters
            ],
            "timed_refresh_immune_slices": [],
            "expanded_slices": {},
            "refresh_frequency": 0,
            "default_filters": "{}",
            "color_scheme": "supersetColors",
            "label_colors": {},
            "shared_label_colors": [],
            "color_scheme_domain": [],
            "cross_filters_enabled": False,
            "chart_configuration": {},
            "global_chart_configuration": {
                "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                "chartsInScope": [],
            },
        },
        "version": VERSION,
        "published": True,
    }


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def build_contents(
    assets: Assets, warehouse: Path, metadata_type: str = "Dashboard"
) -> dict[str, str]:
    """Map of file name inside the ZIP -> YAML text."""
    db = database_config(assets.database, warehouse)
    db_name = db["database_name"]
    files: dict[str, str] = {
        "metadata.yaml": _dump(
            {
                "version": VERSION,
                "type": metadata_type,
                "timestamp": datetime.now(UTC).isoformat(),
            }
        ),
        f"databases/{db_name}.yaml": _dump(db),
    }
    dataset_uuids: dict[str, str] = {}
    for name, ds in assets.datasets.items():
        cfg = dataset_config(name, ds, db["uuid"])
        dataset_uuids[name] = cfg["uuid"]
        files[f"datasets/{db_name}/{ds.table_name}.yaml"] = _dump(cfg)
    for name, chart in assets.charts.items():
        cfg = chart_config(name, chart, dataset_uuids[chart.dataset])
        files[f"charts/{name}.yaml"] = _dump(cfg)
    for name, dash in assets.dashboards.items():
        files[f"dashboards/{name}.yaml"] = _dump(dashboard_config(name, dash, assets))
    return {f"{BUNDLE_FOLDER}/{path}": text for path, text in files.items()}


def zip_bytes(contents: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in sorted(contents.items()):
            zf.writestr(path, text)
    return buffer.getvalue()


def assets_path() -> Path:
    return Path(os.environ.get("AFTERSALES_SUPERSET_ASSETS") or ASSETS_DIR).resolve()


def warehouse_path() -> Path:
    return Path(os.environ.get("AFTERSALES_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve()


def build_bundle(out: Path, warehouse: Path | None = None, assets_dir: Path | None = None) -> Path:
    contents = build_contents(
        load_assets(assets_dir or assets_path()), warehouse or warehouse_path()
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(zip_bytes(contents))
    os.replace(tmp, out)
    return out


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="ZIP to write")] = DEFAULT_OUT,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file the dashboards read")] = None,
) -> None:
    """Write the dashboard import ZIP."""
    try:
        path = build_bundle(out, warehouse)
    except BundleError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(str(path))


if __name__ == "__main__":
    app()
