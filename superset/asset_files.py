"""The readable asset files of superset/assets/: their schema, loading and cross-checks.

databases/ (one file), datasets/, charts/ and dashboards/ hold short YAML files that name
each other by file name; build_bundle.py turns them into Superset's import format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

T = TypeVar("T", bound=BaseModel)

ASSETS_DIR = Path(__file__).resolve().parent / "assets"


class BundleError(ValueError):
    """An asset file is invalid or refers to something that does not exist."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SimpleFilter(Strict):
    col: str
    op: str
    val: Any = None


class ColumnSpec(Strict):
    name: str
    type: str
    label: str | None = None
    dttm: bool = False
    expression: str | None = None
    description: str | None = None


class MetricSpec(Strict):
    name: str
    expression: str
    label: str | None = None
    d3format: str | None = None
    description: str | None = None


class DatasetSpec(Strict):
    """A dataset; ``aggregate: true`` declares one without dealer rows (benchmarks, map):
    it must not have a dealer_code column and gets no row-level security, every other
    dataset must have one."""

    table_name: str
    aggregate: bool = False
    # a virtual dataset's SQL; {china_provinces} stands for the province outlines
    sql: str | None = None
    schema_: str = Field("main", alias="schema")
    description: str | None = None
    main_dttm_col: str | None = None
    columns: list[ColumnSpec]
    metrics: list[MetricSpec] = []


class ChartSpec(Strict):
    slice_name: str
    dataset: str
    viz_type: str
    description: str | None = None
    filters: list[SimpleFilter] = []
    params: dict[str, Any] = {}


class ChartPlacement(Strict):
    chart: str
    width: int = Field(4, ge=1, le=12)


class RowSpec(Strict):
    height: int = 50
    charts: list[ChartPlacement]


class NativeFilterSpec(Strict):
    id: str
    name: str
    dataset: str
    column: str
    multi: bool = False
    required: bool = False
    default_first: bool = False
    default_value: str | None = None
    sort_ascending: bool = True
    parent: str | None = None
    prefilter: list[SimpleFilter] = []
    exclude_charts: list[str] = []
    only_charts: list[str] = []


class DashboardSpec(Strict):
    dashboard_title: str
    slug: str
    description: str | None = None
    audience: list[str] = []
    native_filters: list[NativeFilterSpec] = []
    rows: list[RowSpec]


class Assets(BaseModel):
    database: dict[str, Any]
    datasets: dict[str, DatasetSpec]
    charts: dict[str, ChartSpec]
    dashboards: dict[str, DashboardSpec]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BundleError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise BundleError(f"{path}: expected a mapping at the top level")
    return data


def _load_dir(folder: Path, model: type[T]) -> dict[str, T]:
    items: dict[str, T] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            items[path.stem] = model.model_validate(_read_yaml(path))
        except ValidationError as exc:
            raise BundleError(f"{path}: {exc}") from exc
    return items


def load_assets(assets_dir: Path = ASSETS_DIR) -> Assets:
    databases = sorted((assets_dir / "databases").glob("*.yaml"))
    if len(databases) != 1:
        raise BundleError(f"{assets_dir / 'databases'}: expected exactly one database file")
    assets = Assets(
        database=_read_yaml(databases[0]),
        datasets=_load_dir(assets_dir / "datasets", DatasetSpec),
        charts=_load_dir(assets_dir / "charts", ChartSpec),
        dashboards=_load_dir(assets_dir / "dashboards", DashboardSpec),
    )
    _check_references(assets)
    return assets


def _check_references(assets: Assets) -> None:
    for name, ds in assets.datasets.items():
        has_dealer = "dealer_code" in {c.name for c in ds.columns}
        if ds.aggregate and has_dealer:
            raise BundleError(f"dataset {name}: an aggregate dataset may not hold dealer_code")
        if not ds.aggregate and not has_dealer:
            raise BundleError(
                f"dataset {name}: needs dealer_code for row-level security "
                "(or `aggregate: true` when it holds no dealer rows)"
            )
    for name, chart in assets.charts.items():
        if chart.dataset not in assets.datasets:
            raise BundleError(f"chart {name}: unknown dataset {chart.dataset!r}")
        columns = {c.name for c in assets.datasets[chart.dataset].columns}
        metrics = {m.name for m in assets.datasets[chart.dataset].metrics}
        for col in chart_columns(chart):
            if col not in columns:
                raise BundleError(f"chart {name}: column {col!r} not in {chart.dataset}")
        for metric in chart_metrics(chart):
            if isinstance(metric, str) and metric not in metrics:
                raise BundleError(f"chart {name}: metric {metric!r} not in {chart.dataset}")
        for layer in chart.params.get("deck_layers", []):
            if layer not in assets.charts:
                raise BundleError(f"chart {name}: unknown layer chart {layer!r}")
    for name, dash in assets.dashboards.items():
        placed = {p.chart for row in dash.rows for p in row.charts}
        for chart_name in placed:
            if chart_name not in assets.charts:
                raise BundleError(f"dashboard {name}: unknown chart {chart_name!r}")
        filter_ids = {f.id for f in dash.native_filters}
        for flt in dash.native_filters:
            if flt.dataset not in assets.datasets:
                raise BundleError(f"dashboard {name}, filter {flt.id}: unknown dataset")
            if flt.column not in {c.name for c in assets.datasets[flt.dataset].columns}:
                raise BundleError(f"dashboard {name}, filter {flt.id}: unknown column")
            if flt.parent and flt.parent not in filter_ids:
                raise BundleError(f"dashboard {name}, filter {flt.id}: unknown parent")
            for chart_name in [*flt.exclude_charts, *flt.only_charts]:
                if chart_name not in placed:
                    raise BundleError(
                        f"dashboard {name}, filter {flt.id}: chart {chart_name!r} not on it"
                    )


def chart_columns(chart: ChartSpec) -> list[str]:
    p = chart.params
    cols: list[str] = []
    if p.get("query_mode") == "raw":
        cols += p.get("all_columns", [])
        cols += [json.loads(o)[0] for o in p.get("order_by_cols", [])]
    elif chart.viz_type == "country_map":
        cols.append(p["entity"])
    elif chart.viz_type == "deck_scatter":
        cols += [p["spatial"]["lonCol"], p["spatial"]["latCol"], *p.get("js_columns", [])]
    elif chart.viz_type == "deck_geojson":
        cols.append(p["geojson"])
    else:
        if p.get("x_axis"):
            cols.append(p["x_axis"])
        cols += p.get("groupby", [])
    cols += [f.col for f in chart.filters]
    return cols


def chart_metrics(chart: ChartSpec) -> list[Any]:
    p = chart.params
    if "metric" in p:
        return [p["metric"]]
    return list(p.get("metrics", []))
