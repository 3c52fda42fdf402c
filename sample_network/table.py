"""A small columnar table of numpy arrays: typed canonical values plus the file period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_network.schema import COLUMNS


@dataclass
class Table:
    """Rows of one feed: ``cols`` keyed by canonical column, ``period`` = months since 1970.

    str columns are object arrays (None = missing); int, decimal (cents), date (days since
    1970) and ts (minutes since 1970) columns are int64 with ``NA_INT`` for missing;
    bool columns are int8 with -1 for missing.
    """

    feed: str
    cols: dict[str, np.ndarray]
    period: np.ndarray

    def __len__(self) -> int:
        return int(self.period.shape[0])

    def take(self, index: np.ndarray) -> Table:
        return Table(self.feed, {k: v[index] for k, v in self.cols.items()}, self.period[index])

    @staticmethod
    def concat(tables: list[Table]) -> Table:
        first = tables[0]
        return Table(
            first.feed,
            {k: np.concatenate([t.cols[k] for t in tables]) for k in first.cols},
            np.concatenate([t.period for t in tables]),
        )

    def check_columns(self) -> None:
        expected = [name for name, _ in COLUMNS[self.feed]]
        if list(self.cols) != expected:
            raise ValueError(f"{self.feed}: columns {list(self.cols)} != {expected}")
        for name, values in self.cols.items():
            if values.shape[0] != len(self):
                raise ValueError(f"{self.feed}.{name}: length mismatch")


def months_of_minutes(minutes: np.ndarray) -> np.ndarray:
    return minutes.astype("datetime64[m]").astype("datetime64[M]").astype(np.int64)


def months_of_days(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def obj(values: object, n: int | None = None) -> np.ndarray:
    """An object array of strings (a scalar is repeated n times)."""
    if n is not None:
        out = np.empty(n, dtype=object)
        out[:] = values
        return out
    return np.asarray(values, dtype=object)
