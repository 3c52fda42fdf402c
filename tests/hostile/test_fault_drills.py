"""Fault drills on a generated network: SIGKILL at points of ingestion, of the project's own
dbt build and of publish, then a re-run; two ingestions at once.

The reference is an uninterrupted run. After a kill and a re-run the lake (landed and
quarantine), the ledger (each file's latest outcome that is not a skip of a re-run), the
gate results and the published marts must equal it. The reference lake and warehouse are
also scanned for raw phone numbers.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dag_e2e_helpers import PROJECT_ROOT, PYTHON, generate_network, lake_digests, mart_hashes

from ingestion.pipeline import ingest_inbox, settle_lake
from ingestion.settings import Settings
from warehouse.publish import BUILD_DB_PREFIX, build_and_publish

pytestmark = pytest.mark.e2e

COUNTED = ("status", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate", "reason")
GATE = ("file_path", "suite", "expectation", "policy", "success", "observed_value")
INGEST = "from ingestion.pipeline import ingest_inbox; ingest_inbox(progress=False)"
BUILD = (
    "from ingestion.settings import Settings\n"
    "from warehouse.publish import build_and_publish\n"
    "build_and_publish(Settings.from_env(), mode='subprocess')\n"
)


def _env(network: Path, work: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AFTERSALES_INBOX": str(network / "inbox"),
        "AFTERSALES_DEALER_MASTER": str(network / "master" / "dealers.csv"),
        "AFTERSALES_LAKE": str(work / "lake"),
        "AFTERSALES_WAREHOUSE": str(work / "warehouse" / "aftersales.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **extra,
    }


def _settings(network: Path, work: Path) -> Settings:
    """The settings `_env` gives a subprocess, for the runs made in this process."""
    return Settings(
        inbox=network / "inbox",
        dealer_master=network / "master" / "dealers.csv",
        lake=work / "lake",
        warehouse=work / "warehouse" / "aftersales.duckdb",
    )


def _python(env: dict[str, str], code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PYTHON, "-c", code],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a kill takes dbt with it
    )


def _killed(proc: subprocess.Popen[str]) -> None:
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the drill's kill point was never reached"


def _latest_outcomes(lake: Path) -> dict[str, tuple[Any, ...]]:
    """Each file's latest ledger entry that is not a skip of unchanged content."""
    with sqlite3.connect(lake / "control.sqlite") as conn:
        rows = conn.execute(
            f"SELECT file_path, {', '.join(COUNTED)} FROM file_ledger "
            "WHERE status != 'skipped' ORDER BY rowid"
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def _loads(lake: Path) -> Counter[str]:
    with sqlite3.connect(lake / "control.sqlite") as conn:
        return Counter(
            r[0] for r in conn.execute("SELECT file_path FROM file_ledger WHERE status = 'loaded'")
        )


def _gate(lake: Path) -> Counter[tuple[Any, ...]]:
    with sqlite3.connect(lake / "control.sqlite") as conn:
        return Counter(conn.execute(f"SELECT {', '.join(GATE)} FROM gx_results").fetchall())


def _state(lake: Path) -> dict[str, Any]:
    return {
        "landed": lake_digests(lake),
        "quarantine": lake_digests(lake, "quarantine"),
        "ledger": _latest_outcomes(lake),
        "gate": _gate(lake),
        "hidden": sorted(
            p.relative_to(lake).as_posix()
            for area in ("landed", "quarantine")
            for p in (lake / area).rglob(".*")
        ),
    }


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 dealers (three dialects) x 3 months, planted defects."""
    return generate_network(tmp_path_factory.mktemp("drills") / "network", dealers=3, months=3)


@pytest.fixture(scope="module")
def reference(network: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("reference")
    settings = _settings(network, work)
    ingest_inbox(settings, progress=False)
    build_and_publish(settings, mode="subprocess")
    state = _state(work / "lake")
    assert state["landed"] and state["quarantine"] and state["gate"]
    assert state["hidden"] == []
    return {
        "work": work,
        "state": state,
        "marts": mart_hashes(work / "warehouse/aftersales.duckdb"),
    }


@pytest.mark.parametrize(
    "point",
    ["ingest.staging", "ingest.committed", "ingest.renaming"],
)
def test_sigkill_during_ingestion_then_rerun(
    point: str, network: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    _killed(_python(_env(network, tmp_path, AFTERSALES_FAULT_AT=point), INGEST))
    committed = point in ("ingest.committed", "ingest.renaming")
    if not committed:
        # killed before the commit: the ledger knows nothing and no partition is visible
        assert set(lake_digests(lake)) <= {"dealers/data.parquet"}
        assert not _latest_outcomes(lake)
    else:
        # killed after it: a warehouse build first completes the landing (and re-exports
        # the control tables), so it never reads rows the ledger does not know, or the reverse
        assert _latest_outcomes(lake) == reference["state"]["ledger"]
        assert settle_lake(_settings(network, tmp_path))["completed"] > 0
        assert lake_digests(lake) == reference["state"]["landed"]
    ingest_inbox(_settings(network, tmp_path), progress=False)
    assert _state(lake) == reference["state"]
    assert max(_loads(lake).values()) == 1  # no file loaded twice


def test_two_ingestions_at_once_one_waits_nothing_doubles(
    network: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    env = _env(network, tmp_path)
    cli = str(Path(PYTHON).with_name("aftersales"))
    first = subprocess.Popen(
        [cli, "ingest", "--quiet"], env=env, cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True
    )
    locks = tmp_path / "lake" / "locks"
    deadline = time.monotonic() + 120
    while not any(p.stat().st_size for p in locks.glob("*.lock")):  # written once held
        assert first.poll() is None and time.monotonic() < deadline, "first run took no lock"
        time.sleep(0.02)
    second = subprocess.Popen(
        [cli, "ingest", "--quiet"], env=env, cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True
    )
    _, err_second = second.communicate()
    _, err_first = first.communicate()
    assert first.returncode == 0 and second.returncode == 0, err_first + err_second
    assert "waiting: dealer(s)" in err_second and "are being ingested by run" in err_second
    lake = tmp_path / "lake"
    assert _state(lake) == reference["state"]
    assert max(_loads(lake).values()) == 1  # every file loaded once, skipped by the other run


def test_sigkill_during_dbt_build_and_publish_then_rerun(
    reference: dict[str, Any], tmp_path: Path
) -> None:
    """The project's own dbt models on the reference lake, into another served file."""
    lake = reference["work"] / "lake"
    served = tmp_path / "warehouse" / "aftersales.duckdb"
    served.parent.mkdir()
    shutil.copyfile(reference["work"] / "warehouse/aftersales.duckdb", served)
    before = served.read_bytes()
    env = {
        **os.environ,
        "AFTERSALES_LAKE": str(lake),
        "AFTERSALES_WAREHOUSE": str(served),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    build_dir = served.parent / "build"

    # 1. SIGKILL in the middle of dbt build (after some models were built)
    victim = _python(env, BUILD)
    log = build_dir / "dbt_logs" / "dbt.log"
    deadline = time.monotonic() + 300
    while not (log.exists() and log.read_text(errors="replace").count(" OK created ") >= 8):
        assert victim.poll() is None, victim.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "dbt built nothing in 300 s"
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    _killed(victim)
    assert list(build_dir.glob(f"{BUILD_DB_PREFIX}*.duckdb*")), (
        "the kill must leave a partial build"
    )
    assert served.read_bytes() == before

    # 2. SIGKILL after the build, just before the served file is replaced
    _killed(_python({**env, "AFTERSALES_FAULT_AT": "publish.before_replace"}, BUILD))
    assert served.read_bytes() == before

    # 3. the re-run cleans the leftovers and publishes the same marts as the reference
    build_and_publish(Settings(lake=lake, warehouse=served), mode="subprocess")
    assert not list(build_dir.glob("aftersales-*.duckdb*"))
    assert len(list(build_dir.glob(f"{BUILD_DB_PREFIX}*.duckdb"))) == 1
    assert mart_hashes(served) == reference["marts"]


PHONE = re.compile(r"(?<![0-9A-Fa-f])(?:\+?86[ -]?)?(1[3-9]\d(?:[ -]?\d){8})(?![0-9A-Fa-f])")
"""A mainland mobile number as dealers write it; not inside a hex digest."""


def _phones(values: Iterable[object]) -> set[str]:
    return {
        re.sub(r"\D", "", m.group(1))
        for v in values
        if v is not None
        for m in PHONE.finditer(str(v))
    }


def _inbox_strings(inbox: Path) -> Iterator[object]:
    import python_calamine

    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data.startswith(b"PK"):
            book = python_calamine.load_workbook(io.BytesIO(data))
            for name in book.sheet_names:
                yield from (c for row in book.get_sheet_by_name(name).to_python() for c in row)
        else:
            yield data.decode("utf-8", errors="ignore") + data.decode("gb18030", errors="ignore")


def _lake_strings(lake: Path) -> Iterator[object]:
    for path in sorted(lake.rglob("*.parquet")):
        table = pq.read_table(path)
        for column in table.itercolumns():
            if pa.types.is_string(column.type) or pa.types.is_dictionary(column.type):
                yield from column.to_pylist()
    with sqlite3.connect(lake / "control.sqlite") as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                yield from row


def _warehouse_strings(warehouse: Path) -> Iterator[object]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            sql = f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}"'
            for (value,) in con.execute(sql).fetchall():
                yield value


def test_no_raw_phone_number_in_lake_or_warehouse(network: Path, reference: dict[str, Any]) -> None:
    sent = _phones(_inbox_strings(network / "inbox"))
    assert len(sent) >= 50  # the dealers' files carry customer phones
    work = reference["work"]
    assert _phones(_lake_strings(work / "lake")) & sent == set()
    assert _phones(_warehouse_strings(work / "warehouse/aftersales.duckdb")) & sent == set()
