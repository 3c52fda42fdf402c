"""The read + write floor of the ingestion: what any conforming ingestion must at least do
with a network's exports, done with the fastest bare readers and one write per feed.

- **read**: every export once with the fastest bare reader for its format. CSV exports of
  one (dialect, feed, header) group are read together by DuckDB `read_csv` over the file
  list, explicit VARCHAR columns, `auto_detect=false`, every value materialised
  (`CREATE TABLE … AS SELECT *`: a `count(*)` would let DuckDB skip the values); the
  fastest of `repeats` reads. A file that is not UTF-8 (GB18030 exports) is decoded to
  UTF-8 in memory first and the decode is counted. Workbooks are parsed by calamine, on
  `workers` processes.
- **write**: the same rows written once as Parquet, one `COPY` per feed (workbook rows:
  one Parquet file per worker and feed).

The planning (which file is which dialect and feed) uses the project's registry and dealer
master, so the floor reads the same files as the ingestion; it is not timed.
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import python_calamine

from ingestion.dealer_master import load_dealer_master
from ingestion.discovery import classify, list_inbox
from ingestion.registry.loader import load_registry
from ingestion.settings import Settings

FLOOR_REPEATS = 3


@dataclass
class CsvGroup:
    """CSV exports of one feed that one `read_csv` call can read: same dialect and header."""

    feed: str
    delimiter: str
    quote: str
    skip: int  # lines above the header
    encoding: str  # the profile's: auto, utf-8, gb18030 or gbk
    header: tuple[str, ...]
    files: list[Path] = field(default_factory=list)


@dataclass
class FloorPlan:
    csv_groups: list[CsvGroup]
    workbooks: dict[str, list[Path]]  # feed -> workbook files


def _decode(data: bytes, encoding: str) -> tuple[str, bool]:
    """The text and whether it had to be re-encoded (not UTF-8 as it stands)."""
    if encoding in ("auto", "utf-8"):
        try:
            return data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"), False
        except UnicodeDecodeError:
            if encoding == "utf-8":
                raise
    return data.decode("gb18030"), True


def _header(path: Path, encoding: str, skip: int, delimiter: str) -> tuple[str, ...]:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    text, _ = _decode(head.rsplit(b"\n", 1)[0] if b"\n" in head else head, encoding)
    lines = text.splitlines()
    line = lines[skip] if len(lines) > skip else ""
    return tuple(c.strip().strip('"') for c in line.split(delimiter))


def plan_floor(settings: Settings) -> FloorPlan:
    """Every acceptable export of the inbox, grouped as a bare reader would read it."""
    registry = load_registry(settings)
    master = load_dealer_master(settings.dealer_master)
    vendors = master.vendors()
    groups: dict[tuple, CsvGroup] = {}
    workbooks: dict[str, list[Path]] = defaultdict(list)
    for dealer, rel_paths in list_inbox(settings.inbox).items():
        for rel in rel_paths:
            item = classify(rel, settings.inbox, master.codes, registry.config)
            if item.problem or item.feed is None:
                continue
            path = settings.inbox / rel
            profile = registry.dialect_for(dealer, vendors.get(dealer))
            if path.suffix.lower() == ".xlsx":
                workbooks[item.feed].append(path)
                continue
            skip = (profile.header_row or 1) - 1
            header = _header(path, profile.encoding, skip, profile.delimiter)
            key = (item.feed, profile.name, header)
            group = groups.setdefault(
                key,
                CsvGroup(
                    item.feed,
                    profile.delimiter,
                    profile.quotechar,
                    skip,
                    profile.encoding,
                    header,
                ),
            )
            group.files.append(path)
    return FloorPlan(list(groups.values()), dict(workbooks))


def _read_group(con: duckdb.DuckDBPyConnection, group: CsvGroup, table: str, scratch: Path) -> int:
    """Read one group into `table` (values materialised); the decode of non-UTF-8 files
    is part of the read."""
    paths: list[str] = []
    for i, path in enumerate(group.files):
        data = path.read_bytes()
        text, recoded = _decode(data, group.encoding)
        if recoded:
            target = scratch / f"{table}-{i}.csv"
            target.write_text(text, encoding="utf-8")
            paths.append(str(target))
        else:
            paths.append(str(path))
    columns = {f"c{i}": "VARCHAR" for i in range(len(group.header))}
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv(?, columns=?, "
        "header=true, auto_detect=false, delim=?, quote=?, skip=?, null_padding=true, "
        "strict_mode=false)",
        [paths, columns, group.delimiter, group.quote, group.skip],
    )
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]


def measure_csv(
    plan: FloorPlan, out: Path, repeats: int = FLOOR_REPEATS
) -> dict[str, dict[str, float]]:
    """Per feed: rows, files, read seconds (best of `repeats`) and write seconds (one COPY
    of all the feed's CSV rows)."""
    per_feed: dict[str, dict[str, float]] = defaultdict(
        lambda: {"rows": 0.0, "files": 0.0, "read_seconds": 0.0, "write_seconds": 0.0}
    )
    scratch_root = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    by_feed: dict[str, list[tuple[int, CsvGroup]]] = defaultdict(list)
    for n, group in enumerate(plan.csv_groups):
        by_feed[group.feed].append((n, group))
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        for feed, groups in by_feed.items():
            best = float("inf")
            rows = 0
            for _ in range(repeats):
                scratch = Path(tempfile.mkdtemp(prefix="floor-", dir=scratch_root))
                try:
                    started = time.perf_counter()
                    rows = sum(_read_group(con, g, f"g{n}", scratch) for n, g in groups)
                    best = min(best, time.perf_counter() - started)
                finally:
                    shutil.rmtree(scratch, ignore_errors=True)
            out.mkdir(parents=True, exist_ok=True)
            union = " UNION ALL BY NAME ".join(f"SELECT * FROM g{n}" for n, _ in groups)
            started = time.perf_counter()
            con.execute(f"COPY ({union}) TO '{out / f'{feed}.parquet'}' (FORMAT parquet)")
            stats = per_feed[feed]
            stats["write_seconds"] += time.perf_counter() - started
            stats["read_seconds"] += best
            stats["rows"] += rows
            stats["files"] += sum(len(g.files) for _, g in groups)
            for n, _ in groups:
                con.execute(f"DROP TABLE g{n}")
    finally:
        con.close()
    return dict(per_feed)


def _parse_and_write(feed: str, paths: list[Path], target: Path) -> tuple[float, float, int]:
    """Parse workbooks with calamine (every cell as a value), then write their rows once."""
    started = time.perf_counter()
    rows: list[list[object]] = []
    for path in paths:
        sheet = python_calamine.load_workbook(path).get_sheet_by_index(0)
        rows.extend(sheet.to_python(skip_empty_area=False))
    read = time.perf_counter() - started
    started = time.perf_counter()
    width = max((len(r) for r in rows), default=0)
    columns = [pa.array([str(r[i]) if i < len(r) else None for r in rows]) for i in range(width)]
    pq.write_table(pa.table(columns, names=[f"c{i}" for i in range(width)]), target)
    return read, time.perf_counter() - started, len(rows)


def measure_workbooks(plan: FloorPlan, out: Path, workers: int) -> dict[str, dict[str, float]]:
    """Per feed: the workbooks parsed on `workers` processes; seconds of the slowest worker."""
    result: dict[str, dict[str, float]] = {}
    out.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for feed, paths in plan.workbooks.items():
            chunks = [paths[i::workers] for i in range(workers) if paths[i::workers]]
            parts = list(
                pool.map(
                    _parse_and_write,
                    [feed] * len(chunks),
                    chunks,
                    [out / f"{feed}-workbooks-{i}.parquet" for i in range(len(chunks))],
                )
            )
            result[feed] = {
                "rows": float(sum(n for _, _, n in parts)),
                "files": float(len(paths)),
                "read_seconds": max(r for r, _, _ in parts),
                "write_seconds": max(w for _, w, _ in parts),
            }
    return result


def measure_floor(
    settings: Settings, out: Path, workers: int, repeats: int = FLOOR_REPEATS
) -> dict[str, dict[str, float]]:
    """Per feed: rows, files, read and write seconds and their sum (`seconds`)."""
    plan = plan_floor(settings)
    totals: dict[str, dict[str, float]] = defaultdict(
        lambda: {"rows": 0.0, "files": 0.0, "read_seconds": 0.0, "write_seconds": 0.0}
    )
    for part in (measure_csv(plan, out, repeats), measure_workbooks(plan, out, workers)):
        for feed, stats in part.items():
            for key, value in stats.items():
                totals[feed][key] += value
    for stats in totals.values():
        stats["seconds"] = stats["read_seconds"] + stats["write_seconds"]
    return dict(totals)
