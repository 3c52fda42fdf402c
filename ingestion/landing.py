"""Parquet landing into an append-only lake.

A batch of files (one ``aftersales ingest`` run or one Airflow shard) lands as **one Parquet
file per (area, feed)** — ``landed/<feed>/part-<stamp>-<run>.parquet`` and
``quarantine/<feed>/…`` — holding the rows of every (dealer, period) partition the batch
wrote. Nothing is rewritten in place: the control DB's ``lake_partitions`` table says which
part file holds the current version of each (area, feed, dealer, period), so a resend or a
reprocess lands new rows and moves the partition's pointer; readers see only the rows of
current versions (``ingestion.lake_read``). ``ingestion.compaction`` rewrites a feed's
current rows into fewer files and drops what no pointer reaches.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.contracts import FEEDS
from ingestion.contracts.landed import landed_columns
from ingestion.lake_state import (
    Partition,
    PointerChange,
    StagedOp,
    discard_staged,
    fault_point,
    file_sha256,
    landing_failed,
    staged_path,
)

LANDED, QUARANTINE = "landed", "quarantine"
AREAS = (LANDED, QUARANTINE)

ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "decimal": pa.decimal128(18, 2),
    "date": pa.date32(),
    "ts": pa.timestamp("us"),
    "bool": pa.bool_(),
}
QUARANTINE_SCHEMA = pa.schema(
    [
        ("feed", pa.string()),
        ("dealer_code", pa.string()),
        ("period", pa.string()),
        ("_source_file", pa.string()),
        ("_source_row", pa.int64()),
        ("_file_sha256", pa.string()),
        ("rule_id", pa.string()),
        ("reason", pa.string()),
        ("raw_record", pa.string()),
        ("_quarantined_at", pa.timestamp("us")),
    ]
)


def landed_schema(feed: str) -> pa.Schema:
    return pa.schema([pa.field(n, ARROW_TYPES[t]) for n, t in landed_columns(FEEDS[feed])])


def area_schema(area: str, feed: str) -> pa.Schema:
    return landed_schema(feed) if area == LANDED else QUARANTINE_SCHEMA


def _decimal_from_float(values: np.ndarray, typ: pa.DataType) -> pa.Array:
    """Exact decimal(18,2) from floats already rounded to cents (unscaled int128 buffers)."""
    mask = np.isnan(values)
    cents = np.where(mask, 0, np.round(values * 100)).astype(np.int64)
    words = np.empty((len(cents), 2), dtype="<i8")
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    validity = pa.array(~mask, type=pa.bool_()).buffers()[1] if mask.any() else None
    return pa.Array.from_buffers(
        typ, len(cents), [validity, pa.py_buffer(words.tobytes())], null_count=int(mask.sum())
    )


def _to_arrow(series: pd.Series, typ: pa.DataType) -> pa.Array:
    if pa.types.is_decimal(typ):
        return _decimal_from_float(series.astype("float64").to_numpy(), typ)
    if pa.types.is_date32(typ):
        return pa.array(series.astype("datetime64[us]"), type=pa.timestamp("us")).cast(pa.date32())
    if pa.types.is_timestamp(typ):
        return pa.array(series.astype("datetime64[us]"), type=typ)
    if pa.types.is_int64(typ):
        return pa.array(series.astype("Int64"), type=typ)
    if pa.types.is_boolean(typ):
        return pa.array(series.astype("boolean"), type=typ)
    return pa.array(series.astype(object).where(series.notna(), None), type=pa.string())


def to_landed_table(feed: str, rows: pd.DataFrame) -> pa.Table:
    schema = landed_schema(feed)
    arrays = [_to_arrow(rows[f.name], f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def part_name(run_id: str) -> str:
    """A part file's name: sortable by landing time, unique by run."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"part-{stamp}-{run_id}.parquet"


WRITE_THREADS = 2
COMPRESSION = "snappy"
"""Fast to write and to read back; a part file holds a whole batch, so per-file overhead
no longer decides the codec (docs/benchmarks.md)."""

