"""The dealer master and each dealer's behaviour profile (how it performs on every KPI)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sample_network.config import GeneratorConfig
from sample_network.geography import NAME_STEMS, REGIONS, Region

DMS_VENDORS = ("oem_dms", "huayu_dms", "jinqiao_xlsx")
_VENDOR_WEIGHTS = (0.5, 0.3, 0.2)


@dataclass(frozen=True)
class Profile:
    """Per-dealer behaviour; every KPI differs between dealers through these."""

    fm_compliance: float  # share of sold cars with an on-time first maintenance
    fm_claim_share: float  # share of first maintenances filed as warranty claims
    home_share: float  # share of visits at the home dealer
    ontime: float  # share of ROs QC-completed by the promised time
    comeback: float  # chance of a comeback after a repair
    appointment: float  # share of visits booked at least an hour ahead
    quality: float  # mean latent satisfaction 0..1
    complaint: float  # complaints per settled RO
    timely_response: float
    timely_closure: float
    resolution: float
    wr_ontime: float  # warranty registrations within 7 days
    churn_years: float  # mean years until a customer drifts away
    price_level: float  # CNY price multiplier
    sales_factor: float


@dataclass(frozen=True)
class Dealer:
    index: int
    code: str
    name: str
    region: Region
    province: str
    city: str
    plate_prefix: str  # province character + city letter
    outlet_type: str
    opened_on: dt.date
    closed_on: dt.date | None
    successor: str | None
    dms_vendor: str
    profile: Profile

    def active_in(self, month_start: dt.date) -> bool:
        return self.closed_on is None or month_start <= self.closed_on


def _profile(rng: np.random.Generator, region: Region) -> Profile:
    tier = rng.choice(3, p=(0.3, 0.45, 0.25))  # strong / average / weak dealer
    pick = lambda lo, hi: float(rng.uniform(lo, hi))  # noqa: E731
    strong, weak = tier == 0, tier == 2
    return Profile(
        fm_compliance=pick(0.92, 0.97)
        if strong
        else (pick(0.55, 0.65) if weak else pick(0.72, 0.88)),
        fm_claim_share=pick(0.2, 0.8),
        home_share=pick(0.88, 0.97),
        ontime=pick(0.95, 0.99) if strong else (pick(0.75, 0.85) if weak else pick(0.86, 0.95)),
        comeback=pick(0.005, 0.02) if strong else (pick(0.04, 0.08) if weak else pick(0.02, 0.04)),
        appointment=pick(0.2, 0.7),
        quality=pick(0.85, 0.93) if strong else (pick(0.62, 0.74) if weak else pick(0.74, 0.86)),
        complaint=pick(0.005, 0.02)
        if strong
        else (pick(0.04, 0.09) if weak else pick(0.015, 0.04)),
        timely_response=pick(0.9, 0.99) if not weak else pick(0.6, 0.8),
        timely_closure=pick(0.8, 0.95) if not weak else pick(0.5, 0.7),
        resolution=pick(0.9, 0.98) if not weak else pick(0.75, 0.88),
        wr_ontime=pick(0.93, 0.99) if strong else (pick(0.6, 0.75) if weak else pick(0.8, 0.93)),
        churn_years=pick(3.0, 6.0) if not weak else pick(1.5, 3.0),
        price_level=0.6 * (1.28 if region.south else 1.0) * pick(0.9, 1.1),
        sales_factor=pick(0.5, 1.6),
    )


def build_dealers(config: GeneratorConfig) -> list[Dealer]:
    """The network's dealers, deterministic for the seed; all nine regions when n >= 9."""
    rng = np.random.default_rng([config.seed, 0, 7])
    n = config.dealers
    region_idx = np.concatenate(
        [np.arange(min(n, len(REGIONS))), rng.integers(0, len(REGIONS), max(0, n - len(REGIONS)))]
    )
    vendors = [DMS_VENDORS[i % 3] for i in range(min(n, 3))]
    vendors += list(rng.choice(DMS_VENDORS, size=max(0, n - 3), p=_VENDOR_WEIGHTS))
    # the first three dealers are 4S and use one dialect each; service-only outlets after
    n_service_only = round(n * config.service_only_share) if n >= 5 else 0
    outlet = ["4s"] * n
    for i in rng.choice(np.arange(3, n), size=n_service_only, replace=False) if n > 3 else []:
        outlet[int(i)] = "service_only"
    year, month = config.start_year_month
    start = dt.date(year, month, 1)
    dealers: list[Dealer] = []
    for i in range(n):
        region = REGIONS[int(region_idx[i])]
        province = region.provinces[int(rng.integers(len(region.provinces)))]
        city, letter = province.cities[int(rng.integers(len(province.cities)))]
        stem = NAME_STEMS[int(rng.integers(len(NAME_STEMS)))]
        kind = "汽车销售服务有限公司" if outlet[i] == "4s" else "汽车维修服务有限公司"
        opened = start - dt.timedelta(days=int(rng.integers(400, 4000)))
        dealers.append(
            Dealer(
                index=i,
                code=f"D{1001 + i}",
                name=f"{city.removesuffix('市')}{stem}{kind}",
                region=region,
                province=province.name,
                city=city,
                plate_prefix=province.plate_char + letter,
                outlet_type=outlet[i],
                opened_on=opened,
                closed_on=None,
                successor=None,
                dms_vendor=str(vendors[i]),
                profile=_profile(rng, region),
            )
        )
    return _close_one(dealers, config)


def _close_one(dealers: list[Dealer], config: GeneratorConfig) -> list[Dealer]:
    """One 4S dealer closes at the end of a month about 60% into the period; a 4S dealer
    (same region when possible) takes over its customers."""
    if len(dealers) < 3 or config.n_months < 2:
        return dealers
    candidates = [d for d in dealers if d.outlet_type == "4s" and d.index >= 3]
    if not candidates:
        candidates = [d for d in dealers if d.outlet_type == "4s" and d.index > 0]
    closing = candidates[-1]
    heirs = [d for d in dealers if d.outlet_type == "4s" and d.index != closing.index]
    same_region = [d for d in heirs if d.region.code == closing.region.code]
    heir = (same_region or heirs)[0]
    year, month = config.start_year_month
    last = year * 12 + month - 1 + max(0, int(config.n_months * 0.6) - 1)
    next_first = dt.date((last + 1) // 12, (last + 1) % 12 + 1, 1)
    closed_on = next_first - dt.timedelta(days=1)
    out = list(dealers)
    out[closing.index] = Dealer(
        **{**closing.__dict__, "closed_on": closed_on, "successor": heir.code}
    )
    return out


def master_rows(dealers: list[Dealer]) -> list[dict[str, str]]:
    """Rows of master/dealers.csv (canonical dealers feed)."""
    return [
        {
            "dealer_code": d.code,
            "dealer_name": d.name,
            "region": d.region.code,
            "province": d.province,
            "city": d.city,
            "outlet_type": d.outlet_type,
            "opened_on": d.opened_on.isoformat(),
            "closed_on": d.closed_on.isoformat() if d.closed_on else "",
            "successor_dealer_code": d.successor or "",
            "dms_vendor": d.dms_vendor,
        }
        for d in dealers
    ]
