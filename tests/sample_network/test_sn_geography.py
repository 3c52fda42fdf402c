"""The generator's geography agrees with the dbt seeds it derives from and that the map reads."""

from __future__ import annotations

from sn_readback import csv_dicts

from sample_network.geography import REGIONS, SEEDS


def test_every_seed_region_with_dealers_is_generated() -> None:
    seeded = {row["region_code"] for row in csv_dicts(SEEDS / "region_provinces.csv")}
    assert {r.code for r in REGIONS} == seeded
    assert len(REGIONS) == 9


def test_every_generated_city_has_map_coordinates() -> None:
    located = {row["city"] for row in csv_dicts(SEEDS / "city_coordinates.csv")}
    cities = {city for r in REGIONS for p in r.provinces for city, _ in p.cities}
    assert cities - located == set()