DICTIONARY_COLUMNS = frozenset(
    {c.name for feed in FEEDS.values() for c in feed.columns if c.enum is not None}
    | {"feed", "dealer_code", "period", "dq_flags", "rule_id", "_source_file", "_file_sha256"}
)
"""Columns with a handful of distinct values per row group: dictionary-encoded. Identifiers,
amounts and timestamps are not (a dictionary of unique values is pure overhead)."""

STATISTICS_COLUMNS = frozenset({"dealer_code", "period"})
"""Min/max statistics for the partition columns and every date and time column: what a
reader prunes row groups on."""


def write_options(schema: pa.Schema) -> dict[str, object]:
    return {
        "compression": COMPRESSION,
        "use_dictionary": [f.name for f in schema if f.name in DICTIONARY_COLUMNS],
        "write_statistics": [
            f.name
            for f in schema
            if f.name in STATISTICS_COLUMNS
            or pa.types.is_timestamp(f.type)
            or pa.types.is_date(f.type)
        ],
    }


def stage_part(lake: Path, area: str, feed: str, table: pa.Table, run_id: str) -> StagedOp:
    """Write `table` as a new part file of (area, feed), hidden until the run's commit."""
    target = lake / area / feed / part_name(run_id)
    staged = staged_path(target, run_id)
    staged.parent.mkdir(parents=True, exist_ok=True)
    try:
        pq.write_table(table, staged, **write_options(table.schema))  # type: ignore[arg-type]
        fault_point("ingest.staging")
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise landing_failed(target, exc) from exc
    return StagedOp(target, staged, file_sha256(staged), table.num_rows)


@dataclass
class StagedBatch:
    """What a batch wrote (staged part files) and how it moves the partition pointers."""

    files: list[StagedOp]
    pointers: list[PointerChange]

    def discard(self) -> None:
        discard_staged(self.files)


class LakeWrites:
    """Partition writes and removals of one batch. Only the last operation on a partition
    counts. `stage` writes one hidden part file per (area, feed) — on a few threads, Parquet
    encoding releases the GIL — and returns the files and pointer changes for the run's
    commit (``ingestion.lake_state``); nothing is visible before the commit's renames."""

    def __init__(self, threads: int = WRITE_THREADS) -> None:
        self._threads = threads
        self._ops: dict[Partition, pa.Table | None] = {}

    def write(self, partition: Partition, table: pa.Table) -> None:
        self._ops[partition] = table

    def remove(self, partition: Partition) -> None:
        self._ops[partition] = None

    def stage(self, lake: Path, run_id: str) -> StagedBatch:
        """Write the staged part files; on any failure remove those written and raise it."""
        ops, self._ops = self._ops, {}
        groups: dict[tuple[str, str], list[tuple[Partition, pa.Table]]] = {}
        for partition, table in sorted(ops.items(), key=lambda kv: kv[0]):
            if table is not None:
                groups.setdefault((partition.area, partition.feed), []).append((partition, table))
        tables = {
            key: pa.concat_tables([t for _, t in members])
            for key, members in groups.items()
            if sum(t.num_rows for _, t in members)
        }
        batch = StagedBatch([], [])
        try:
            jobs = sorted(tables.items())
            if len(jobs) < 2 or self._threads < 2:
                batch.files = [stage_part(lake, a, f, t, run_id) for (a, f), t in jobs]
            else:
                with ThreadPoolExecutor(self._threads) as pool:
                    futures = [pool.submit(stage_part, lake, a, f, t, run_id) for (a, f), t in jobs]
                errors = []
                for future in futures:
                    try:
                        batch.files.append(future.result())
                    except Exception as exc:  # collect, clean up, re-raise the first
                        errors.append(exc)
                if errors:
                    raise errors[0]
        except BaseException:
            batch.discard()
            raise
        part_of = {
            key: op.target.relative_to(lake).as_posix()
            for key, op in zip((k for k, _ in sorted(tables.items())), batch.files, strict=True)
        }
        for partition, table in sorted(ops.items(), key=lambda kv: kv[0]):
            if table is None:
                batch.pointers.append(PointerChange(partition, None, 0, removed=True))
            else:
                part = part_of.get((partition.area, partition.feed)) if table.num_rows else None
                batch.pointers.append(PointerChange(partition, part, table.num_rows))
        return batch
