"""GX Data Docs for the latest gate run, readable offline.

Validation results are rebuilt from ``gx_results`` in the control DB (the results of
record): one GX validation result per feed suite, aggregated over the run's files (each
checked on its metrics row, ``ingestion.quality.metrics``), with the failing files listed
as unexpected values. The generated HTML links CSS/JS from CDNs;
those links are replaced by a stylesheet shipped with this package, so pages render styled
with no network.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from ingestion.control_db import connect
from ingestion.quality.suites import SUITES_DIR, SuiteSpec, load_suite
from ingestion.settings import ConfigError, Settings

ASSETS_DIR = Path(__file__).parent / "data_docs_assets"
LOCAL_CSS = "data_docs.css"
LOCAL_JS = "data_docs_shim.js"
_REMOTE_URL = re.compile(r"url\(['\"]?https?://[^)'\"]+['\"]?\)", re.IGNORECASE)
_CDN_LINK = re.compile(r"<link[^>]+href=\"https?://[^\"]+\"[^>]*>\s*", re.IGNORECASE)
_CDN_SCRIPT = re.compile(r"<script[^>]+src=\"https?://[^\"]+\"[^>]*>\s*</script>\s*", re.IGNORECASE)
_REMOTE_IMG = re.compile(r"(<img[^>]+src=)\"https?://[^\"]+\"", re.IGNORECASE)


def latest_run_id(conn: sqlite3.Connection) -> str | None:
    row = conn.execute(
        "SELECT run_id FROM gx_results ORDER BY validated_at DESC, rowid DESC LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


def _suite_specs(suites_dir: Path) -> dict[str, SuiteSpec]:
    return {spec.name: spec for spec in (load_suite(p) for p in sorted(suites_dir.glob("*.json")))}


def _aggregate(frame: pd.DataFrame) -> dict[str, Any]:
    """One expectation over the run's files: each file is one checked value."""
    failing = sorted(frame.loc[~frame["success"].astype(bool), "file_path"].astype(str))
    element, unexpected = len(frame), len(failing)
    return {
        "element_count": element,
        "unexpected_count": unexpected,
        "unexpected_percent": (100.0 * unexpected / element) if element else 0.0,
        "missing_count": 0,
        "missing_percent": 0.0,
        "unexpected_percent_nonmissing": (100.0 * unexpected / element) if element else 0.0,
        "partial_unexpected_list": failing[:20],
        "unexpected_list": failing,
        "failing_files": len(failing),
    }


