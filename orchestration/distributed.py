"""The distributed topology, run for real on PostgreSQL, Redis and Celery workers.

    python -m orchestration.distributed [--network var/sample_network] [--work var/distributed]
    make distributed

What it starts, on this machine's PostgreSQL and Redis (docs/operations.md):
- Airflow with its metadata in a new PostgreSQL database and the CeleryExecutor on Redis:
  an api-server (the task execution API), a scheduler, a dag-processor and two Celery
  workers (one task at a time each, told apart by AFTERSALES_WORKER_NAME);
- the scheduler's own run of feed_ingestion (its cron schedule, DAG unpaused), whose
  landed-feed Asset events trigger warehouse_build (asset-scheduled, not triggered by
  hand), then feed_freshness's scheduled run;
- the same dbt project built with dbt-postgres into a second new database from the lake
  the workers wrote, and its KPI marts compared with the DuckDB warehouse's;
- Superset with its metadata in a third new database and its cache on Redis: bootstrap
  (roles, row-level security, dashboards), served, checked as the OEM and as a dealer,
  and its cache refreshed the way warehouse_build's last task does.

Everything runs in production mode with secrets generated for the run. The databases are
created with unique names and dropped at the end (unless --keep-databases). When PostgreSQL
or Redis does not answer, the command says so and exits with code 3 without running.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ingestion.settings import PROJECT_ROOT
from orchestration.workers import WORKER_NAME_ENV
from warehouse.dbt_build import patched_environ

# the line superset/bootstrap.py prints once for each user it creates
LOGIN_LINE = re.compile(r"^\s+login: (\S+)  password: (\S+)$", re.MULTILINE)


def parse_logins(output: str) -> dict[str, str]:
    """The logins bootstrap.py prints once for the users it creates."""
    return dict(LOGIN_LINE.findall(output))


SKIPPED_EXIT_CODE = 3
PIPELINE_BIN = Path(sys.executable).parent
SUPERSET_PYTHON = PROJECT_ROOT / ".venv" / "superset" / "bin" / "python"
DAG_IDS = ("feed_ingestion", "warehouse_build", "feed_freshness")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
POLL_SECONDS = 2.0
console = Console(stderr=True)


class ServicesUnavailable(RuntimeError):
    """PostgreSQL or Redis does not answer: the distributed run cannot start."""


class DistributedRunFailed(RuntimeError):
    """A service did not come up or a DAG run failed (the message names which)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Services:
    """Where PostgreSQL and Redis answer (AFTERSALES_PG_* as for dbt-postgres; a Redis URL)."""

    pg_host: str
    pg_port: int
    pg_user: str
    pg_password: str
    redis_url: str

    @classmethod
    def from_env(cls) -> Services:
        from warehouse.postgres import PostgresTarget

        target = PostgresTarget.from_env()
        return cls(
            target.host,
            target.port,
            target.user,
            target.password,
            os.environ.get("AFTERSALES_REDIS_URL") or DEFAULT_REDIS_URL,
        )

    def pg_url(self, database: str, driver: str = "postgresql+psycopg2") -> str:
        secret = f":{self.pg_password}" if self.pg_password else ""
        return f"{driver}://{self.pg_user}{secret}@{self.pg_host}:{self.pg_port}/{database}"

    def connect(self, database: str = "postgres") -> Any:
        import psycopg2

        kwargs: dict[str, Any] = {
            "host": self.pg_host,
            "port": self.pg_port,
            "user": self.pg_user,
            "dbname": database,
            "connect_timeout": 5,
        }
        if self.pg_password:
            kwargs["password"] = self.pg_password
        return psycopg2.connect(**kwargs)

    def unavailable(self) -> str | None:
        """Why the services cannot be used, or None when both answer."""
        try:
            self.connect().close()
        except Exception as exc:
            return f"PostgreSQL at {self.pg_host}:{self.pg_port} does not answer ({exc})".strip()
        try:
            import redis

            redis.Redis.from_url(self.redis_url, socket_timeout=5).ping()
        except Exception as exc:
            return f"Redis at {self.redis_url} does not answer ({exc})"
        return None

    def _autocommit(self, statements: list[str]) -> None:
        """Run statements outside a transaction (create / drop database refuse one)."""
        con = self.connect()
        con.autocommit = True
        try:
            with con.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            con.close()

    def create_databases(self, names: list[str]) -> None:
        self._autocommit([f'create database "{name}"' for name in names])

    def drop_databases(self, names: list[str]) -> None:
        self._autocommit([f'drop database if exists "{name}" with (force)' for name in names])

    def delete_redis_keys(self, pattern: str) -> int:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


