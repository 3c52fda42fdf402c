"""Phase 1 per selling dealer: sales, the cars it looks after and their planned service visits.

Each dealer has its own numpy Generator seeded from (seed, dealer index), so one dealer's
output never depends on another's or on processing order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ingestion.contracts import FEEDS
from sample_network.config import GeneratorConfig
from sample_network.dealers import Dealer
from sample_network.schema import NA_INT
from sample_network.table import Table, months_of_days, obj
from sample_network.vin import build_vins, model_year_code

EPOCH = dt.date(1970, 1, 1)
IDS_PER_DEALER = 50_000

# the repair-order categories of the feed contract, in its order (CAT indexes them)
CATEGORIES: tuple[str, ...] = FEEDS["repair_orders"].column("ro_category").enum or ()
CAT = {name: i for i, name in enumerate(CATEGORIES)}

# model code -> 8-character VIN prefix (WMI + VDS), sales weight, new-energy plate
MODELS = (
    ("A3L", "LSVAB2B3", 0.22, False),
    ("A5S", "LSVCC6A4", 0.18, False),
    ("B7P", "LFV3A23C", 0.16, False),
    ("C3X", "LFV2B21K", 0.16, False),
    ("SUV7", "LGBH52E0", 0.18, False),
    ("EV5", "LGBP12E2", 0.10, True),
)
SEASON = np.array([1.15, 0.75, 0.95, 0.95, 1.0, 1.0, 0.85, 0.9, 1.05, 1.1, 1.05, 1.25])
PLATE_CHARS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))
REJECT_REASONS = ("客户信息不完整", "发票信息与车辆不符", "身份证号码有误", "交车日期填写错误")


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass
class Vehicles:
    """Cars whose service life is planned by one home dealer."""

    vin: np.ndarray  # U17
    model: np.ndarray  # object
    plate: np.ndarray  # object (None before registration)
    phone: np.ndarray  # object
    home: np.ndarray  # dealer index


@dataclass
class Visits:
    """Planned workshop visits of those cars (one RO each)."""

    vehicle: np.ndarray  # index into Vehicles
    day: np.ndarray  # float days since 1970 (fraction ignored; time of day comes later)
    kind: np.ndarray  # category index
    odometer: np.ndarray  # km
    dealer: np.ndarray  # servicing dealer index
    fm_claim: np.ndarray  # first maintenance also filed as a warranty claim
    sold_day: np.ndarray  # day the car was delivered (NA_INT for park cars)


@dataclass
class Registrations:
    dealer: np.ndarray  # submitting dealer index
    vehicle: np.ndarray
    minute: np.ndarray
    status: np.ndarray  # object
    start_day: np.ndarray
    reject_reason: np.ndarray  # object


@dataclass
class DealerPlan:
    dealer: Dealer
    sales: Table
    vehicles: Vehicles
    visits: Visits
    registrations: Registrations
    demo_vehicles: np.ndarray  # indices of the dealer's demo cars

    def __post_init__(self) -> None:
        self._visits_by_dealer = _group(self.visits.dealer)
        self._registrations_by_dealer = _group(self.registrations.dealer)

    def visits_at(self, dealer: int) -> np.ndarray:
        """Indices of the planned visits served by ``dealer``."""
        return self._visits_by_dealer.get(dealer, _EMPTY)

    def registrations_by(self, dealer: int) -> np.ndarray:
        """Indices of the warranty registrations submitted by ``dealer``."""
        return self._registrations_by_dealer.get(dealer, _EMPTY)


_EMPTY = np.empty(0, dtype=np.int64)


def _group(keys: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    return {
        int(sorted_keys[chunk[0]]): order[chunk]
        for chunk in np.split(np.arange(order.size), cuts)
        if chunk.size
    }


class Network:
    """Calendar and routing facts shared by all dealers."""

    def __init__(self, config: GeneratorConfig, dealers: list[Dealer]) -> None:
        year, month = config.start_year_month
        self.config = config
        self.dealers = dealers
        self.start_day = day_number(dt.date(year, month, 1))
        self.end_day = day_number(config.end_date)  # exclusive
        self.start_month = year * 12 + month - 1 - 1970 * 12
        self.n_months = config.n_months
        self.closed_day = np.array(
            [day_number(d.closed_on) + 1 if d.closed_on else 10**9 for d in dealers]
        )
        by_code = {d.code: d.index for d in dealers}
        self.successor = np.array(
            [by_code[d.successor] if d.successor else d.index for d in dealers]
        )
        self.peers: list[np.ndarray] = []
        for d in dealers:
            open_ = [p.index for p in dealers if p.closed_on is None and p.index != d.index]
            same = [i for i in open_ if dealers[i].region.code == d.region.code]
            self.peers.append(np.array(same or open_, dtype=np.int64))


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    second = rng.choice(np.array(list("3456789")), n)
    rest = np.char.zfill(rng.integers(0, 10**9, n).astype("U9"), 9)
    phones = np.char.add(np.char.add("1", second), rest).astype(object)
    bad = rng.random(n) < 0.02  # malformed: landline or a digit short
    phones[bad] = np.char.add(
        "0571-8", np.char.zfill(rng.integers(0, 10**7, int(bad.sum())).astype("U7"), 7)
    ).astype(object)
    short = rng.random(n) < 0.005
    phones[short] = np.array([p[:10] for p in phones[short]], dtype=object)
    return phones


def _plates(rng: np.random.Generator, prefix: str, n: int, new_energy: np.ndarray) -> np.ndarray:
    digits = PLATE_CHARS[rng.integers(24, 34, (n, 6))]
    letters = PLATE_CHARS[rng.integers(0, 24, (n, 6))]
    body = np.where(rng.random((n, 6)) < 0.25, letters, digits)
    five = np.array(["".join(r[:5]) for r in body]) if n else np.empty(0, dtype="U5")
    six = np.array(["D" + "".join(r[1:6]) for r in body]) if n else np.empty(0, dtype="U6")
    plates = np.char.add(prefix, np.where(new_energy, six, five)).astype(object)
    bad = rng.random(n) < 0.01  # malformed: a character short
    plates[bad] = np.array([p[:-1] for p in plates[bad]], dtype=object)
    return plates


def _route(
    net: Network, rng: np.random.Generator, home: int, day: np.ndarray, share: float
) -> np.ndarray:
    """Servicing dealer of each visit: home mostly, else a regional peer; a closed dealer's
    customers go to its successor."""
    n = day.shape[0]
    dealer = np.full(n, home, dtype=np.int64)
    peers = net.peers[home]
    away = rng.random(n) >= share
    if peers.size:
        dealer[away] = peers[rng.integers(0, peers.size, int(away.sum()))]
    moved = day >= net.closed_day[dealer]
    dealer[moved] = net.successor[dealer[moved]]
    return dealer


def plan_dealer(net: Network, dealer: Dealer) -> DealerPlan:
    cfg = net.config
    p = dealer.profile
    rng = np.random.default_rng([cfg.seed, dealer.index, 1])
    start, end = net.start_day, net.end_day

    # ---- sales -------------------------------------------------------------------
    months = np.arange(net.start_month, net.start_month + net.n_months)
    month_first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    month_len = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(
        np.int64
    ) - month_first
    if dealer.outlet_type == "4s":
        mean = cfg.sales_per_month * p.sales_factor * SEASON[months % 12]
        counts = rng.poisson(mean)
        counts[month_first >= net.closed_day[dealer.index]] = 0
    else:
        counts = np.zeros(months.shape[0], dtype=np.int64)
    n_sold = int(counts.sum())
    sale_month = np.repeat(np.arange(months.shape[0]), counts)
    invoice = month_first[sale_month] + (rng.random(n_sold) * month_len[sale_month]).astype(
        np.int64
    )
    invoice = np.sort(invoice)
    sale_type = rng.choice(
        np.array(["retail", "fleet", "demo", "transfer"], dtype=object),
        n_sold,
        p=(0.88, 0.05, 0.04, 0.03),
    )
    delivery = invoice + rng.choice(
        np.arange(11), n_sold, p=np.array([3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1]) / 20
    )
    delivery_known = (delivery < end) & (rng.random(n_sold) > 0.01)
    retail = sale_type == "retail"
    cancel_day = invoice + rng.integers(1, 21, n_sold)
    cancelled = retail & (rng.random(n_sold) < 0.02) & (cancel_day < end)
    org = (~retail) | (rng.random(n_sold) < 0.08)
    buyer = np.where(org, "organisation", "individual").astype(object)
    use = np.where(
        org,
        np.where(rng.random(n_sold) < 0.6, "official", "commercial"),
        np.where(rng.random(n_sold) < 0.95, "private", "commercial"),
    ).astype(object)
    model_idx = rng.choice(len(MODELS), n_sold, p=[m[2] for m in MODELS])
    inv_dates = invoice.astype("datetime64[D]")
    inv_year = inv_dates.astype("datetime64[Y]").astype(np.int64) + 1970
    inv_month = inv_dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    prod_year = inv_year - ((inv_month <= 3) & (rng.random(n_sold) < 0.3))

    # ---- park: cars sold before the period (or elsewhere) that service here ------------
    scale = 1.6 if dealer.outlet_type == "service_only" else 1.0
    n_park = int(cfg.park_vehicles * scale * rng.uniform(0.8, 1.2))
    park_age = rng.uniform(0.3, 8.0, n_park) * 365.25
    park_t0 = (start - park_age).astype(np.int64)
    park_model = rng.choice(len(MODELS), n_park, p=[m[2] for m in MODELS])
    park_year = park_t0.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970

    n_veh = n_sold + n_park
    if n_veh >= IDS_PER_DEALER:
        raise ValueError(f"{dealer.code}: too many vehicles ({n_veh}) for the VIN id space")
    all_model = np.concatenate([model_idx, park_model])
    prefixes = np.array([MODELS[i][1] for i in all_model], dtype="U8")
    years = np.concatenate([prod_year, park_year])
    year_codes = np.array([model_year_code(int(y)) for y in years], dtype="U1")
    vins = build_vins(prefixes, year_codes, dealer.index * IDS_PER_DEALER + np.arange(n_veh))
    new_energy = np.array([MODELS[i][3] for i in all_model], dtype=bool)
    plates = _plates(rng, dealer.plate_prefix, n_veh, new_energy)
    vehicles = Vehicles(
        vin=vins,
        model=np.array([MODELS[i][0] for i in all_model], dtype=object),
        plate=plates,
        phone=_phones(rng, n_veh),
        home=np.full(n_veh, dealer.index),
    )

    invoice_no = np.array(
        [f"{d.item().strftime('%Y%m')}{dealer.index:03d}{i:05d}" for i, d in enumerate(inv_dates)],
        dtype=object,
    )
    dc = obj(dealer.code, n_sold)
    sales = Table(
        "vehicle_sales",
        {
            "dealer_code": dc,
            "vin": vins[:n_sold].astype(object),
            "model_code": vehicles.model[:n_sold],
            "invoice_no": invoice_no,
            "invoice_date": invoice,
            "delivery_date": np.where(delivery_known, delivery, NA_INT),
            "buyer_type": buyer,
            "use_type": use,
            "sale_type": sale_type,
            "status": np.where(cancelled, "cancelled", "valid").astype(object),
            "cancel_date": np.where(cancelled, cancel_day, NA_INT),
        },
        months_of_days(invoice),
    )

    # ---- service life ---------------------------------------------------------------
    serviced_sale = (~cancelled) & (sale_type != "transfer")
    t0 = np.concatenate([np.where(delivery_known, delivery, invoice), park_t0]).astype(np.float64)
    is_sold = np.concatenate([serviced_sale, np.zeros(n_park, dtype=bool)])
    is_park = np.concatenate([np.zeros(n_sold, dtype=bool), np.ones(n_park, dtype=bool)])
    live = is_sold | is_park
    commercial = np.concatenate([use == "commercial", rng.random(n_park) < 0.08])
    rate = np.exp(rng.normal(np.log(np.where(commercial, 110.0, 35.0)), 0.35))
    base_km = rng.uniform(8, 40, n_veh)

    # first maintenance (sold cars only)
    due = np.concatenate([invoice.astype(np.float64), park_t0]) + 182.0
    fm_eligible = is_sold | (is_park & (due >= start))  # young park cars are still due
    u = rng.random(n_veh)
    on_time = fm_eligible & (u < p.fm_compliance)
    late = fm_eligible & ~on_time & (u < p.fm_compliance + (1 - p.fm_compliance) * 0.6)
    fm_day = np.where(
        on_time,
        due + np.clip(rng.normal(-10, 12, n_veh), -45, 24),
        due + rng.uniform(35, 150, n_veh),
    )
    has_fm = on_time | late
    fm_span = np.maximum(fm_day - t0, 30.0)
    rate = np.where(on_time & ~commercial, np.minimum(rate, (5300 - base_km) / fm_span), rate)
    rate = np.where(on_time & commercial, np.minimum(rate, (5450 - base_km) / fm_span), rate)

    # maintenance chain
    mean_int = np.where(commercial, rng.uniform(90, 160, n_veh), rng.uniform(150, 330, n_veh))
    no_fm_chain = rng.random(n_veh) < 0.5
    chain_start = np.where(
        has_fm,
        fm_day,
        np.where(is_sold & ~no_fm_chain, due + rng.uniform(20, 120, n_veh), np.inf),
    )
    chain_start = np.where(
        is_park & ~fm_eligible, start - rng.random(n_veh) * mean_int, chain_start
    )
    chain_start = np.where(
        is_park & fm_eligible & ~has_fm, due + rng.uniform(20, 120, n_veh), chain_start
    )
    k = int(np.ceil((end - start) / 85.0)) + 2
    steps = rng.gamma(8.0, 1.0 / 8.0, (n_veh, k)) * mean_int[:, None]
    steps[:, 0] = np.where(is_park & ~fm_eligible, mean_int * rng.random(n_veh), steps[:, 0])
    chain = chain_start[:, None] + np.cumsum(steps, axis=1)
    chain_kind = np.full((n_veh, k), CAT["paid_maintenance"])
    free_second = fm_eligible & (rng.random(n_veh) < 0.4)
    chain_kind[free_second, 0] = CAT["oem_free_maintenance"]

    # repairs
    span_from = np.maximum(t0 + 20, start)
    span = np.maximum(end - span_from, 0)
    lam = np.where(is_park, 0.55, 0.35) * np.where(commercial, 1.8, 1.0)
    n_rep = rng.poisson(lam * span / 365.25) * live
    rep_vehicle = np.repeat(np.arange(n_veh), n_rep)
    rep_day = span_from[rep_vehicle] + rng.random(rep_vehicle.shape[0]) * span[rep_vehicle]
    rep_kind = rng.choice(
        np.array([CAT["minor_repair"], CAT["major_repair"], CAT["bodywork"], CAT["warranty"]]),
        rep_vehicle.shape[0],
        p=(0.52, 0.12, 0.18, 0.18),
    )
    in_warranty = rep_day - t0[rep_vehicle] < 3 * 365
    rep_kind = np.where((rep_kind == CAT["warranty"]) & ~in_warranty, CAT["minor_repair"], rep_kind)

    # churn (and comebacks after a long gap)
    churn = np.maximum(t0, start) + 200 + rng.exponential(p.churn_years * 365.25, n_veh)
    back = np.where(rng.random(n_veh) < 0.25, churn + rng.uniform(300, 600, n_veh), np.inf)

    veh = np.concatenate([np.repeat(np.arange(n_veh), k), rep_vehicle])
    day = np.concatenate([chain.ravel(), rep_day])
    kind = np.concatenate([chain_kind.ravel(), rep_kind])
    keep = live[veh] & (day >= start) & (day < end) & ((day < churn[veh]) | (day >= back[veh]))
    keep &= day > t0[veh] + 1
    veh, day, kind = veh[keep], day[keep], kind[keep]

    fm_v = np.flatnonzero(has_fm & (fm_day >= start) & (fm_day < end))
    pdi_v = np.flatnonzero(np.concatenate([sale_type != "transfer", np.zeros(n_park, dtype=bool)]))
    pdi_day = np.maximum(t0[pdi_v] - rng.uniform(0.3, 4.0, pdi_v.shape[0]), start)
    ok = pdi_day < end
    pdi_v, pdi_day = pdi_v[ok], pdi_day[ok]

    veh = np.concatenate([fm_v, veh])
    day = np.concatenate([fm_day[fm_v], day])
    kind = np.concatenate([np.full(fm_v.shape[0], CAT["first_maintenance"]), kind])
    dealer_of = _route(net, rng, dealer.index, day, p.home_share)

    # comebacks after repairs, same dealer
    repair = np.isin(kind, [CAT["minor_repair"], CAT["major_repair"], CAT["warranty"]])
    cb = np.flatnonzero(repair & (rng.random(day.shape[0]) < p.comeback))
    cb_day = day[cb] + rng.uniform(6, 25, cb.shape[0])
    cb_kind = np.where(rng.random(cb.shape[0]) < 0.5, CAT["rework"], kind[cb])
    ok = cb_day < end
    cb, cb_day, cb_kind = cb[ok], cb_day[ok], cb_kind[ok]
    cb_dealer = dealer_of[cb]
    moved = cb_day >= net.closed_day[cb_dealer]
    cb_dealer[moved] = net.successor[cb_dealer[moved]]

    veh = np.concatenate([veh, veh[cb], pdi_v])
    day = np.concatenate([day, cb_day, pdi_day])
    kind = np.concatenate([kind, cb_kind, np.full(pdi_v.shape[0], CAT["pdi"])])
    dealer_of = np.concatenate([dealer_of, cb_dealer, np.full(pdi_v.shape[0], dealer.index)])
    odometer = np.where(
        kind == CAT["pdi"],
        base_km[veh] * 0.5,
        base_km[veh] + rate[veh] * np.maximum(day - t0[veh], 0),
    ).astype(np.int64)
    fm_claim = (kind == CAT["first_maintenance"]) & (rng.random(day.shape[0]) < p.fm_claim_share)
    sold_day = np.where(is_sold[veh], t0[veh], NA_INT).astype(np.int64)
    visits = Visits(veh, day, kind.astype(np.int64), odometer, dealer_of, fm_claim, sold_day)

    registrations = _registrations(net, rng, dealer, sale_type, cancelled, t0[:n_sold])
    demo = np.flatnonzero(sale_type == "demo")
    return DealerPlan(dealer, sales, vehicles, visits, registrations, demo)


def _registrations(
    net: Network,
    rng: np.random.Generator,
    dealer: Dealer,
    sale_type: np.ndarray,
    cancelled: np.ndarray,
    base_day: np.ndarray,
) -> Registrations:
    """Warranty registrations: mostly within 7 days of delivery by the selling dealer;
    some late, some rejected then re-submitted, a few by another dealer, a few never."""
    p = dealer.profile
    eligible = np.flatnonzero((sale_type != "transfer") & ~cancelled)
    n = eligible.shape[0]
    u = rng.random(n)
    never = u < 0.02
    other = (u >= 0.02) & (u < 0.035)
    on_time = rng.random(n) < p.wr_ontime
    delay = np.where(on_time, rng.integers(0, 8, n), rng.integers(8, 61, n))
    delay = np.where(other, rng.integers(1, 21, n), delay)
    minute = (base_day[eligible] + delay).astype(np.int64) * 1440 + rng.integers(540, 1080, n)
    peers = net.peers[dealer.index]
    submitter = np.full(n, dealer.index)
    if peers.size:
        submitter[other] = peers[rng.integers(0, peers.size, int(other.sum()))]
    else:
        never |= other
    rejected_first = (~other) & (rng.random(n) < 0.05)
    resubmit = minute + rng.integers(1, 7, n) * 1440 + rng.integers(-120, 120, n)

    vehicle = np.concatenate([eligible, eligible[rejected_first]])
    sub = np.concatenate([submitter, submitter[rejected_first]])
    when = np.concatenate([np.where(rejected_first, resubmit, minute), minute[rejected_first]])
    status = np.concatenate(
        [
            np.full(n, "accepted", dtype=object),
            np.full(int(rejected_first.sum()), "rejected", dtype=object),
        ]
    )
    reason = np.full(vehicle.shape[0], None, dtype=object)
    reason[n:] = np.array(REJECT_REASONS, dtype=object)[
        rng.integers(0, len(REJECT_REASONS), int(rejected_first.sum()))
    ]
    keep = np.concatenate([~never, ~never[rejected_first]])
    end_minute = net.end_day * 1440
    keep &= when < end_minute
    keep &= when < net.closed_day[sub] * 1440
    pending = when >= end_minute - 4 * 1440
    status = np.where(pending & (status == "accepted"), "pending", status).astype(object)
    start_day = base_day[vehicle].astype(np.int64)
    return Registrations(
        sub[keep], vehicle[keep], when[keep], status[keep], start_day[keep], reason[keep]
    )
