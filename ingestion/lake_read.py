"""Read the current rows of the append-only lake: for each (area, feed, dealer, period) the
rows of the part file its pointer in ``lake_partitions`` names, nothing superseded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from ingestion.control_db import control_db_path
from ingestion.control_export import export_path
from ingestion.landing import LANDED, area_schema

if TYPE_CHECKING:
    import duckdb

POINTERS_EXPORT = export_path("lake_partitions")

Key = tuple[str, str]  # (dealer_code, period)


def current_partitions(conn: sqlite3.Connection, area: str, feed: str) -> dict[Key, str | None]:
    """(dealer, period) -> lake-relative part file (None: the partition has no rows)."""
    return {
        (dealer, period): part
        for dealer, period, part in conn.execute(
            "SELECT dealer_code, period, part FROM lake_partitions WHERE area = ? AND feed = ?",
            (area, feed),
        )
    }


def read_pointers(lake: Path, area: str, feed: str) -> dict[Key, str | None]:
    """The current partitions of (area, feed) from the lake's control DB (none without one)."""
    db_path = control_db_path(lake)
    if not db_path.exists():
        return {}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=60.0)
    try:
        return current_partitions(conn, area, feed)
    finally:
        conn.close()


def current_relation(
    db: duckdb.DuckDBPyConnection,
    lake: Path,
    pointers: dict[Key, str | None],
    columns: list[str],
) -> str | None:
    """SQL selecting `columns` of the rows `pointers` make current (registers the pointer
    table as `current` on `db`); None when no partition has rows."""
    chosen = sorted((k, p) for k, p in pointers.items() if p)
    if not chosen:
        return None
    db.register(
        "current",
        pa.table(
            {
                "file": [str(lake / part) for _, part in chosen],
                "dealer_code": [k[0] for k, _ in chosen],
                "period": [k[1] for k, _ in chosen],
            }
        ),
    )
    files = ", ".join(f"'{f}'" for f in sorted({str(lake / p) for _, p in chosen}))
    select = ", ".join(f'r."{c}"' for c in columns)
    return (
        f"SELECT {select} FROM read_parquet([{files}], filename = true) AS r "
        "SEMI JOIN current AS c ON r.filename = c.file AND r.dealer_code = c.dealer_code "
        "AND r.period = c.period"
    )


def read_current(
    lake: Path,
    feed: str,
    *,
    area: str = LANDED,
    columns: Iterable[str] | None = None,
    partitions: Iterable[Key] | None = None,
    exclude: Iterable[Key] = (),
    vins: Iterable[str] | None = None,
) -> pa.Table:
    """Current rows of (area, feed): of `partitions` (dealer, period) when given, all
    otherwise, never those in `exclude`; only rows whose ``vin`` is in `vins` when given."""
    import duckdb

    schema = area_schema(area, feed)
    wanted = [f.name for f in schema] if columns is None else list(columns)
    empty = pa.schema([schema.field(c) for c in wanted]).empty_table()
    pointers = read_pointers(lake, area, feed)
    keys = set(pointers) if partitions is None else set(partitions) & set(pointers)
    keys -= set(exclude)
    with duckdb.connect() as db:
        sql = current_relation(db, lake, {k: pointers[k] for k in keys}, wanted)
        if sql is None:
            return empty
        if vins is not None:
            db.register("vins", pa.table({"vin": sorted({v for v in vins if isinstance(v, str)})}))
            sql += " WHERE r.vin IN (SELECT vin FROM vins)"
        table = db.execute(sql).fetch_arrow_table()
    return table.cast(empty.schema) if table.num_rows else empty


def current_rows_sql(root: str, area: str, feed: str | None = None) -> str:
    """The relation of the current rows of one feed (or, `feed` None, of every feed of the
    area) as the warehouse reads it: the part files semi-joined with the exported
    ``lake_partitions`` on (part file, dealer, period). The lake sources' `external_location`
    in dbt is this expression (tests hold them equal). Every feed at once only for the
    quarantine, whose rows name their feed."""
    if feed is None and area == LANDED:
        raise ValueError("landed rows do not name their feed: read one feed at a time")
    glob = f"{root}/{area}/{feed or '*'}/*.parquet"
    same_feed = f"c.feed = '{feed}'" if feed else "c.feed = r.feed"
    return (
        f"(select r.* exclude (filename) from read_parquet('{glob}', filename = true, "
        f"union_by_name = true) as r semi join read_parquet('{root}/{POINTERS_EXPORT}') as c "
        f"on c.area = '{area}' and {same_feed} "
        "and parse_filename(r.filename) = parse_filename(c.part) "
        "and r.dealer_code = c.dealer_code and r.period = c.period)"
    )
