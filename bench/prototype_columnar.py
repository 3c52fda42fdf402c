"""Prototype of a columnar ingestion pass, measured against today's row path on the same files.

    .venv/pipeline/bin/python bench/prototype_columnar.py --network var/sample_network

For the canonical-dialect exports of one feed (default: repair orders) it times, in one run:

- **row path**: today's `ingestion.feed_batch.process_feed` (read, map, type, duplicate
  classification, the pandera row contract and the reasons), without the gate or landing;
- **SQL pass**: one DuckDB statement over the file list — read with VARCHAR columns, type
  every column, evaluate the contract's row rules as SQL predicates generated from the feed
  contract (`ingestion/contracts/<feed>.yaml`), pick the first failing rule in precedence
  order, hash phone numbers — then the loadable rows written once as Parquet and the
  quarantined rows once more;
- **pandera on the columnar result**: the contract's column checks (types, enums,
  required) validated on the landed rows as an Arrow-backed frame.

It reports microseconds of CPU per row for each and whether both paths put the same rows
in quarantine under the same rule. The SQL pass covers the rule kinds canonical repair
orders need (malformed rows and odometer roll-back are left out: they need the raw record
and the VIN's history); it is a measurement, not the product's code path.
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from floor import plan_floor

from ingestion.clock import local_now
from ingestion.contract.checks import _columns
from ingestion.contracts import FEEDS
from ingestion.contracts.model import CheckSpec, FeedContract
from ingestion.feed_batch import FileJob, process_feed
from ingestion.registry.loader import load_registry
from ingestion.settings import PROJECT_ROOT, Settings

VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
ROW_OFFSET = 0  # the row path numbers rows as the SQL pass does (first data row = 1)
SQL_TYPES = {"int": "BIGINT", "decimal": "DECIMAL(18,2)"}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def typed_expr(name: str, kind: str) -> str:
    raw = f"nullif(trim({name}), '')"
    if kind in SQL_TYPES:
        return f"TRY_CAST(replace({raw}, ',', '') AS {SQL_TYPES[kind]})"
    if kind == "ts":
        # the canonical formats are ISO (with or without seconds): DuckDB's own cast reads
        # both at a quarter of try_strptime's cost; other dialects would use strptime
        return f"TRY_CAST({raw} AS TIMESTAMP)"
    if kind == "date":
        return f"TRY_CAST({raw} AS DATE)"
    return raw


def _vin_char_value(i: int) -> str:
    """ISO 3779 transliteration of the i-th character by its code point: digits are
    themselves, A-H 1-8, J-R 1-9 (no O, Q), S-Z 2-9 (string functions cost ~1 us a call)."""
    c = f"ascii(substr(vin, {i}, 1))"
    return (
        f"CASE WHEN {c} < 65 THEN {c} - 48 WHEN {c} <= 72 THEN {c} - 64 "
        f"WHEN {c} <= 82 THEN {c} - 73 ELSE {c} - 81 END"
    )


def _vin_fails() -> str:
    """17 characters of the VIN alphabet and the check digit (position 9)."""
    total = " + ".join(
        f"{w} * ({_vin_char_value(i)})" for i, w in enumerate(VIN_WEIGHTS, start=1) if w
    )
    check = f"CASE WHEN ({total}) % 11 = 10 THEN 'X' ELSE CAST(({total}) % 11 AS VARCHAR) END"
    return (
        "vin IS NOT NULL AND (NOT regexp_full_match(vin, '[A-HJ-NPR-Z0-9]{17}') "
        f"OR substr(vin, 9, 1) <> {check})"
    )


def rule_predicate(spec: CheckSpec, contract: FeedContract, now: pd.Timestamp) -> str | None:
    """The SQL condition under which a row fails the rule (None: not covered here)."""
    cols = _columns(spec, contract)
    any_of = " OR ".join
    if spec.check == "vin":
        return "coalesce(vin_bad, false)"  # checked once per distinct VIN
    if spec.check == "parseable":
        return any_of(f"({c}__raw IS NOT NULL AND {c} IS NULL)" for c in cols) or None
    if spec.check == "allowed_values":
        enums = [c for c in contract.columns if c.enum]
        return any_of(
            f"({c.name} IS NOT NULL AND {c.name} NOT IN ({', '.join(repr(v) for v in c.enum or ())}))"
            for c in enums
        )
    if spec.check == "required":
        return any_of(f"{c} IS NULL" for c in (cols or contract.required))
    if spec.check == "in_window":
        latest = (now + pd.Timedelta(days=spec.days_ahead or 0)).isoformat(sep=" ")
        return any_of(
            f"({c} > TIMESTAMP '{latest}' OR {c} < TIMESTAMP '{spec.earliest} 00:00:00')"
            for c in cols
        )
    if spec.check == "not_before":
        return any_of(f"{c} < {spec.start}" for c in cols)
    if spec.check == "non_negative":
        exempt = " OR ".join(
            f"{column} IN ({', '.join(repr(v) for v in values)})"
            for column, values in (spec.unless or {}).items()
        )
        amounts = any_of(f"{c} < 0" for c in (cols or contract.amount_columns))
        return f"({amounts}) AND NOT coalesce({exempt or 'false'}, false)"
    if spec.check == "key_conflict":
        key = ", ".join(contract.key)
        return f"min(row_hash) OVER (PARTITION BY {key}) <> max(row_hash) OVER (PARTITION BY {key})"
    return None


def sql_pass(
    feed: str, files: list[Path], now: pd.Timestamp, out: Path
) -> tuple[int, dict[str, int], pd.DataFrame]:
    contract = FEEDS[feed]
    names = contract.column_names
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    columns = {n: "VARCHAR" for n in names}
    typed = ",\n".join(
        f"{typed_expr(c.name, c.type)} AS {c.name}, nullif(trim({c.name}), '') AS {c.name}__raw"
        for c in contract.columns
        if c.pii != "phone"
    )
    phone = ", ".join(f"sha256(nullif(trim({c}), '')) AS {c}_hash" for c in contract.phone_columns)
    checks = [(r.id, rule_predicate(r, contract, now)) for r in contract.row_rules]
    case = " ".join(f"WHEN {p} THEN '{rid}'" for rid, p in checks if p)
    con.execute(
        f"""
        CREATE TABLE rows AS
        WITH scanned AS (
            SELECT * FROM read_csv(?, columns={columns}, header=true, auto_detect=false,
                                   delim=',', quote='"', filename=true, null_padding=true)
                          WITH ORDINALITY
        ),
        raw AS (
            SELECT *, filename AS source_file,
                   ordinality - min(ordinality) OVER (PARTITION BY filename) + 1 AS source_row,
                   hash({", ".join(names)}) AS row_hash
            FROM scanned
        ),
        typed AS MATERIALIZED (
            SELECT source_file, source_row, row_hash, {typed}, {phone} FROM raw
        ),
        vin_check AS (
            SELECT vin AS checked_vin, {_vin_fails()} AS vin_bad
            FROM (SELECT DISTINCT vin FROM typed)
        ),
        checked AS (
            SELECT * FROM typed LEFT JOIN vin_check ON typed.vin = vin_check.checked_vin
        )
        SELECT * EXCLUDE (row_hash, checked_vin, vin_bad), CASE {case} END AS rule_id
        FROM checked
        """,
        [[str(f) for f in files]],
    )
    out.mkdir(parents=True, exist_ok=True)
    keep = ", ".join(
        [c.name for c in contract.columns if c.pii != "phone"]
        + [f"{c}_hash" for c in contract.phone_columns]
        + ["source_file", "source_row"]
    )
    con.execute(
        f"COPY (SELECT {keep} FROM rows WHERE rule_id IS NULL) TO '{out / 'landed.parquet'}' "
        "(FORMAT parquet)"
    )
    con.execute(
        f"COPY (SELECT * FROM rows WHERE rule_id IS NOT NULL) TO '{out / 'quarantine.parquet'}' "
        "(FORMAT parquet)"
    )
    total = con.execute("SELECT count(*) FROM rows").fetchone()[0]  # type: ignore[index]
    by_rule = dict(
        con.execute(
            "SELECT rule_id, count(*) FROM rows WHERE rule_id IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    quarantined = con.execute(
        "SELECT source_file AS file, source_row, rule_id FROM rows WHERE rule_id IS NOT NULL"
    ).df()
    con.close()
    return int(total), by_rule, quarantined


def landed_schema(feed: str) -> pa.DataFrameSchema:
    """The contract's column checks (required, enum) for the landed rows."""
    contract = FEEDS[feed]
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                nullable=not c.required,
                checks=[pa.Check.isin(list(c.enum))] if c.enum else [],
            )
            for c in contract.columns
            if c.pii != "phone"
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--network", type=Path, default=PROJECT_ROOT / "var" / "sample_network")
    parser.add_argument("--feed", default="repair_orders")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "var" / "bench" / "columnar")
    args = parser.parse_args()
    network = args.network.resolve()
    settings = Settings(
        inbox=network / "inbox",
        dealer_master=network / "master" / "dealers.csv",
        lake=args.work / "lake",
        env="test",
    )
    plan = plan_floor(settings)
    [group] = [g for g in plan.csv_groups if g.feed == args.feed and g.header[0] == "dealer_code"]
    files = sorted(group.files)
    profile = load_registry(settings).dialects["canonical_csv"]
    now = local_now()
    print(f"{len(files)} canonical {args.feed} files", flush=True)

    jobs = [
        FileJob(
            i,
            str(p.relative_to(settings.inbox)),
            p.parts[-3],
            args.feed,
            p.stem,
            "",
            p.read_bytes(),
            profile,
        )
        for i, p in enumerate(files)
    ]
    cpu = _cpu()
    result = process_feed(args.feed, jobs, now)
    row_cpu = _cpu() - cpu
    rows = sum(int(s["rows_read"]) for s in result.stats.values())  # type: ignore[call-overload]
    row_rules = result.quarantine["rule_id"].value_counts().to_dict()

    cpu = _cpu()
    total, by_rule, quarantined = sql_pass(args.feed, files, now, args.work)
    sql_cpu = _cpu() - cpu

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    columns = {n: "VARCHAR" for n in FEEDS[args.feed].column_names}
    cpu = _cpu()
    con.execute(
        f"CREATE TABLE bare AS SELECT * FROM read_csv(?, columns={columns}, header=true, "
        "auto_detect=false, delim=',', quote='\"', filename=true, null_padding=true)",
        [[str(f) for f in files]],
    )
    read_cpu = _cpu() - cpu
    con.close()

    landed = (
        duckdb.sql(f"SELECT * FROM '{args.work / 'landed.parquet'}'")
        .to_arrow_table()
        .to_pandas(types_mapper=pd.ArrowDtype)
    )
    cpu = _cpu()
    landed_schema(args.feed).validate(landed, lazy=True)
    pandera_cpu = _cpu() - cpu

    same = {
        (files[int(i)].parts[-3], files[int(i)].name, int(r), rule)
        for i, r, rule in zip(
            result.quarantine["_file_idx"],
            result.quarantine["_source_row"],
            result.quarantine["rule_id"],
            strict=True,
        )
    }
    proto = {
        (Path(f).parts[-3], Path(f).name, int(r) + ROW_OFFSET, rule)
        for f, r, rule in zip(
            quarantined["file"], quarantined["source_row"], quarantined["rule_id"], strict=True
        )
    }
    print(f"rows: row path {rows}, SQL pass {total}")
    print(f"row path: {row_cpu:.2f} s cpu = {row_cpu / rows * 1e6:.1f} us/row; {row_rules}")
    print(
        f"SQL pass (read + type + rules + write): {sql_cpu:.2f} s cpu = "
        f"{sql_cpu / total * 1e6:.1f} us/row; {by_rule}"
    )
    print(
        f"bare read of the same files (values materialised): {read_cpu:.2f} s cpu = "
        f"{read_cpu / total * 1e6:.1f} us/row; SQL pass / bare read {sql_cpu / read_cpu:.1f}"
    )
    print(
        f"pandera on the landed columnar rows: {pandera_cpu:.2f} s cpu = "
        f"{pandera_cpu / max(len(landed), 1) * 1e6:.2f} us/row"
    )
    print(
        f"quarantined rows: row path {len(same)}, SQL pass {len(proto)}, "
        f"same file, row and rule {len(same & proto)}"
    )
    print("only row path:", sorted(same - proto)[:5], "only SQL:", sorted(proto - same)[:5])


if __name__ == "__main__":
    main()
