"""The gate's metrics frame: one row per file of a (feed, shard) batch.

The row contract (pandera) has judged every row; what is left to judge is the file as a
whole, against itself and against the dealer's history. The suite generated from the
contract (``ingestion.quality.suites``) checks these columns:

| column | meaning |
|---|---|
| ``rows_read`` | rows in the file |
| ``rows_in_batch`` | of them, rows that passed the row contract (the gate's rows) |
| ``quarantine_share`` | ``rows_quarantined / rows_read`` |
| ``flagged_share`` | share of the gate rows carrying a dq flag |
| ``in_period_share`` | share of dated gate rows whose period column falls in the declared month |
| ``trailing_median``, ``prior_periods`` | rows_read of the dealer's last loaded periods (median), number of earlier loaded periods (``ingestion.quality.history``) |
| ``volume_ratio`` | ``rows_read / trailing_median`` |
| ``baseline_periods`` | earlier periods of the dealer available for the distribution checks |
| ``<col>_mix_distance`` | total variation distance between the file's mix of ``col`` and the pooled mix of the dealer's last ``trailing_periods`` periods |
| ``<col>_mean_ratio`` | the file's mean of ``col`` over the pooled mean of those periods |

The metrics are plain measurements; which files a check applies to (enough rows, enough
history) is part of the expectation (its ``row_condition``), so the suite states the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from ingestion.contracts import Distribution, contract
from ingestion.quality.suites import mean_metric, mix_metric


def file_key(path: str) -> str:
    """dealer/feed/period.ext: the part a ledger path and a lineage path always share."""
    return "/".join(PurePosixPath(str(path).replace("\\", "/")).parts[-3:])


def row_file_positions(paths: list[str], rows: pd.DataFrame) -> np.ndarray:
    """Position in ``paths`` of each row's ``_source_file`` (-1: not one of the files)."""
    if rows.empty or "_source_file" not in rows.columns:
        return np.full(len(rows), -1, dtype=np.int64)
    by_path = {p: i for i, p in enumerate(paths)}
    by_key = {file_key(p): i for i, p in enumerate(paths)}
    codes, uniques = pd.factorize(rows["_source_file"].astype(str), sort=False)
    lookup = np.array(
        [by_path.get(u, by_key.get(file_key(u), -1)) for u in uniques] + [-1], dtype=np.int64
    )
    return lookup[codes]  # a code of -1 (missing lineage) takes the trailing -1


def _naive_datetime(series: pd.Series) -> pd.Series:
    if not pd.api.types.is_datetime64_any_dtype(series):
        series = pd.to_datetime(series, errors="coerce", format="ISO8601")
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    return series


def _month_index(text: pd.Series) -> np.ndarray:
    """'YYYY-MM...' labels to year * 12 + month (-2 when unreadable)."""
    text = text.astype(str).str.slice(0, 7)
    year = pd.to_numeric(text.str.slice(0, 4), errors="coerce")
    month = pd.to_numeric(text.str.slice(5, 7), errors="coerce")
    return (year * 12 + month).fillna(-2).astype(np.int64).to_numpy()


