from __future__ import annotations

import numpy as np
from sn_readback import vin_ok

from sample_network.render import _amount, _chinese_time, _thousands
from sample_network.vin import build_vins, check_digit, corrupt_check_digit, is_valid_vin


def test_check_digit_of_a_published_example() -> None:
    assert check_digit("1M8GDM9AXKP042788") == "X"
    assert is_valid_vin("1M8GDM9AXKP042788")
    assert vin_ok("1M8GDM9AXKP042788")
    assert not is_valid_vin("1M8GDM9A1KP042788")


def test_built_vins_are_unique_and_valid() -> None:
    ids = np.arange(0, 3_000_000, 997)
    prefixes = np.array(["LSVAB2B3", "LFV2B21K", "LGBP12E2"] * (ids.size // 3 + 1))[: ids.size]
    vins = build_vins(prefixes, np.array(["R"] * ids.size), ids)
    assert len(set(vins)) == ids.size
    assert all(vin_ok(v) for v in vins[:5000])
    assert not any(vin_ok(corrupt_check_digit(v)) for v in vins[:500])


def test_huayu_number_and_time_formats() -> None:
    assert _thousands(np.array([0, 999, 1000, 1001280])).to_pylist() == [
        "0",
        "999",
        "1,000",
        "1,001,280",
    ]
    na = np.iinfo(np.int64).min
    assert _amount(np.array([128050, -505, na]), grouped=True).to_pylist() == [
        "1,280.50",
        "-5.05",
        None,
    ]
    minutes = np.array(
        [(np.datetime64("2024-03-05T14:30") - np.datetime64("1970-01-01T00:00")).astype(int)]
    )
    assert _chinese_time(minutes, "m").to_pylist() == ["2024年3月5日 14时30分"]
