"""The OEM's nine after-sales regions with provinces, cities and plate prefixes.

One definition each: the regions (code, Chinese name, north/south) and which region a
province belongs to are the dbt seeds ``regions`` and ``region_provinces``; the provinces'
plate characters and cities, and the dealer name stems, are the generator's own data in
``geography.yaml`` next to this module.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ingestion.settings import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"
GEOGRAPHY = Path(__file__).with_name("geography.yaml")


@dataclass(frozen=True)
class Province:
    name: str
    plate_char: str
    cities: tuple[tuple[str, str], ...]  # (city, plate letter)


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    south: bool
    provinces: tuple[Province, ...]


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _province(name: str, spec: dict[str, Any]) -> Province:
    """A province of geography.yaml: ``{plate: <char>, cities: {<city>: <letter>, ...}}``."""
    cities = tuple((str(city), str(letter)) for city, letter in spec["cities"].items())
    return Province(name, str(spec["plate"]), cities)


def _regions(provinces: list[Province]) -> tuple[Region, ...]:
    """The seed's regions, in its order, that hold a province of the generator's, each with
    those provinces in the generator's order."""
    region_of = {row["province_zh"]: row["region_code"] for row in _seed("region_provinces")}
    unknown = sorted({p.name for p in provinces} - set(region_of))
    if unknown:
        raise ValueError(
            f"{GEOGRAPHY.name}: provinces missing from seed region_provinces: {unknown}"
        )
    regions = []
    for row in _seed("regions"):
        members = tuple(p for p in provinces if region_of[p.name] == row["region_code"])
        if members:
            south = row["north_south"] == "south"
            regions.append(Region(row["region_code"], row["name_zh"], south, members))
    return tuple(regions)


_DATA = yaml.safe_load(GEOGRAPHY.read_text(encoding="utf-8"))
REGIONS: tuple[Region, ...] = _regions(
    [_province(name, spec) for name, spec in _DATA["provinces"].items()]
)
NAME_STEMS: tuple[str, ...] = tuple(_DATA["name_stems"])
