"""Generator configuration (pydantic) and the named presets."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

Preset = Literal["small", "large"]

REFERENCE_DATE = dt.date(2026, 1, 1)
"""Fixed 'now' of the generated exports: nothing generated is later than this."""

FUTURE_YEAR = 2099
"""Year used for planted future timestamps."""


class GeneratorConfig(BaseModel):
    """Knobs of one generated network. Everything is deterministic for a seed."""

    out: Path = Path("var/sample_network")
    seed: int = 42
    dealers: int = Field(20, ge=2, le=600)
    years: int = Field(2, ge=1, le=10)
    months: int | None = Field(None, ge=1, le=120, description="overrides years when set")
    start_month: str = "2024-01"
    defect_rate: float = Field(0.01, ge=0.0, le=0.03)
    sales_per_month: float = Field(45.0, gt=0, description="mean monthly sales of a 4S dealer")
    park_vehicles: int = Field(700, ge=0, description="pre-existing serviced cars per dealer")
    service_only_share: float = Field(0.2, ge=0.0, le=0.5)
    file_events: bool = Field(
        False, description="plant a held file, a rejected file and a late feed (demo)"
    )
    force: bool = False

    @field_validator("start_month")
    @classmethod
    def _month_format(cls, value: str) -> str:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise ValueError("start_month must look like YYYY-MM")
        return value

    @property
    def n_months(self) -> int:
        return self.months if self.months is not None else self.years * 12

    @property
    def start_year_month(self) -> tuple[int, int]:
        year, month = self.start_month.split("-")
        return int(year), int(month)

    @property
    def end_date(self) -> dt.date:
        """First day after the last generated month (exclusive horizon)."""
        year, month = self.start_year_month
        index = year * 12 + month - 1 + self.n_months
        return dt.date(index // 12, index % 12 + 1, 1)

    @model_validator(mode="after")
    def _in_the_past(self) -> GeneratorConfig:
        year, _ = self.start_year_month
        if year < 2005:
            raise ValueError("start_month must be 2005 or later")
        if self.end_date > REFERENCE_DATE:
            raise ValueError(
                f"the generated period must end by {REFERENCE_DATE.isoformat()} "
                "(exports are generated as of that fixed date)"
            )
        return self


PRESETS: dict[str, dict[str, object]] = {
    "small": {"dealers": 20, "years": 2, "start_month": "2024-01"},
    "large": {
        "dealers": 300,
        "years": 3,
        "start_month": "2022-01",
        "sales_per_month": 85.0,
        "park_vehicles": 2000,
    },
}


def config_for(preset: Preset | None, **overrides: object) -> GeneratorConfig:
    """A configuration from a preset with explicit overrides on top."""
    values: dict[str, object] = dict(PRESETS[preset]) if preset else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return GeneratorConfig.model_validate(values)
