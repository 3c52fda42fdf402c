from __future__ import annotations

import json
from pathlib import Path

from sn_readback import csv_dicts

from sample_network.geography import REGIONS
from sample_network.schema import FEED_NAMES

EXT = {"oem_dms": ".csv", "huayu_dms": ".csv", "jinqiao_xlsx": ".xlsx"}


def _master(out: Path) -> list[dict[str, str]]:
    return csv_dicts(out / "master" / "dealers.csv")


def test_master_covers_regions_vendors_outlets(network: tuple[Path, dict]) -> None:
    out, _ = network
    master = _master(out)
    assert list(master[0]) == [
        "dealer_code",
        "dealer_name",
        "region",
        "province",
        "city",
        "outlet_type",
        "opened_on",
        "closed_on",
        "successor_dealer_code",
        "dms_vendor",
    ]
    assert {d["region"] for d in master} == {r.code for r in REGIONS}
    assert {d["dms_vendor"] for d in master} == set(EXT)
    assert {d["outlet_type"] for d in master} == {"4s", "service_only"}
    for d in master:
        region = next(r for r in REGIONS if r.code == d["region"])
        province = next(p for p in region.provinces if p.name == d["province"])
        assert d["city"] in {c for c, _ in province.cities}


def test_one_closed_dealer_with_a_4s_successor(network: tuple[Path, dict]) -> None:
    out, _ = network
    master = {d["dealer_code"]: d for d in _master(out)}
    closed = [d for d in master.values() if d["closed_on"]]
    assert len(closed) == 1
    successor = master[closed[0]["successor_dealer_code"]]
    assert successor["outlet_type"] == "4s" and not successor["closed_on"]
    # the closed dealer exports nothing after its closing month
    last = closed[0]["closed_on"][:7]
    files = sorted((out / "inbox" / closed[0]["dealer_code"] / "repair_orders").iterdir())
    assert files and max(f.stem for f in files) == last


def test_every_feed_every_active_month_in_the_vendor_format(network: tuple[Path, dict]) -> None:
    out, summary = network
    months = ["2024-03", "2024-04", "2024-05", "2024-06"]
    for d in _master(out):
        active = [m for m in months if not d["closed_on"] or m <= d["closed_on"][:7]]
        for feed in FEED_NAMES:
            folder = out / "inbox" / d["dealer_code"] / feed
            assert sorted(p.name for p in folder.iterdir()) == [
                f"{m}{EXT[d['dms_vendor']]}" for m in active
            ]
    stored = json.loads((out / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert stored["dealers"] == 10 and stored["months"] == 4
    assert stored["rows"] == summary["rows"]
    assert "elapsed_seconds" not in stored  # keeps summary.json byte-stable
