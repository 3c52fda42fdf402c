"""Configuration of the small networks the tests generate."""

from __future__ import annotations

from pathlib import Path

from sample_network import GeneratorConfig


def small_config(out: Path, **overrides: object) -> GeneratorConfig:
    values: dict[str, object] = {
        "out": out,
        "seed": 7,
        "dealers": 10,
        "months": 4,
        "start_month": "2024-03",
        "sales_per_month": 30.0,
        "park_vehicles": 350,
        "defect_rate": 0.03,
    }
    values.update(overrides)
    return GeneratorConfig.model_validate(values)
