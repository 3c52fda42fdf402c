"""Phase 2 per servicing dealer: repair orders and what follows from them (warranty claims,
surveys, complaints), plus the warranty registrations the dealer submitted."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_network.dealers import Dealer
from sample_network.schema import NA_INT, SURVEY_ITEMS
from sample_network.table import Table, months_of_minutes, obj
from sample_network.vehicles import CAT, CATEGORIES, DealerPlan, Network

# labour lo/hi, parts lo/hi in CNY per category (before the dealer's price level)
_PRICES = {
    "first_maintenance": (120, 180, 200, 320),
    "oem_free_maintenance": (150, 250, 250, 450),
    "paid_maintenance": (120, 260, 180, 600),
    "minor_repair": (80, 500, 0, 900),
    "major_repair": (600, 2000, 800, 5000),
    "bodywork": (300, 1500, 200, 3000),
    "warranty": (150, 1200, 200, 3500),
    "rework": (0, 150, 0, 200),
    "pdi": (80, 120, 0, 0),
    "internal": (100, 400, 0, 600),
}
# duration lo/hi in minutes
_DURATION = {
    "first_maintenance": (50, 150),
    "oem_free_maintenance": (50, 150),
    "paid_maintenance": (50, 180),
    "minor_repair": (90, 420),
    "major_repair": (1440, 4 * 1440),
    "bodywork": (2 * 1440, 6 * 1440),
    "warranty": (120, 2 * 1440),
    "rework": (60, 360),
    "pdi": (60, 180),
    "internal": (60, 240),
}
_BEARER = {
    "first_maintenance": "oem_free",
    "oem_free_maintenance": "oem_free",
    "warranty": "oem_warranty",
    "paid_maintenance": "customer",
    "minor_repair": "customer",
    "major_repair": "customer",
    "bodywork": "customer",
    "rework": "dealer",
    "pdi": "other",
    "internal": "dealer",
}


@dataclass
class DealerFeeds:
    dealer: Dealer
    tables: dict[str, Table]


@dataclass
class _Visits:
    vin: np.ndarray
    plate: np.ndarray
    phone: np.ndarray
    day: np.ndarray
    kind: np.ndarray
    odometer: np.ndarray
    fm_claim: np.ndarray


def _gather_visits(net: Network, plans: list[DealerPlan], d: int) -> _Visits:
    parts: list[_Visits] = []
    for plan in plans:
        v = plan.visits
        sel = plan.visits_at(d)
        if sel.size == 0:
            continue
        veh = v.vehicle[sel]
        plate = plan.vehicles.plate[veh].copy()
        plate[v.kind[sel] == CAT["pdi"]] = None
        parts.append(
            _Visits(
                plan.vehicles.vin[veh],
                plate,
                plan.vehicles.phone[veh],
                v.day[sel],
                v.kind[sel],
                v.odometer[sel],
                v.fm_claim[sel],
            )
        )
    own = plans[d]
    if own.demo_vehicles.size and own.dealer.outlet_type == "4s":
        rng = np.random.default_rng([net.config.seed, d, 3])
        n = rng.poisson(2.0 * net.n_months)
        veh = own.demo_vehicles[rng.integers(0, own.demo_vehicles.size, n)]
        sold = own.sales.cols["invoice_date"][veh].astype(np.float64)
        day = np.maximum(sold + 2, net.start_day) + rng.random(n) * (
            net.end_day - np.maximum(sold + 2, net.start_day)
        )
        ok = (day < net.end_day) & (day < net.closed_day[d])
        veh, day = veh[ok], day[ok]
        parts.append(
            _Visits(
                own.vehicles.vin[veh],
                own.vehicles.plate[veh],
                obj(None, veh.size),
                day,
                np.full(veh.size, CAT["internal"]),
                (20 + (day - sold[ok]) * 60).astype(np.int64),
                np.zeros(veh.size, dtype=bool),
            )
        )
    if not parts:
        e = np.empty(0)
        return _Visits(
            e.astype("U17"),
            e.astype(object),
            e.astype(object),
            e,
            e.astype(np.int64),
            e.astype(np.int64),
            e.astype(bool),
        )
    return _Visits(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _Visits.__dataclass_fields__)
    )


def _ids(prefix: str, minutes: np.ndarray, width: int) -> np.ndarray:
    """Readable ids: prefix + yymm + running number within the month (rows sorted by time)."""
    months = months_of_minutes(minutes)
    n = months.shape[0]
    if n == 0:
        return np.empty(0, dtype=object)
    first = np.r_[0, np.flatnonzero(np.diff(months)) + 1]
    seq = np.arange(n) - np.repeat(first, np.diff(np.r_[first, n])) + 1
    yymm = (months // 12 + 1970) % 100 * 100 + months % 12 + 1
    return np.array(
        [f"{prefix}{a:04d}{b:0{width}d}" for a, b in zip(yymm, seq, strict=True)], dtype=object
    )


def _cents(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, whole: bool) -> np.ndarray:
    value = lo + rng.random(lo.shape[0]) * (hi - lo)
    if whole:
        return (np.round(value) * 100).astype(np.int64)
    return np.round(value * 100).astype(np.int64)


def build_service_feeds(net: Network, plans: list[DealerPlan], d: int) -> DealerFeeds:
    dealer = net.dealers[d]
    p = dealer.profile
    rng = np.random.default_rng([net.config.seed, d, 2])
    end_min = net.end_day * 1440
    v = _gather_visits(net, plans, d)
    n = v.day.shape[0]
    base_day = np.floor(v.day).astype(np.int64)
    arrived = base_day * 1440 + rng.integers(480, 1050, n)
    order = np.lexsort((v.vin, arrived))
    v = _Visits(*(getattr(v, f)[order] for f in _Visits.__dataclass_fields__))
    arrived = arrived[order]
    kind_names = np.array(CATEGORIES, dtype=object)[v.kind]

    lo = np.array([_DURATION[c][0] for c in CATEGORIES])[v.kind]
    hi = np.array([_DURATION[c][1] for c in CATEGORIES])[v.kind]
    qc = arrived + (lo + rng.random(n) * (hi - lo)).astype(np.int64)
    on_time = rng.random(n) < p.ontime
    promised = np.where(
        on_time,
        qc + rng.integers(0, 10, n) * 10,
        np.maximum(qc - rng.integers(2, 30, n) * 10, arrived + 10),
    )
    promised = (promised // 10) * 10
    promised = np.where(on_time, np.maximum(promised, qc - qc % 10 + (qc % 10 > 0) * 10), promised)
    promised = np.where(rng.random(n) < 0.02, NA_INT, promised)
    delivered = qc + rng.integers(10, 121, n)
    settled = qc + (rng.random(n) * (delivered - qc)).astype(np.int64) + 1
    status = np.full(n, "settled", dtype=object)
    void = rng.random(n) < 0.008
    stuck = rng.random(n) < 0.003
    status[void] = "void"
    open_ = ~void & (stuck | (settled >= end_min) | (delivered >= end_min))
    status[open_] = "open"
    qc = np.where(void | (open_ & (stuck | (qc >= end_min))), NA_INT, qc)
    delivered = np.where(void | open_, NA_INT, delivered)
    settled = np.where(void | open_, NA_INT, settled)

    booked = rng.random(n) < p.appointment
    # appointment_at = when the visit was booked (by phone or app, 08:00-20:59)
    booked_day = base_day[order] - rng.choice(4, n, p=(0.25, 0.4, 0.2, 0.15))
    appointment = booked_day * 1440 + rng.integers(480, 1260, n)
    appointment = np.where(appointment > arrived - 60, appointment - 1440, appointment)
    last_minute = booked & (rng.random(n) < 0.05)  # booked less than an hour ahead
    appointment = np.where(last_minute, arrived - rng.integers(5, 59, n), appointment)
    appointment = np.where(booked, appointment, NA_INT)

    bearer = np.array([_BEARER[c] for c in CATEGORIES], dtype=object)[v.kind]
    minor = v.kind == CAT["minor_repair"]
    r = rng.random(n)
    bearer = np.where(minor & (r < 0.04), "campaign", bearer)
    bearer = np.where(minor & (r >= 0.04) & (r < 0.05), "other", bearer).astype(object)

    price = p.price_level
    pr = np.array([_PRICES[c] for c in CATEGORIES], dtype=np.float64)[v.kind] * price
    labour = _cents(rng, pr[:, 0], pr[:, 1], whole=True)
    parts = _cents(rng, pr[:, 2], pr[:, 3], whole=False)
    other = np.where(
        rng.random(n) < 0.08, _cents(rng, np.full(n, 20.0), np.full(n, 200.0), True), 0
    )
    customer = bearer == "customer"
    discount = np.where(
        customer & (rng.random(n) < 0.3),
        np.round((labour + parts) * rng.uniform(0.05, 0.15, n) / 100).astype(np.int64) * 100,
        0,
    )
    total = labour + parts + other - discount
    uncollected = np.where(
        customer & (rng.random(n) < 0.02), (total * rng.uniform(0.1, 1.0, n)).astype(np.int64), 0
    )
    uncollected = np.where(rng.random(n) < 0.05, NA_INT, uncollected)
    parts_cost = (parts * rng.uniform(0.6, 0.8, n)).astype(np.int64)

    non_work = np.isin(v.kind, [CAT["pdi"], CAT["internal"]])
    daily = max(1.0, float((~non_work).sum()) / max(1, net.n_months * 26))
    n_adv = max(2, round(daily / float(rng.uniform(7.5, 10.5))))
    advisor = np.array([f"{dealer.code}SA{i + 1:02d}" for i in range(n_adv)], dtype=object)
    advisor_id = advisor[rng.integers(0, n_adv, n)]
    phone = v.phone.copy()
    phone[rng.random(n) < 0.03] = None
    ro_no = _ids("RO", arrived, 5)
    code = obj(dealer.code, n)
    ro = Table(
        "repair_orders",
        {
            "dealer_code": code,
            "ro_no": ro_no,
            "vin": v.vin.astype(object),
            "plate_no": v.plate,
            "odometer_km": v.odometer,
            "arrived_at": arrived,
            "promised_at": promised,
            "qc_completed_at": qc,
            "delivered_at": delivered,
            "settled_at": settled,
            "status": status,
            "ro_category": kind_names,
            "bearer": bearer,
            "appointment_at": appointment,
            "advisor_id": advisor_id,
            "customer_phone": phone,
            "labour_amount": labour,
            "parts_amount": parts,
            "other_amount": other,
            "discount_amount": discount,
            "total_amount": total,
            "uncollected_amount": uncollected,
            "parts_cost": parts_cost,
        },
        months_of_minutes(arrived),
    )
    settled_ok = status == "settled"
    qualifying = settled_ok & ~non_work
    tables = {
        "repair_orders": ro,
        "warranty_claims": _claims(rng, dealer, ro, v, settled_ok, end_min),
        "survey_responses": _surveys(rng, dealer, ro, qualifying, end_min),
        "complaints": _complaints(rng, dealer, ro, qualifying, end_min),
        "warranty_registrations": _registrations(net, plans, d),
        "vehicle_sales": plans[d].sales,
    }
    return DealerFeeds(dealer, tables)


def _claims(
    rng: np.random.Generator,
    dealer: Dealer,
    ro: Table,
    v: _Visits,
    settled_ok: np.ndarray,
    end_min: int,
) -> Table:
    c = ro.cols
    kind = v.kind
    n = kind.shape[0]
    campaign = c["bearer"] == "campaign"
    claim_type = np.full(n, None, dtype=object)
    claim_type[(kind == CAT["first_maintenance"]) & v.fm_claim] = "first_maintenance"
    claim_type[kind == CAT["warranty"]] = "warranty_repair"
    claim_type[campaign] = np.where(rng.random(int(campaign.sum())) < 0.3, "recall", "campaign")
    sel = np.flatnonzero(settled_ok & (claim_type != None))  # noqa: E711
    submitted = c["settled_at"][sel] + rng.integers(30, 5 * 1440, sel.size)
    r = rng.random(sel.size)
    status = np.where(r < 0.92, "approved", np.where(r < 0.96, "rejected", "pending")).astype(
        object
    )
    settled = submitted + rng.integers(3 * 1440, 30 * 1440, sel.size)
    late = settled >= end_min
    status[(status == "approved") & late] = "pending"
    settled = np.where((status == "approved"), settled, NA_INT)
    keep = submitted < end_min
    sel, submitted, status, settled = sel[keep], submitted[keep], status[keep], settled[keep]
    order = np.lexsort((sel, submitted))
    sel, submitted, status, settled = sel[order], submitted[order], status[order], settled[order]
    return Table(
        "warranty_claims",
        {
            "dealer_code": obj(dealer.code, sel.size),
            "claim_no": _ids("CL", submitted, 5),
            "vin": c["vin"][sel],
            "ro_no": c["ro_no"][sel],
            "claim_type": claim_type[sel],
            "submitted_at": submitted,
            "settled_at": settled,
            "status": status,
            "odometer_km": c["odometer_km"][sel],
            "labour_amount": c["labour_amount"][sel],
            "parts_amount": c["parts_amount"][sel],
        },
        months_of_minutes(submitted),
    )


def _surveys(
    rng: np.random.Generator, dealer: Dealer, ro: Table, qualifying: np.ndarray, end_min: int
) -> Table:
    c = ro.cols
    n = qualifying.shape[0]
    pick = np.flatnonzero(qualifying & (rng.random(n) < 0.35))
    when = (c["settled_at"][pick] // 1440 + rng.integers(1, 8, pick.size)) * 1440 + rng.integers(
        600, 1200, pick.size
    )
    keep = when < end_min
    pick, when = pick[keep], when[keep]
    order = np.lexsort((pick, when))
    pick, when = pick[order], when[order]
    m = pick.size
    k = len(SURVEY_ITEMS)
    smax = 5 if dealer.dms_vendor == "jinqiao_xlsx" else 10
    answered = rng.random((m, k)) < 0.96
    sparse = rng.random(m) < 0.03
    n_sparse = int(sparse.sum())
    sparse_mask = np.zeros((n_sparse, k), dtype=bool)
    for row, cnt in enumerate(rng.integers(1, 3, n_sparse)):
        sparse_mask[row, rng.choice(k, cnt, replace=False)] = True
    answered[sparse] = sparse_mask
    answered[~answered.any(axis=1), 0] = True
    latent = dealer.profile.quality + rng.normal(0, 0.09, (m, 1)) + rng.normal(0, 0.06, (m, k))
    score = 1 + np.round(np.clip(latent, 0, 1) * (smax - 1)).astype(np.int64)
    ids = _ids("SV", when, 5)
    rows, items = np.nonzero(answered)
    return Table(
        "survey_responses",
        {
            "dealer_code": obj(dealer.code, rows.size),
            "survey_id": ids[rows],
            "ro_no": c["ro_no"][pick][rows],
            "vin": c["vin"][pick][rows],
            "surveyed_at": when[rows],
            "item_code": np.array(SURVEY_ITEMS, dtype=object)[items],
            "score": score[rows, items],
            "scale_min": np.ones(rows.size, dtype=np.int64),
            "scale_max": np.full(rows.size, smax, dtype=np.int64),
        },
        months_of_minutes(when[rows]),
    )


def _complaints(
    rng: np.random.Generator, dealer: Dealer, ro: Table, qualifying: np.ndarray, end_min: int
) -> Table:
    p = dealer.profile
    c = ro.cols
    n = qualifying.shape[0]
    pick = np.flatnonzero(qualifying & (rng.random(n) < p.complaint))
    received = c["settled_at"][pick] + rng.integers(60, 10 * 1440, pick.size)
    keep = received < end_min
    pick, received = pick[keep], received[keep]
    order = np.lexsort((pick, received))
    pick, received = pick[order], received[order]
    m = pick.size
    severity = rng.choice(
        np.array(["minor", "general", "major"], dtype=object), m, p=(0.5, 0.4, 0.1)
    )
    window = np.where(severity == "major", 168 * 60, 72 * 60)
    severity[rng.random(m) < 0.03] = None
    resp_delay = np.where(
        rng.random(m) < p.timely_response,
        rng.integers(10, 24 * 60, m),
        rng.integers(24 * 60 + 1, 96 * 60, m),
    )
    target = np.where(
        rng.random(m) < p.timely_closure,
        rng.integers(120, 72 * 60, m),
        window + rng.integers(60, 14 * 1440, m),
    )
    closed = received + np.maximum(resp_delay + rng.integers(30, 600, m), target)
    response = received + resp_delay
    response = np.where((rng.random(m) < 0.02) | (response >= end_min), NA_INT, response)
    closed = np.where((closed >= end_min) | (response == NA_INT), NA_INT, closed)
    reopen = rng.choice(3, m, p=(0.9, 0.08, 0.02)).astype(np.int64)
    resolved = (rng.random(m) < p.resolution).astype(np.int8)
    resolved[rng.random(m) < 0.02] = -1
    resolved[closed == NA_INT] = -1
    ro_no = c["ro_no"][pick].copy()
    ro_no[rng.random(m) < 0.05] = None
    return Table(
        "complaints",
        {
            "dealer_code": obj(dealer.code, m),
            "case_id": _ids("TS", received, 4),
            "vin": c["vin"][pick],
            "ro_no": ro_no,
            "channel": rng.choice(
                np.array(["hotline", "dealer", "online", "oem"], dtype=object),
                m,
                p=(0.35, 0.3, 0.2, 0.15),
            ),
            "category": rng.choice(
                np.array(["service", "product", "price", "other"], dtype=object),
                m,
                p=(0.5, 0.25, 0.15, 0.1),
            ),
            "severity": severity,
            "received_at": received,
            "first_response_at": response,
            "closed_at": closed,
            "reopen_count": reopen,
            "resolved_confirmed": resolved,
        },
        months_of_minutes(received),
    )


def _registrations(net: Network, plans: list[DealerPlan], d: int) -> Table:
    rng = np.random.default_rng([net.config.seed, d, 4])
    vins, minutes, status, start, reason, phone = [], [], [], [], [], []
    for plan in plans:
        reg = plan.registrations
        sel = plan.registrations_by(d)
        if sel.size == 0:
            continue
        veh = reg.vehicle[sel]
        vins.append(plan.vehicles.vin[veh].astype(object))
        phone.append(plan.vehicles.phone[veh])
        minutes.append(reg.minute[sel])
        status.append(reg.status[sel])
        start.append(reg.start_day[sel])
        reason.append(reg.reject_reason[sel])
    if vins:
        cat = np.concatenate
        vin, minute, st, sd, rr, ph = (
            cat(vins),
            cat(minutes),
            cat(status),
            cat(start),
            cat(reason),
            cat(phone),
        )
    else:
        vin = minute = st = sd = rr = ph = np.empty(0, dtype=object)
        minute = sd = np.empty(0, dtype=np.int64)
    order = np.lexsort((vin.astype(str), minute))
    vin, minute, st, sd, rr, ph = (
        vin[order],
        minute[order],
        st[order],
        sd[order],
        rr[order],
        ph[order].copy(),
    )
    ph[rng.random(ph.size) < 0.03] = None
    return Table(
        "warranty_registrations",
        {
            "dealer_code": obj(net.dealers[d].code, vin.size),
            "registration_id": _ids("WR", minute, 5),
            "vin": vin,
            "submitted_at": minute,
            "status": st,
            "warranty_start_date": sd,
            "reject_reason": rr,
            "customer_phone": ph,
        },
        months_of_minutes(minute),
    )