def _column(frame: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), default)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _bincount(pos: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    ok = pos >= 0
    w = None if weights is None else weights[ok]
    return np.bincount(pos[ok], weights=w, minlength=n).astype(float)


@dataclass
class _Profile:
    """Per key (a file, or a dealer's earlier period): rows, counts per category, sums."""

    mix: dict[str, np.ndarray]  # column -> (keys x categories) counts
    sums: dict[str, np.ndarray]  # column -> sum of values per key
    counts: dict[str, np.ndarray]  # column -> non-null values per key


def _profile(
    rows: pd.DataFrame, pos: np.ndarray, n: int, feed: str, shifts: Distribution
) -> _Profile:
    definition = contract(feed)
    mix: dict[str, np.ndarray] = {}
    for spec in shifts.mix:
        categories = list(definition.column(spec.column).enum or ())
        values = rows[spec.column] if spec.column in rows.columns else pd.Series(index=rows.index)
        codes = pd.Categorical(values.astype(object), categories=categories).codes.astype(np.int64)
        keyed = np.where((pos >= 0) & (codes >= 0), pos * len(categories) + codes, -1)
        mix[spec.column] = _bincount(keyed, n * len(categories)).reshape(n, len(categories))
    sums: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    for spec in shifts.mean:
        values = rows[spec.column] if spec.column in rows.columns else pd.Series(index=rows.index)
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(numbers)
        keyed = np.where(present, pos, -1)
        sums[spec.column] = _bincount(keyed, n, np.nan_to_num(numbers))
        counts[spec.column] = _bincount(keyed, n)
    return _Profile(mix, sums, counts)


def _baselines(
    dealers: list[str], periods: list[str], history: pd.DataFrame, window: int
) -> tuple[list[list[int]], list[list[int]], np.ndarray, list[tuple[str, str]]]:
    """For each file: the positions (in the batch) and history groups of the dealer's last
    ``window`` earlier periods, and how many earlier periods there are."""
    groups: list[tuple[str, str]] = []
    if not history.empty:
        keys = history[["dealer_code", "period"]].astype(str).drop_duplicates()
        groups = sorted(map(tuple, keys.itertuples(index=False)))  # type: ignore[arg-type]
    known: dict[str, dict[str, tuple[list[int], list[int]]]] = {}
    for g, (dealer, period) in enumerate(groups):
        known.setdefault(dealer, {}).setdefault(period, ([], []))[1].append(g)
    for i, (dealer, period) in enumerate(zip(dealers, periods, strict=True)):
        known.setdefault(dealer, {}).setdefault(period, ([], []))[0].append(i)
    batch_pos: list[list[int]] = []
    hist_pos: list[list[int]] = []
    available = np.zeros(len(dealers), dtype=float)
    for i, (dealer, period) in enumerate(zip(dealers, periods, strict=True)):
        earlier = sorted(p for p in known[dealer] if p < period)
        available[i] = len(earlier)
        chosen = [known[dealer][p] for p in earlier[-window:]]
        batch_pos.append([j for b, _ in chosen for j in b])
        hist_pos.append([g for _, h in chosen for g in h])
    return batch_pos, hist_pos, available, groups


def _distribution(
    feed: str,
    shifts: Distribution,
    files: pd.DataFrame,
    rows: pd.DataFrame,
    row_pos: np.ndarray,
    history: pd.DataFrame | None,
) -> dict[str, np.ndarray]:
    n = len(files)
    history = history if history is not None else pd.DataFrame()
    dealers = files["dealer_code"].astype(str).tolist()
    periods = files["period"].astype(str).str.slice(0, 7).tolist()
    batch_pos, hist_pos, available, groups = _baselines(
        dealers, periods, history, shifts.trailing_periods
    )
    current = _profile(rows, row_pos, n, feed, shifts)
    if groups:
        index = {g: k for k, g in enumerate(groups)}
        keys = zip(history["dealer_code"].astype(str), history["period"].astype(str), strict=True)
        group_pos = np.fromiter((index[k] for k in keys), dtype=np.int64, count=len(history))
        past = _profile(history, group_pos, len(groups), feed, shifts)
    else:
        past = _profile(
            pd.DataFrame(index=pd.RangeIndex(0)), np.empty(0, np.int64), 0, feed, shifts
        )

    def pooled(values_now: np.ndarray, values_then: np.ndarray, i: int) -> np.ndarray:
        return values_now[batch_pos[i]].sum(axis=0) + values_then[hist_pos[i]].sum(axis=0)

    out: dict[str, np.ndarray] = {"baseline_periods": available}
    for spec in shifts.mix:
        now, then = current.mix[spec.column], past.mix[spec.column]
        distance = np.full(n, np.nan)
        for i in range(n):
            base = pooled(now, then, i)
            own, total = now[i].sum(), base.sum()
            if own > 0 and total > 0:
                distance[i] = 0.5 * np.abs(now[i] / own - base / total).sum()
        out[mix_metric(spec.column)] = distance
    for spec in shifts.mean:
        col = spec.column
        ratio = np.full(n, np.nan)
        for i in range(n):
            base_sum = pooled(current.sums[col], past.sums[col], i)
            base_count = pooled(current.counts[col], past.counts[col], i)
            own_count = current.counts[col][i]
            if own_count > 0 and base_count > 0 and base_sum != 0:
                ratio[i] = (current.sums[col][i] / own_count) / (base_sum / base_count)
        out[mean_metric(col)] = ratio
    return out


def file_metrics(
    feed: str,
    files: pd.DataFrame,
    rows: pd.DataFrame,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The metrics frame of a batch (columns in the module docstring), in ``files`` order.

    ``files``: one row per file (``file_path, dealer_code, period, rows_read,
    rows_quarantined, trailing_median, prior_periods``). ``rows``: the batch's rows that
    passed the row contract, with ``_source_file`` lineage and ``dq_flags``. ``history``:
    landed rows of the dealers' earlier periods (``dealer_code, period`` and the columns of
    the distribution checks), see ``ingestion.quality.history.landed_history``.
    """
    rules = contract(feed).file_rules
    assert rules is not None, f"{feed} has no file rules"
    files = files.reset_index(drop=True)
    rows = rows.reset_index(drop=True)
    n = len(files)
    paths = files["file_path"].astype(str).tolist()
    pos = row_file_positions(paths, rows)
    in_batch = _bincount(pos, n)

    flags = rows["dq_flags"] if "dq_flags" in rows.columns else pd.Series("", index=rows.index)
    flagged = flags.fillna("").astype(str).str.strip().ne("").to_numpy()
    flagged_count = _bincount(np.where(flagged, pos, -1), n)

    if rules.period_column in rows.columns:
        stamp = _naive_datetime(rows[rules.period_column])
        dated = stamp.notna().to_numpy()
        row_month = (stamp.dt.year * 12 + stamp.dt.month).fillna(-1).astype(np.int64).to_numpy()
    else:
        dated = np.zeros(len(rows), dtype=bool)
        row_month = np.full(len(rows), -1, dtype=np.int64)
    declared = _month_index(files["period"])
    matched = pos >= 0
    in_period = np.zeros(len(rows), dtype=bool)
    in_period[matched] = row_month[matched] == declared[pos[matched]]
    dated_count = _bincount(np.where(dated, pos, -1), n)
    in_period_count = _bincount(np.where(dated & in_period, pos, -1), n)

    rows_read = pd.to_numeric(files["rows_read"], errors="coerce").fillna(0).to_numpy(float)
    quarantined = pd.to_numeric(files["rows_quarantined"], errors="coerce").fillna(0)
    median = _column(files, "trailing_median", np.nan)
    prior = np.nan_to_num(_column(files, "prior_periods", 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        metrics: dict[str, np.ndarray] = {
            "rows_read": rows_read,
            "rows_in_batch": in_batch,
            "quarantine_share": np.where(
                rows_read > 0, quarantined.to_numpy(float) / rows_read, np.nan
            ),
            "flagged_share": np.where(in_batch > 0, flagged_count / in_batch, np.nan),
            "in_period_share": np.where(dated_count > 0, in_period_count / dated_count, np.nan),
            "trailing_median": median,
            "prior_periods": prior,
            "volume_ratio": np.where(median > 0, rows_read / median, np.nan),
        }
    if rules.distribution is not None:
        metrics.update(_distribution(feed, rules.distribution, files, rows, pos, history))
    frame = pd.DataFrame(metrics, index=pd.RangeIndex(n))
    frame.insert(0, "file_path", paths)
    return frame
