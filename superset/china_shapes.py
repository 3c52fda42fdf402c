"""Province outlines for the region map, taken from the China map that Superset ships.

Superset's country-map plugin bundles a GeoJSON of China's provinces (ISO 3166-2 codes in
``properties.ISO``) among its static assets. The region map's virtual dataset joins those
outlines, simplified, to the regions' figures; nothing is copied into this project.
"""

from __future__ import annotations

import glob
import importlib.util
import json
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# a point closer than this (in degrees, Manhattan) to the previous one is dropped
TOLERANCE = 0.08


class ShapesNotFound(LookupError):
    """The installed Superset has no China map asset."""


def _static_dirs() -> list[Path]:
    dirs = []
    spec = importlib.util.find_spec("superset")
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(p) / "static" / "assets" for p in spec.submodule_search_locations]
    pattern = str(PROJECT_ROOT / ".venv/superset/lib/python3*/site-packages/superset/static/assets")
    dirs += [Path(p) for p in glob.glob(pattern)]
    return dirs


def china_geojson() -> dict[str, Any]:
    for folder in _static_dirs():
        for path in sorted(folder.glob("*.geojson")):
            with path.open(encoding="utf-8") as fh:
                head = fh.read(300)
            if '"name": "china"' in head:
                return json.loads(path.read_text(encoding="utf-8"))
    raise ShapesNotFound("Superset's China map (static/assets/*.geojson) was not found")


def _ring(points: list[list[float]]) -> list[list[float]] | None:
    out: list[list[float]] = []
    for x, y in points:
        x, y = round(x, 2), round(y, 2)
        if not out or abs(out[-1][0] - x) + abs(out[-1][1] - y) >= TOLERANCE:
            out.append([x, y])
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def province_geometries() -> dict[str, str]:
    """ISO code -> simplified GeoJSON MultiPolygon (outer rings) as compact JSON text."""
    shapes: dict[str, str] = {}
    for feature in china_geojson()["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        rings = [[r] for p in polygons if (r := _ring(p[0]))]
        if rings:
            shapes[feature["properties"]["ISO"]] = json.dumps(
                {"type": "MultiPolygon", "coordinates": rings}, separators=(",", ":")
            )
    return shapes


def values_sql() -> str:
    """The outlines as a SQL VALUES list of (province_iso, geometry)."""
    rows = [f"('{iso}', '{geometry}')" for iso, geometry in sorted(province_geometries().items())]
    return "VALUES " + ",\n".join(rows)