@dataclass
class DistributedRun:
    """One run of the topology: its names, secrets, folders and started processes."""

    network: Path
    work: Path
    services: Services
    workers: int = 2
    phone_hmac_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    run_id: str = field(
        default_factory=lambda: time.strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:6]
    )
    timeout_seconds: float = 1800.0
    processes: list[Process] = field(default_factory=list)

    # --- names and settings ------------------------------------------------------------
    @property
    def databases(self) -> dict[str, str]:
        return {
            role: f"aftersales_{self.run_id}_{role}"
            for role in ("airflow", "superset", "warehouse")
        }

    @property
    def queue(self) -> str:
        return f"aftersales-{self.run_id}"

    @property
    def lake(self) -> Path:
        return self.work / "lake"

    @property
    def warehouse(self) -> Path:
        return self.work / "warehouse" / "aftersales.duckdb"

    def shard_size(self) -> int:
        """Files per shard so that the inbox splits into about two shards per worker."""
        files = sum(1 for path in (self.network / "inbox").rglob("*") if path.is_file())
        return max(1, files // (2 * self.workers))

    def pipeline_env(self, api_port: int) -> dict[str, str]:
        """The environment of every Airflow process (the same on every machine)."""
        keep = _environ_without_settings()
        metadata = self.services.pg_url(self.databases["airflow"])
        from cryptography.fernet import Fernet

        env = {
            **keep,
            "PATH": f"{PIPELINE_BIN}{os.pathsep}{keep.get('PATH', '')}",
            "AIRFLOW_HOME": str(self.work / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__PARALLELISM": str(2 * self.workers),
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "orchestration.workers.worker_hostname",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
            "AIRFLOW__CELERY__BROKER_URL": self.services.redis_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+"
            + self.services.pg_url(self.databases["airflow"]),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            # several runs can share one Redis: keys and queue carry the run's name
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": f"{self.queue}:",
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.work / "airflow" / "logs"),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(
                self.work / "airflow" / "simple_auth_manager_passwords.json"
            ),
            "AFTERSALES_ROOT": str(PROJECT_ROOT),
            "AFTERSALES_ENV": "production",
            "AFTERSALES_PHONE_HMAC_KEY": self.phone_hmac_key,
            "AFTERSALES_DATA_ROOT": str(self.work),
            "AFTERSALES_INBOX": str(self.network / "inbox"),
            "AFTERSALES_DEALER_MASTER": str(self.network / "master" / "dealers.csv"),
            "AFTERSALES_LAKE": str(self.lake),
            "AFTERSALES_WAREHOUSE": str(self.warehouse),
            "AFTERSALES_SHARD_SIZE": str(self.shard_size()),
            "GX_ANALYTICS_ENABLED": "False",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        }
        return env

    # --- processes -----------------------------------------------------------------------
    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Process:
        log = self.work / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as handle:
            popen = subprocess.Popen(
                argv,
                env=env,
                cwd=PROJECT_ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        console.print(f"  started {name} (pid {popen.pid})")
        return process

    def check_alive(self) -> None:
        for process in self.processes:
            code = process.popen.poll()
            if code is not None:
                raise DistributedRunFailed(
                    f"{process.name} exited with {code}; last lines of {process.log}:\n"
                    + _tail(process.log)
                )

    def stop_all(self) -> None:
        """SIGTERM each started process group, then SIGKILL what is left of it (after 30 s at most)."""
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.popen.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
            with suppress(ProcessLookupError):  # children left behind by the group's leader
                os.killpg(process.popen.pid, signal.SIGKILL)
        self.processes.clear()

    def wait_for(self, what: str, probe: Any) -> Any:
        """Poll `probe()` until it returns something truthy; fail if a process died."""
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            result = probe()
            if result:
                return result
            self.check_alive()
            if time.monotonic() > deadline:
                raise DistributedRunFailed(f"timed out waiting for {what}")
            time.sleep(POLL_SECONDS)

    # --- metadata queries (the Airflow tables, read with plain SQL) ----------------------
    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        con = self.services.connect(self.databases["airflow"])
        try:
            with con.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        finally:
            con.close()

    def finished_run(self, dag_id: str, run_type: str) -> dict[str, Any] | None:
        rows = self.query(
            "select run_id, run_type, state, start_date, end_date from dag_run "
            "where dag_id = %s and run_type = %s order by id limit 1",
            dag_id,
            run_type,
        )
        if not rows or rows[0][2] not in ("success", "failed"):
            return None
        run_id, kind, state, start, end = rows[0]
        if state != "success":
            raise DistributedRunFailed(
                f"{dag_id} run {run_id} {state}: "
                + "; ".join(
                    f"{task}[{index}] {ti_state}"
                    for task, index, ti_state in self.query(
                        "select task_id, map_index, state from task_instance "
                        "where dag_id = %s and run_id = %s and state <> 'success'",
                        dag_id,
                        run_id,
                    )
                )
            )
        return {
            "dag_id": dag_id,
            "run_id": run_id,
            "run_type": kind,
            "state": state,
            "seconds": round((end - start).total_seconds(), 1) if start and end else None,
        }

    def task_hosts(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        rows = self.query(
            "select task_id, map_index, hostname, state, try_number from task_instance "
            "where dag_id = %s and run_id = %s order by task_id, map_index",
            dag_id,
            run_id,
        )
        return [
            {"task_id": t, "map_index": m, "hostname": h, "state": s, "try_number": n}
            for t, m, h, s, n in rows
        ]

    # --- the phases --------------------------------------------------------------------
    def airflow_cli(self, env: dict[str, str], *argv: str) -> None:
        done = subprocess.run(
            [str(PIPELINE_BIN / "airflow"), *argv],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise DistributedRunFailed(
                f"airflow {' '.join(argv)} failed:\n{(done.stdout + done.stderr)[-3000:]}"
            )

    def run_airflow(self) -> dict[str, Any]:
        api_port = free_port()
        env = self.pipeline_env(api_port)
        airflow = str(PIPELINE_BIN / "airflow")
        timings: dict[str, float] = {}
        with timed("metadata database migrated, writer pool set (run_dags --init-only)", timings):
            # the compose stack's airflow-init command
            _run([sys.executable, "-m", "orchestration.run_dags", "--init-only"], env)
        with timed("api-server, scheduler, dag-processor and workers up", timings):
            self.start(
                "api-server",
                [airflow, "api-server", "--host", "127.0.0.1", "--port", str(api_port)],
                env,
            )
            self.start("scheduler", [airflow, "scheduler"], env)
            self.start("dag-processor", [airflow, "dag-processor"], env)
            worker_names = [f"worker-{n}" for n in range(1, self.workers + 1)]
            for name in worker_names:
                worker_env = {
                    **env,
                    WORKER_NAME_ENV: name,
                    "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                }
                self.start(
                    name,
                    [
                        airflow,
                        "celery",
                        "worker",
                        "--concurrency",
                        "1",
                        "--queues",
                        self.queue,
                        "--celery-hostname",
                        f"{name}@%h",
                    ],
                    worker_env,
                )
            self.wait_for("the api-server", lambda: _http_ok(api_port, "/api/v2/monitor/health"))
            for name in worker_names:  # both consume before any task is queued
                log = self.work / "logs" / f"{name}.log"
                self.wait_for(f"{name} to connect", lambda log=log: " ready." in _tail(log, 400))
            self.wait_for(
                "the dag-processor to serialise the DAGs",
                lambda: (
                    len(
                        self.query(
                            "select dag_id from serialized_dag where dag_id = any(%s)",
                            list(DAG_IDS),
                        )
                    )
                    == len(DAG_IDS)
                ),
            )
        with timed("feed_ingestion (scheduled) and warehouse_build (asset-triggered)", timings):
            self.airflow_cli(
                env,
                "dags",
                "unpause",
                "--yes",
                "--treat-dag-id-as-regex",
                "^(feed_ingestion|warehouse_build)$",
            )
            ingestion = self.wait_for(
                "feed_ingestion's scheduled run", lambda: self.finished_run(DAG_IDS[0], "scheduled")
            )
            build = self.wait_for(
                "warehouse_build's asset-triggered run",
                lambda: self.finished_run(DAG_IDS[1], "asset_triggered"),
            )
        with timed("feed_freshness (scheduled)", timings):
            self.airflow_cli(env, "dags", "unpause", DAG_IDS[2])
            freshness = self.wait_for(
                "feed_freshness's scheduled run",
                lambda: self.finished_run(DAG_IDS[2], "scheduled"),
            )
        tasks = self.task_hosts(DAG_IDS[0], ingestion["run_id"])
        shard_hosts = sorted(
            {t["hostname"] for t in tasks if t["task_id"] == "ingest_shard" and t["hostname"]}
        )
        build_tasks = self.task_hosts(DAG_IDS[1], build["run_id"])
        return {
            "runs": [ingestion, build, freshness],
            "workers": worker_names,
            "ingestion_tasks": tasks,
            "build_tasks": build_tasks,
            "shards": sum(1 for t in tasks if t["task_id"] == "ingest_shard"),
            "shard_hosts": shard_hosts,
            "timings": timings,
        }

    def run_postgres_warehouse(self) -> dict[str, Any]:
        """`python -m warehouse.postgres` on the lake the workers wrote, then the comparison."""
        from warehouse.compare import differences, duckdb_marts, postgres_marts
        from warehouse.postgres import PostgresTarget

        target = PostgresTarget(
            host=self.services.pg_host,
            port=self.services.pg_port,
            user=self.services.pg_user,
            password=self.services.pg_password,
            database=self.databases["warehouse"],
        )
        work_dir = self.work / "postgres_build"
        done = subprocess.run(
            [
                *(sys.executable, "-m", "warehouse.postgres"),
                *("--lake", str(self.lake), "--work-dir", str(work_dir)),
            ],
            env={**os.environ, **target.env()},
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            summary: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError as exc:
            raise DistributedRunFailed(
                f"dbt-postgres build failed ({done.returncode}): {done.stderr[-3000:]}"
            ) from exc
        if not summary["success"]:
            raise DistributedRunFailed(
                f"dbt-postgres build failed: {summary['error']} {summary['failures'][:5]}"
            )
        served = duckdb_marts(self.warehouse)
        pg_marts = postgres_marts(target.connect_kwargs(), only=served)
        summary["kpi_marts"] = len(pg_marts)
        summary["differences_to_duckdb"] = differences(served, pg_marts)
        return summary

    def run_superset(self) -> dict[str, Any]:
        from orchestration import superset_cache

        port = free_port()
        admin_password = secrets.token_urlsafe(16)
        keep = _environ_without_settings()
        env = {
            **keep,
            "AFTERSALES_ENV": "production",
            "AFTERSALES_SUPERSET_SECRET_KEY": secrets.token_urlsafe(42),
            "AFTERSALES_SUPERSET_METADATA_URI": self.services.pg_url(self.databases["superset"]),
            "AFTERSALES_SUPERSET_REDIS_URL": self.services.redis_url,
            "AFTERSALES_SUPERSET_HOME": str(self.work / "superset"),
            "AFTERSALES_SUPERSET_PORT": str(port),
            "AFTERSALES_WAREHOUSE": str(self.warehouse),
            "AFTERSALES_SUPERSET_ADMIN_PASSWORD": admin_password,
        }
        timings: dict[str, float] = {}
        with timed("Superset bootstrap (PostgreSQL metadata)", timings):
            printed = _run(
                [str(SUPERSET_PYTHON), str(PROJECT_ROOT / "superset" / "bootstrap.py")], env
            )
        # every provisioned user gets its own password, printed once by the bootstrap
        passwords = parse_logins(printed)
        serve = ["bash", str(PROJECT_ROOT / "superset" / "serve.sh")]
        with timed("Superset served", timings):
            _run([*serve, "start"], env)
        try:
            base = f"http://127.0.0.1:{port}"
            checks = superset_checks(base, admin_password, passwords, self.network)
            with patched_environ(
                {
                    superset_cache.URL_ENV: base,
                    superset_cache.USER_ENV: "admin",
                    superset_cache.PASSWORD_ENV: admin_password,
                }
            ):
                checks["cache_refresh"] = superset_cache.refresh_superset_cache()
            checks["redis_cache_keys"] = _redis_count(self.services.redis_url, "aftersales_*")
        finally:
            subprocess.run([*serve, "stop"], env=env, capture_output=True, check=False)
        checks["timings"] = timings
        return checks

    def run(self, superset: bool = True, keep_databases: bool = False) -> dict[str, Any]:
        reason = self.services.unavailable()
        if reason:
            raise ServicesUnavailable(reason)
        if not (self.network / "inbox").is_dir():
            raise DistributedRunFailed(f"no inbox under {self.network}")
        started = time.perf_counter()
        self.work.mkdir(parents=True, exist_ok=True)
        names = list(self.databases.values())
        self.services.create_databases(names)
        console.print(f"databases {', '.join(names)}; Celery queue {self.queue}")
        summary: dict[str, Any] = {
            "run_id": self.run_id,
            "databases": self.databases,
            "queue": self.queue,
            "lake": str(self.lake),
            "warehouse": str(self.warehouse),
        }
        try:
            try:
                summary["airflow"] = self.run_airflow()
            finally:
                self.stop_all()
            console.print("[bold]dbt-postgres build[/] of the same lake …")
            summary["postgres_warehouse"] = self.run_postgres_warehouse()
            if superset:
                console.print("[bold]Superset[/] on PostgreSQL metadata and Redis …")
                summary["superset"] = self.run_superset()
        finally:
            self.stop_all()
            self.services.delete_redis_keys(f"{self.queue}:*")
            if not keep_databases:
                self.services.drop_databases(names)
        summary["wall_seconds"] = round(time.perf_counter() - started, 1)
        return summary


def superset_checks(
    base: str, admin_password: str, passwords: dict[str, str], network: Path
) -> dict[str, Any]:
    """Dashboards exist; the OEM sees every dealer, a dealer only itself (row-level security)."""
    import csv

    import requests

    with open(network / "master" / "dealers.csv", encoding="utf-8", newline="") as handle:
        dealers = sorted(row["dealer_code"] for row in csv.DictReader(handle))

    def login(username: str, password: str) -> requests.Session:
        session = requests.Session()
        for _ in range(20):
            response = session.post(
                f"{base}/api/v1/security/login",
                json={"username": username, "password": password, "provider": "db"},
                timeout=60,
            )
            if response.status_code != 429:  # Superset rate-limits logins
                break
            time.sleep(0.5)
        response.raise_for_status()
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return session

    admin = login("admin", admin_password)
    listing = admin.get(f"{base}/api/v1/dashboard/", timeout=60)
    listing.raise_for_status()
    datasets = admin.get(
        f"{base}/api/v1/dataset/",
        params={"q": json.dumps({"page_size": 100, "columns": ["id", "table_name"]})},
        timeout=60,
    )
    datasets.raise_for_status()
    dataset_ids = {d["table_name"]: d["id"] for d in datasets.json()["result"]}

    def dealers_seen(session: requests.Session, table: str) -> dict[str, int]:
        response = session.post(
            f"{base}/api/v1/chart/data",
            json={
                "datasource": {"id": dataset_ids[table], "type": "table"},
                "force": False,
                "queries": [
                    {"columns": ["dealer_code"], "metrics": ["count"], "row_limit": 100000}
                ],
                "result_format": "json",
                "result_type": "full",
            },
            timeout=120,
        )
        response.raise_for_status()
        return {row["dealer_code"]: row["count"] for row in response.json()["result"][0]["data"]}

    table = "rpt_dealer_scorecard"
    return {
        "dashboards": sorted(d["dashboard_title"] for d in listing.json()["result"]),
        "datasets": sorted(dataset_ids),
        "rls_table": table,
        "seen_by_oem": dealers_seen(login("oem", passwords["oem"]), table),
        "seen_by_dealer": {
            dealers[0]: dealers_seen(login(dealers[0], passwords[dealers[0]]), table)
        },
        "master_dealers": dealers,
    }


# --- small helpers ---------------------------------------------------------------------
@contextmanager
def timed(label: str, timings: dict[str, float]) -> Iterator[None]:
    started = time.perf_counter()
    console.print(f"[cyan]▶[/] {label} …")
    yield
    timings[label] = round(time.perf_counter() - started, 1)
    console.print(f"[green]✓[/] {label} [dim]{timings[label]:.1f} s[/]")


def _environ_without_settings() -> dict[str, str]:
    """This process's environment less any Airflow, project or Superset setting."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "AFTERSALES_", "SUPERSET_")) and key != "VIRTUAL_ENV"
    }


def _run(argv: list[str], env: dict[str, str]) -> str:
    """Run a command; what it printed (both streams), or DistributedRunFailed with the tail."""
    done = subprocess.run(argv, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise DistributedRunFailed(
            f"{' '.join(argv[-2:])} failed ({done.returncode}):\n"
            + (done.stdout + done.stderr)[-3000:]
        )
    return done.stdout + done.stderr


def _http_ok(port: int, path: str) -> bool:
    import requests

    try:
        return requests.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code < 500
    except requests.RequestException:
        return False


def _redis_count(url: str, pattern: str) -> int:
    import redis

    return sum(1 for _ in redis.Redis.from_url(url).scan_iter(match=pattern, count=1000))


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    network: Annotated[
        Path, typer.Option(help="A generated network (master/, inbox/).")
    ] = PROJECT_ROOT / "var" / "sample_network",
    work: Annotated[
        Path, typer.Option(help="Lake, warehouse, logs and homes of this run (emptied first).")
    ] = PROJECT_ROOT / "var" / "distributed",
    workers: Annotated[int, typer.Option(min=1, help="Celery worker processes.")] = 2,
    superset: Annotated[bool, typer.Option(help="Also bootstrap and check Superset.")] = True,
    keep_databases: Annotated[
        bool, typer.Option(help="Keep the run's PostgreSQL databases (default: dropped).")
    ] = False,
    summary_json: Annotated[Path | None, typer.Option(help="Write the summary here.")] = None,
    check_services: Annotated[
        bool, typer.Option(help="Only say whether PostgreSQL and Redis answer (exit 0 or 3).")
    ] = False,
) -> None:
    """Run the distributed topology on this machine's PostgreSQL and Redis."""
    logging.getLogger("warehouse").setLevel(logging.WARNING)  # dbt's log stays in its folder
    services = Services.from_env()
    reason = services.unavailable()
    if reason:
        console.print(f"[yellow]SKIPPED: distributed-mode run not started: {reason}[/]")
        raise typer.Exit(SKIPPED_EXIT_CODE)
    if check_services:
        console.print(
            f"PostgreSQL at {services.pg_host}:{services.pg_port} and Redis at "
            f"{services.redis_url} answer: the distributed-mode run can start"
        )
        return
    if not (network / "inbox").is_dir():
        console.print(f"generating a sample network into {network}")
        subprocess.run(
            [str(PIPELINE_BIN / "sample-network"), "generate", "--out", str(network)], check=True
        )
    shutil.rmtree(work, ignore_errors=True)
    run = DistributedRun(
        network=network.resolve(),
        work=work.resolve(),
        services=services,
        workers=workers,
        phone_hmac_key=os.environ.get("AFTERSALES_PHONE_HMAC_KEY") or secrets.token_urlsafe(32),
    )
    try:
        summary = run.run(superset=superset, keep_databases=keep_databases)
    except DistributedRunFailed as exc:
        console.print(f"[red]distributed run failed:[/] {exc}\nlogs: {run.work / 'logs'}")
        raise typer.Exit(1) from exc
    if summary_json:
        summary_json.parent.mkdir(parents=True, exist_ok=True)
        summary_json.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    airflow = summary["airflow"]
    for dag_run in airflow["runs"]:
        console.print(
            f"{dag_run['dag_id']}: {dag_run['run_type']} run {dag_run['state']} "
            f"({dag_run['seconds']} s)"
        )
    console.print(f"{airflow['shards']} shards ran on {', '.join(airflow['shard_hosts'])}")
    pg = summary["postgres_warehouse"]
    same = not pg["differences_to_duckdb"]
    console.print(
        f"dbt-postgres: {pg['dbt_status_counts']}; KPI marts "
        + ("equal to DuckDB's" if same else f"DIFFER: {pg['differences_to_duckdb'][:3]}")
    )
    if "superset" in summary:
        checks = summary["superset"]
        console.print(
            f"Superset: {len(checks['dashboards'])} dashboards; the OEM sees "
            f"{len(checks['seen_by_oem'])} dealers, dealer "
            + ", ".join(f"{d} sees {sorted(seen)}" for d, seen in checks["seen_by_dealer"].items())
        )
    console.print(f"distributed run finished in {summary['wall_seconds']} s")
    if not same:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
