"""The dbt-postgres target and the lake loader read one set of settings and one source list."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from warehouse.postgres import SOURCES_YML, PostgresTarget, _pg_type, lake_relations

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"


def test_profile_reads_the_loader_settings() -> None:
    output = yaml.safe_load(PROFILES.read_text(encoding="utf-8"))["aftersales"]["outputs"][
        "postgres"
    ]
    assert output["type"] == "postgres"
    read = set(re.findall(r"env_var\('(AFTERSALES_PG_[A-Z_]+)'", PROFILES.read_text()))
    assert read == set(PostgresTarget.ENV.values())
    target = PostgresTarget.from_env(database="example")
    assert target.env()["AFTERSALES_PG_DATABASE"] == "example"
    assert "password" not in target.connect_kwargs() or target.password


def test_every_lake_source_is_loaded_from_its_location(tmp_path: Path) -> None:
    sources = yaml.safe_load(SOURCES_YML.read_text(encoding="utf-8"))["sources"]
    names = [table["name"] for source in sources for table in source["tables"]]
    relations = lake_relations(tmp_path)
    assert list(relations) == names
    for relation in relations.values():
        assert f"read_parquet('{tmp_path}/" in relation
        assert "{{" not in relation


def test_types_map_to_postgres() -> None:
    assert _pg_type("DECIMAL(18,2)") == "numeric(18,2)"
    assert _pg_type("TIMESTAMP") == "timestamp"
    assert _pg_type("VARCHAR") == "text"


def test_names_fit_postgres_identifiers() -> None:
    """PostgreSQL truncates identifiers at 63 bytes: a longer model or unit test name breaks
    the dbt-postgres build (the unit test's relation is named after it)."""
    project = SOURCES_YML.parents[3]
    names = [path.stem for path in (project / "models").rglob("*.sql")]
    names += [path.stem for path in (project / "seeds").glob("*.csv")]
    for path in (project / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names += [test["name"] for test in document.get("unit_tests", [])]
    assert len(names) > 50
    too_long = [name for name in names if len(name.encode()) > 63]
    assert not too_long, f"longer than PostgreSQL's 63-byte identifiers: {too_long}"
