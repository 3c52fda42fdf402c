"""Write the served warehouse file: the marts of the build file, in a DuckDB file of their own.

A full copy creates every mart anew from the build file. After an incremental build whose
predecessor produced the served file now published, the copy starts from that file instead
(a byte copy) and changes only what the build changed: a mart that recomputed only some
groups (dbt_project/macros/recompute.sql; its scope is `recompute.<mart>__scope` in the build
file: one row per group, the group's column values) gets those groups' rows replaced, and
every other mart is replaced whole. Each served file records the build it holds
(`publish.served_build`), which is what "produced by the predecessor" is checked against.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

SCOPE_SCHEMA = "recompute"
STATE_SCHEMA = "publish"
STATE_TABLE = "served_build"


def scope_table(model: str) -> str:
    return f"{model}__scope"


def served_build_id(served: Path) -> str | None:
    """The build a served file holds, or None (no file, or a file without the record)."""
    import duckdb

    if not served.exists():
        return None
    try:
        with duckdb.connect(str(served), read_only=True) as con:
            row = con.execute(f"select build_id from {STATE_SCHEMA}.{STATE_TABLE}").fetchone()
    except duckdb.Error:
        return None
    return str(row[0]) if row else None


def _scopes(con: Any) -> dict[str, list[str]]:
    """Marts recomputed by groups in this build: scope table -> its group columns."""
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? "
        "order by table_name, ordinal_position",
        [SCOPE_SCHEMA],
    ).fetchall()
    scopes: dict[str, list[str]] = {}
    for table, column in rows:
        scopes.setdefault(table, []).append(column)
    return scopes


def _in_scope(alias: str, scope: str, columns: list[str]) -> str:
    """Rows of `alias` in a group of the scope table (of the build file's catalog)."""
    match = " and ".join(f'scope."{c}" is not distinct from {alias}."{c}"' for c in columns)
    return f'exists (select 1 from {SCOPE_SCHEMA}."{scope}" as scope where {match})'


def write_served_copy(
    build_path: Path,
    target: Path,
    models: list[str],
    build_id: str,
    base: Path | None = None,
) -> dict[str, str]:
    """Write `models` of the build file into the new file `target` and record `build_id` in
    it; from a byte copy of `base` when given (see the module docstring). Returns how each
    mart was written ("created", "replaced" or "groups"). The copy runs in the build file's
    own connection (an in-process dbt run may still hold that file, and DuckDB attaches a
    file once per process)."""
    import duckdb

    target.unlink(missing_ok=True)
    if base is not None:
        shutil.copyfile(base, target)
    written: dict[str, str] = {}
    with duckdb.connect(str(build_path)) as con:
        con.execute("SET enable_progress_bar = false")
        scopes = _scopes(con) if base is not None else {}
        con.execute(f"ATTACH '{target}' AS served")
        for model in models:
            scope = scope_table(model)
            if base is not None and scope in scopes:
                columns = scopes[scope]
                in_scope = _in_scope("served_rows", scope, columns)
                con.execute(f'DELETE FROM served.main."{model}" AS served_rows WHERE {in_scope}')
                con.execute(
                    f'INSERT INTO served.main."{model}" '
                    f'SELECT * FROM main."{model}" AS served_rows WHERE {in_scope}'
                )
                written[model] = "groups"
            else:
                existed = base is not None
                con.execute(
                    f'CREATE OR REPLACE TABLE served.main."{model}" AS SELECT * FROM main."{model}"'
                )
                written[model] = "replaced" if existed else "created"
        con.execute(f"CREATE SCHEMA IF NOT EXISTS served.{STATE_SCHEMA}")
        con.execute(
            f"CREATE OR REPLACE TABLE served.{STATE_SCHEMA}.{STATE_TABLE} AS "
            "SELECT ? AS build_id, current_timestamp AS published_at",
            [build_id],
        )
        con.execute("DETACH served")
    return written