def _validation_results(
    results: pd.DataFrame, specs: dict[str, SuiteSpec], run_id: str
) -> list[tuple[str, str, Any]]:
    """(feed, suite, ExpectationSuiteValidationResult) per feed and suite of the run."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    out = []
    for (feed, suite), frame in results.groupby(["feed", "suite"], sort=True):
        spec = specs.get(suite)
        configs = {e["meta"]["name"]: e for e in (spec.expectations if spec is not None else [])}
        exp_results = []
        for name, group in frame.groupby("expectation", sort=False):
            config = configs.get(
                name, {"type": "expect_column_to_exist", "kwargs": {"column": name}, "meta": {}}
            )
            meta = {**config.get("meta", {}), "name": name, "policy": group["policy"].iloc[0]}
            exp_results.append(
                ExpectationValidationResult(
                    success=bool(group["success"].astype(bool).all()),
                    expectation_config=ExpectationConfiguration(
                        type=config["type"], kwargs=config["kwargs"], meta=meta
                    ),
                    result=_aggregate(group),
                    exception_info={
                        "raised_exception": False,
                        "exception_message": None,
                        "exception_traceback": None,
                    },
                )
            )
        n_ok = sum(1 for r in exp_results if r.success)
        validated_at = str(frame["validated_at"].max())
        out.append(
            (
                str(feed),
                str(suite),
                ExpectationSuiteValidationResult(
                    success=n_ok == len(exp_results),
                    results=exp_results,
                    suite_name=str(suite),
                    statistics={
                        "evaluated_expectations": len(exp_results),
                        "successful_expectations": n_ok,
                        "unsuccessful_expectations": len(exp_results) - n_ok,
                        "success_percent": 100.0 * n_ok / len(exp_results)
                        if exp_results
                        else 100.0,
                    },
                    meta={
                        "run_id": {"run_name": run_id, "run_time": validated_at},
                        "validation_time": validated_at,
                        "files": int(frame["file_path"].nunique()),
                        "active_batch_definition": {
                            "datasource_name": "aftersales_gate",
                            "data_connector_name": "fluent",
                            "data_asset_name": "files",
                            "batch_identifiers": {"feed": feed, "run_id": run_id},
                        },
                    },
                ),
            )
        )
    return out


def _localise_html(site_dir: Path) -> int:
    """Point every page at the local stylesheet and script shim; drop CDN links and remote
    images. Returns the number of pages rewritten."""
    static = site_dir / "static"
    (static / "styles").mkdir(parents=True, exist_ok=True)
    (static / "scripts").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ASSETS_DIR / LOCAL_CSS, static / "styles" / LOCAL_CSS)
    shutil.copyfile(ASSETS_DIR / LOCAL_JS, static / "scripts" / LOCAL_JS)
    for css in (static / "styles").glob("*.css"):
        text = css.read_text(encoding="utf-8")
        css.write_text(_REMOTE_URL.sub("url('../images/logo-long.png')", text), encoding="utf-8")
    changed = 0
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        up = "../" * (len(page.relative_to(site_dir).parts) - 1)
        new = _CDN_SCRIPT.sub("", text)
        new = _CDN_LINK.sub("", new)
        logo = f"{up}static/images/logo-long.png"
        new = _REMOTE_IMG.sub(lambda m, logo=logo: f'{m.group(1)}"{logo}"', new)
        new = _REMOTE_URL.sub(f"url('{logo}')", new)
        head = (
            f'<link rel="stylesheet" href="{up}static/styles/{LOCAL_CSS}">\n'
            f'<script src="{up}static/scripts/{LOCAL_JS}"></script>\n'
        )
        new = re.sub(r"(<head[^>]*>)", lambda m, head=head: m.group(1) + "\n" + head, new, count=1)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def build_data_docs(lake: Path, suites_dir: Path = SUITES_DIR, run_id: str | None = None) -> Path:
    """Build Data Docs for a run (default: the latest) into ``<lake>/data_docs``; returns index."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    if not (lake / "control.sqlite").exists():
        raise FileNotFoundError(f"no control DB at {lake / 'control.sqlite'}")
    conn = connect(lake / "control.sqlite")
    try:
        run_id = run_id or latest_run_id(conn)
        if run_id is None:
            raise FileNotFoundError(f"no gx_results in {lake / 'control.sqlite'}")
        results = pd.read_sql_query(
            "SELECT * FROM gx_results WHERE run_id = ?", conn, params=(run_id,)
        )
    finally:
        conn.close()

    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    specs = _suite_specs(suites_dir)
    site_dir = lake / "data_docs"
    with tempfile.TemporaryDirectory(dir=lake) as tmp:
        build_dir = Path(tmp) / "site"
        context = gx.get_context(mode="ephemeral")
        context.add_data_docs_site(
            "local",
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(build_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        used = set(results["suite"])
        for name, spec in specs.items():
            if name in used:
                context.suites.add(
                    gx.ExpectationSuite(
                        name=name, expectations=spec.expectations, meta=spec.meta.model_dump()
                    )
                )
        for feed, suite, validation in _validation_results(results, specs, run_id):
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite),
                run_id={"run_name": run_id, "run_time": validation.meta["validation_time"]},
                batch_identifier=feed,
            )
            context.validation_results_store.set(key, validation)
        context.build_data_docs(site_names=["local"])
        _localise_html(build_dir)
        if site_dir.exists():
            shutil.rmtree(site_dir)
        shutil.move(str(build_dir), site_dir)
    return site_dir / "index.html"


app = typer.Typer(help="Build GX Data Docs (offline HTML) for the latest gate run.")


@app.callback(invoke_without_command=True)
def data_docs(
    run_id: str = typer.Option(None, "--run-id", help="Run to document (default: latest)"),
) -> None:
    """Build <lake>/data_docs from the control DB."""
    try:
        settings = Settings.from_env()
        index = build_data_docs(settings.lake, run_id=run_id)
    except (ConfigError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Data Docs: {index}")


if __name__ == "__main__":
    app()
