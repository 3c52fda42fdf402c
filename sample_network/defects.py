"""Planted defects: a few rows per file made wrong in one known way, recorded in the truth
manifest with the rule the ingestion layer is expected to apply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sample_network.config import FUTURE_YEAR
from sample_network.dialects import UNKNOWN_VALUES
from sample_network.schema import NA_INT, SURVEY_ITEMS
from sample_network.table import Table
from sample_network.vin import corrupt_check_digit

MAX_FILE_SHARE = 0.03
"""Planted defect rows never exceed this share of a file's rows."""

RULES = {
    "bad_vin_check_digit": "vin_invalid",
    "delivered_before_arrival": "timestamp_order",
    "duplicate_row": "duplicate_row",
    "conflicting_duplicate": "conflicting_duplicate",
    "unknown_category": "unknown_category",
    "negative_amount": "negative_amount",
    "score_out_of_scale": "score_out_of_scale",
    "future_timestamp": "future_timestamp",
}

WIDE_SURVEY = "survey_responses_wide"


@dataclass(frozen=True)
class Planted:
    period: int  # months since 1970
    row: int  # 1-based data row in the file
    defect: str


def _future(minute: int) -> int:
    t = dt.datetime(1970, 1, 1) + dt.timedelta(minutes=int(minute))
    t = t.replace(year=FUTURE_YEAR, day=min(t.day, 28))
    return int((t - dt.datetime(1970, 1, 1)).total_seconds() // 60)


def _future_column(feed: str, cols: dict[str, np.ndarray], i: int) -> str | None:
    chains = {
        "repair_orders": ("settled_at",),
        "warranty_registrations": ("submitted_at",),
        "warranty_claims": ("settled_at", "submitted_at"),
        "survey_responses": ("surveyed_at",),
        WIDE_SURVEY: ("surveyed_at",),
        "complaints": ("closed_at", "first_response_at", "received_at"),
    }
    for col in chains.get(feed, ()):
        if cols[col][i] != NA_INT:
            return col
    return None


def _answered_items(cols: dict[str, np.ndarray], i: int) -> list[str]:
    return [item for item in SURVEY_ITEMS if cols[item][i] != NA_INT]


class _Planter:
    """Eligibility and mutation of each defect kind for one feed table."""

    def __init__(self, table: Table, scale_max: int, rng: np.random.Generator) -> None:
        self.feed = table.feed
        self.cols = {k: v.copy() for k, v in table.cols.items()}
        self.scale_max = scale_max
        self.rng = rng

    def kinds(self) -> list[str]:
        feed = self.feed
        out = ["bad_vin_check_digit", "duplicate_row", "conflicting_duplicate"]
        if feed == "repair_orders":
            out.append("delivered_before_arrival")
        if any(k[0] == feed for k in UNKNOWN_VALUES):
            out.append("unknown_category")
        if feed in ("repair_orders", "warranty_claims"):
            out.append("negative_amount")
        if feed in ("survey_responses", WIDE_SURVEY):
            out.append("score_out_of_scale")
        if feed != "vehicle_sales":
            out.append("future_timestamp")
        return out

    def eligible(self, kind: str, i: int) -> bool:
        c = self.cols
        if kind == "bad_vin_check_digit":
            return c["vin"][i] is not None
        if kind == "delivered_before_arrival":
            return c["delivered_at"][i] != NA_INT
        if kind == "negative_amount":
            col = "total_amount" if self.feed == "repair_orders" else "labour_amount"
            ok = c[col][i] != NA_INT and c[col][i] > 0
            return bool(ok and (self.feed != "repair_orders" or c["status"][i] != "void"))
        if kind == "future_timestamp":
            return _future_column(self.feed, c, i) is not None
        if kind == "score_out_of_scale" and self.feed == WIDE_SURVEY:
            return bool(_answered_items(c, i))
        return True

    def mutate_in_place(self, kind: str, i: int) -> None:
        c = self.cols
        if kind == "bad_vin_check_digit":
            c["vin"][i] = corrupt_check_digit(str(c["vin"][i]))
        elif kind == "delivered_before_arrival":
            c["delivered_at"][i] = c["arrived_at"][i] - int(self.rng.integers(30, 600))
        elif kind == "unknown_category":
            ((col, token),) = [(k[1], v[0]) for k, v in UNKNOWN_VALUES.items() if k[0] == self.feed]
            c[col][i] = token
        elif kind == "negative_amount":
            col = "total_amount" if self.feed == "repair_orders" else "labour_amount"
            c[col][i] = -c[col][i]
        elif kind == "score_out_of_scale":
            col = "score" if self.feed == "survey_responses" else _answered_items(c, i)[0]
            c[col][i] = self.scale_max + 1 if self.rng.random() < 0.7 else 0
        elif kind == "future_timestamp":
            col = _future_column(self.feed, c, i)
            assert col is not None
            c[col][i] = _future(c[col][i])
        else:
            raise ValueError(kind)

    def conflict(self, copy: dict[str, np.ndarray], j: int) -> None:
        """Make copy row j differ from its original in one non-key value."""
        feed = self.feed
        if feed == "vehicle_sales":
            copy["model_code"][j] = "A5S" if copy["model_code"][j] != "A5S" else "A3L"
        elif feed == "repair_orders":
            copy["odometer_km"][j] = copy["odometer_km"][j] + int(self.rng.integers(1, 50))
        elif feed == "warranty_registrations":
            copy["customer_phone"][j] = "139" + f"{int(self.rng.integers(0, 10**8)):08d}"
        elif feed == "warranty_claims":
            copy["labour_amount"][j] = copy["labour_amount"][j] + 1000
        elif feed == "survey_responses":
            copy["score"][j] = _other_score(copy["score"][j], self.scale_max)
        elif feed == WIDE_SURVEY:
            for item in SURVEY_ITEMS:
                if copy[item][j] != NA_INT:
                    copy[item][j] = _other_score(copy[item][j], self.scale_max)
        elif feed == "complaints":
            copy["reopen_count"][j] = copy["reopen_count"][j] + 1
        else:
            raise ValueError(feed)


def _other_score(score: int, scale_max: int) -> int:
    return int(score) - 1 if score > 1 else int(score) + 1 if scale_max > 1 else int(score)


def plant_defects(
    table: Table, rate: float, rng: np.random.Generator, scale_max: int = 10
) -> tuple[Table, list[Planted]]:
    """Plant defects file by file (a file = one period of the table, rows contiguous).

    Returns the table in final row order (copies inserted) and the planted entries with
    final 1-based row numbers within each file.
    """
    n = len(table)
    if n == 0 or rate <= 0:
        return table, []
    if np.any(np.diff(table.period) < 0):
        raise ValueError("rows must be grouped by period")
    planter = _Planter(table, scale_max, rng)
    kinds = planter.kinds()
    starts = np.r_[0, np.flatnonzero(np.diff(table.period)) + 1]
    ends = np.r_[starts[1:], n]
    copy_src: list[int] = []
    copy_conflict: list[bool] = []
    order: list[np.ndarray] = []
    pending: list[tuple[int, int | tuple[str, int], str]] = []
    for a, b in zip(starts, ends, strict=True):
        size = int(b - a)
        budget = int(np.floor(MAX_FILE_SHARE * size))
        wanted = int(rng.binomial(size, rate))
        if budget == 0 or wanted == 0:
            order.append(np.arange(a, b))
            continue
        used: set[int] = set()
        placed: list[tuple[float, int | str]] = [(float(i), i) for i in range(a, b)]
        candidates = rng.permutation(np.arange(a, b))
        ci = 0
        spent = 0
        for _ in range(wanted):
            kind = kinds[int(rng.integers(len(kinds)))]
            cost = 2 if kind == "conflicting_duplicate" else 1
            if spent + cost > budget:
                break
            target = None
            while ci < candidates.size:
                cand = int(candidates[ci])
                ci += 1
                if cand not in used and planter.eligible(kind, cand):
                    target = cand
                    break
            if target is None:
                break
            used.add(target)
            spent += cost
            period = int(table.period[a])
            if kind in ("duplicate_row", "conflicting_duplicate"):
                slot = int(rng.integers(target + 1, b + 1))
                copy_id = len(copy_src)
                copy_src.append(target)
                copy_conflict.append(kind == "conflicting_duplicate")
                placed.append((slot - 0.5 + copy_id * 1e-6, f"c{copy_id}"))
                pending.append((period, ("copy", copy_id), kind))
                if kind == "conflicting_duplicate":
                    pending.append((period, target, kind))
            else:
                planter.mutate_in_place(kind, target)
                pending.append((period, target, kind))
        placed.sort(key=lambda x: x[0])
        order.append(
            np.array([n + int(str(s)[1:]) if isinstance(s, str) else s for _, s in placed])
        )
    if not pending:
        return table, []
    base = Table(table.feed, planter.cols, table.period)
    if copy_src:
        copies = base.take(np.array(copy_src, dtype=np.int64))
        copies.cols = {k: v.copy() for k, v in copies.cols.items()}
        for j, conflicting in enumerate(copy_conflict):
            if conflicting:
                planter.conflict(copies.cols, j)
        base = Table.concat([base, copies])
    final_order = np.concatenate(order)
    out = base.take(final_order)
    position = np.empty(final_order.size, dtype=np.int64)
    position[final_order] = np.arange(final_order.size)
    out_starts = np.r_[0, np.flatnonzero(np.diff(out.period)) + 1]
    file_first = {int(out.period[i]): int(i) for i in out_starts}
    planted: list[Planted] = []
    for period, ref, kind in pending:
        idx = n + ref[1] if isinstance(ref, tuple) else ref
        pos = int(position[idx])
        planted.append(Planted(period, pos - file_first[period] + 1, kind))
    planted.sort(key=lambda p: (p.period, p.row))
    return out, planted
