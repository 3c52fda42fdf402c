"""The served copy: a full copy of the marts, or the previous served file changed by groups."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.served_copy import served_build_id, write_served_copy


def build_file(path: Path, facts: list[tuple[str, str, int]], scope: list[tuple[str, str]]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create table fct (dealer_code varchar, vin varchar, amount integer)")
        con.executemany("insert into fct values (?, ?, ?)", facts)
        con.execute("create table dim as select 'D1' as dealer_code, 'north' as region")
        con.execute("create schema recompute")
        con.execute("create table recompute.fct__scope (dealer_code varchar, vin varchar)")
        for group in scope:
            con.execute("insert into recompute.fct__scope values (?, ?)", group)


def rows(path: Path, table: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select * from main.{table} order by all").fetchall()


def test_full_copy_then_a_copy_that_replaces_only_the_recomputed_groups(tmp_path: Path) -> None:
    first = tmp_path / "first.duckdb"
    build_file(first, [("D1", "V1", 1), ("D1", "V2", 2), ("D2", "V1", 3)], [])
    served = tmp_path / "served.duckdb"
    assert served_build_id(served) is None
    written = write_served_copy(first, served, ["dim", "fct"], "build-1")
    assert written == {"dim": "created", "fct": "created"}
    assert served_build_id(served) == "build-1"

    # the next build changed group (D1, V2) and removed group (D2, V1); its scope lists both,
    # and it holds a row the served file never had outside them (which must not be copied:
    # only the scope's groups are taken from the build file)
    second = tmp_path / "second.duckdb"
    build_file(
        second,
        [("D1", "V1", 1), ("D1", "V2", 20), ("D1", "V9", 9)],
        [("D1", "V2"), ("D2", "V1")],
    )
    target = tmp_path / "next.duckdb"
    written = write_served_copy(second, target, ["dim", "fct"], "build-2", base=served)
    assert written == {"dim": "replaced", "fct": "groups"}
    assert rows(target, "fct") == [("D1", "V1", 1), ("D1", "V2", 20)]
    assert rows(target, "dim") == [("D1", "north")]
    assert served_build_id(target) == "build-2"
    assert served_build_id(served) == "build-1"  # the base is read, never changed


def test_a_file_without_the_record_holds_no_known_build(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("create table fct as select 1 as x")
    assert served_build_id(other) is None
