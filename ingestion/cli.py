"""`aftersales` command line for data engineers (exit codes: 0 ok, 1 data problems, 2 usage/config)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ingestion.settings import ConfigError, Settings

app = typer.Typer(
    help="Dealer after-sales data platform: feed onboarding, ingestion and warehouse tools.",
    no_args_is_help=True,
    add_completion=False,
)
feeds_app = typer.Typer(help="Inspect and onboard dealer feeds.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
lake_app = typer.Typer(help="Maintain the append-only lake.", no_args_is_help=True)
app.add_typer(lake_app, name="lake")
console = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def _settings(inbox: Path | None = None, workers: int | None = None) -> Settings:
    try:
        overrides: dict[str, object] = {"workers": workers} if workers is not None else {}
        if inbox:
            overrides["inbox"] = inbox.resolve()
        return Settings.from_env(**overrides)
    except (ConfigError, ValueError) as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc


WORKERS_OPTION = typer.Option(
    min=0,
    help="shards ingested side by side, one process each (default: one per core; "
    "AFTERSALES_INGEST_WORKERS). A network of fewer than ~500 files per worker runs in one.",
)


def _fail_usage(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(EXIT_USAGE)


def _ingest(s: Settings, quiet: bool) -> dict:
    """Ingest the settings' inbox; a missing inbox or a bad configuration is a usage error."""
    from ingestion.pipeline import ingest_inbox

    if not s.inbox.is_dir():
        _fail_usage(f"inbox {s.inbox} does not exist")
    try:
        return ingest_inbox(s, progress=not quiet)
    except ConfigError as exc:
        _fail_usage(str(exc))
        raise  # _fail_usage always exits


def _infer_from_path(path: Path) -> tuple[str | None, str | None]:
    parts = path.resolve().parts
    if len(parts) >= 3:
        return parts[-3], parts[-2]
    return None, None


@feeds_app.command("check")
def feeds_check(
    path: Annotated[
        list[Path], typer.Argument(help="dealer export(s) or folder(s) of exports to check")
    ],
    dealer: Annotated[str | None, typer.Option(help="dealer code (default: from the path)")] = None,
    feed: Annotated[
        str | None, typer.Option(help="canonical feed (default: folder name or guess)")
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="dialect profile to try (default: the registry's)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Dry run of `ingest`: detect the dialect, then apply everything ingest applies (file-name
    rule, dealer folder, profile, row contract, gate) to the files. Writes nothing."""
    from ingestion.contracts import DEALER_FEEDS
    from ingestion.detect import detect
    from ingestion.dry_run import dry_run, export_files

    missing = [str(p) for p in path if not p.exists()]
    if missing:
        _fail_usage(f"no such file or folder: {', '.join(missing)}")
    if feed is not None and feed not in DEALER_FEEDS:
        _fail_usage(f"unknown feed {feed!r}; one of {', '.join(DEALER_FEEDS)}")
    s = _settings()
    files = export_files(path)
    if not files:
        _fail_usage(f"no files in {', '.join(map(str, path))}")
    try:
        detection = detect(files[0].read_bytes(), files[0].name)
    except Exception as exc:  # an unreadable file is reported by the dry run itself
        detection = None
        err.print(f"[yellow]cannot detect the dialect of {files[0]}:[/yellow] {exc}")
    try:
        report = dry_run(s, path, dealer, feed, profile)
    except ConfigError as exc:
        _fail_usage(str(exc))
        return
    hint = next((f for f in report.files if f.path in report.missing_required), None)
    first_look = None
    if hint is not None and hint.feed is not None:
        from ingestion.checker import check_file

        first_look = check_file(Path(hint.path), None, hint.feed, hint.dealer_code)
    if as_json:
        payload = report.as_dict()
        payload["detected"] = detection.profile_settings() if detection else None
        payload["findings"] = [f.__dict__ for f in detection.findings] if detection else []
        if first_look is not None:
            payload["proposals"] = [p.__dict__ for p in first_look.proposals]
        console.print_json(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        if detection is not None:
            _print_detection(detection, files[0])
        _print_dry_run(report)
        if first_look is not None:
            console.print(
                f"[bold]first look at {hint.path}[/bold]: under the current profile it lacks "
                f"{report.missing_required[hint.path]}; the detected settings and the "
                "vocabulary propose"
            )
            _print_report(first_look)
    raise typer.Exit(EXIT_DATA if report.problems else EXIT_OK)


def _print_detection(det, path: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    t = Table(title=f"detected from the content{f' of {path.name}' if path else ''}")
    for c in ("setting", "value", "confidence", "evidence"):
        t.add_column(c)
    for f in det.findings:
        t.add_row(f.setting, str(f.value), f"{f.confidence:.2f}", f.evidence)
    console.print(t)
    console.print("[dim]profile lines for these settings:[/dim]")
    console.print(det.profile_lines(), markup=False, highlight=False)


def _print_dry_run(report) -> None:  # type: ignore[no-untyped-def]
    t = Table(title="what ingest would do")
    for c in ("file", "dialect", "outcome", "read", "load", "quar.", "dup.", "reason"):
        t.add_column(c)
    for f in report.files:
        colour = "green" if f.status == "loaded" else "red"
        t.add_row(
            f.inbox_path,
            f.dialect or "-",
            f"[{colour}]{f.status}[/{colour}]",
            str(f.rows_read),
            str(f.rows_loaded),
            str(f.rows_quarantined),
            str(f.rows_duplicate),
            f.reason or "",
        )
    console.print(t)
    totals = {k: sum(getattr(f, k) for f in report.files) for k in ("rows_read", "rows_loaded")}
    statuses = Counter(f.status for f in report.files)
    console.print(
        f"{len(report.files)} file(s): "
        + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        + f"; rows read {totals['rows_read']}, would load {totals['rows_loaded']}, "
        f"quarantined {sum(report.rules.values())}"
    )
    for title, table in (
        ("quarantine by rule", report.rules),
        *((f"unknown labels of {col}", labels) for col, labels in report.unknown_labels.items()),
        *((f"unmapped columns of {feed} (files)", cols) for feed, cols in report.unmapped.items()),
    ):
        if not table:
            continue
        t = Table(title=title)
        t.add_column("value")
        t.add_column("count", justify="right")
        for key, n in table.items():
            t.add_row(str(key), str(n))
        console.print(t)
    if report.samples:
        t = Table(title="sample quarantined rows")
        for c in ("file", "row", "rule", "reason"):
            t.add_column(c)
        for r in report.samples:
            t.add_row(r["_source_file"], str(r["_source_row"]), r["rule_id"], r["reason"])
        console.print(t)


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    if report.headers:
        from ingestion.vocabulary import melt_vocabulary

        items = melt_vocabulary(report.feed) if report.feed != "?" else {}
        t = Table(title="column mapping", show_lines=False)
        for c in ("header", "profile maps to", "proposed", "confidence"):
            t.add_column(c)
        for p in report.proposals:
            prof = report.mapped_by_profile.get(p.header) or (
                f"melt item {report.melt_items[p.header]}" if p.header in report.melt_items else ""
            )
            item = items.get(p.header)
            proposed = p.canonical or (f"wide item {item}" if item else f"[dim]{p.source}[/dim]")
            score = f"{p.confidence:.2f}" if p.canonical else ("1.00" if item else "")
            t.add_row(p.header, prof, proposed, score)
        console.print(t)
    console.print(
        f"with these proposals: rows read {report.rows_read}, would load {report.rows_loaded}, "
        f"quarantined {sum(report.rule_counts.values())}"
    )


DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}


@feeds_app.command("add")
def feeds_add(
    dealer: Annotated[str, typer.Option(help="dealer code the profile is for")],
    sample: Annotated[
        list[Path],
        typer.Option(help="sample export, or a folder of <feed>/<file> exports (repeatable)"),
    ],
    dialect: Annotated[str | None, typer.Option(help="name of the dialect profile")] = None,
    feed: Annotated[str | None, typer.Option(help="canonical feed of the samples")] = None,
    extend: Annotated[
        bool, typer.Option(help="add the samples' feeds to the existing profile --dialect")
    ] = False,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter (default: detected); tab, ';', ...")
    ] = None,
    header_row: Annotated[
        int | None, typer.Option(min=1, help="1-based header row (default: detected)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="folder for the YAML (default: dialects dir)")
    ] = None,
    force: Annotated[bool, typer.Option(help="overwrite an existing profile")] = False,
) -> None:
    """Scaffold a dialect profile from sample exports; review the TODOs, then register it."""
    from ingestion.contracts import DEALER_FEEDS
    from ingestion.readers import FileReadError
    from ingestion.registry import load_dialect
    from ingestion.scaffold import TODO, profile_yaml, scaffold_profile

    missing = [str(p) for p in sample if not p.exists()]
    if missing:
        _fail_usage(f"no such sample: {', '.join(missing)}")
    if feed is not None and feed not in DEALER_FEEDS:
        _fail_usage(f"unknown feed {feed!r}; one of {', '.join(DEALER_FEEDS)}")
    if delimiter is not None:
        delimiter = DELIMITER_NAMES.get(delimiter, delimiter)
        if len(delimiter) != 1:
            _fail_usage(f"--delimiter must be one character (or tab), not {delimiter!r}")
    s = _settings()
    name = dialect or f"{dealer.lower()}_custom"
    target_dir = out or s.dialects_dir
    target = target_dir / f"{name}.yaml"
    base = None
    if extend:
        if not target.exists():
            _fail_usage(f"--extend: {target} does not exist")
        try:
            base = load_dialect(target)
        except ConfigError as exc:
            _fail_usage(str(exc))
    elif target.exists() and not force:
        _fail_usage(f"{target} exists; use --extend to add feeds, --force or another --dialect")
    try:
        result = scaffold_profile(sample, name, feed, base, delimiter, header_row)
    except (ValueError, OSError, FileReadError) as exc:
        _fail_usage(f"cannot scaffold from {', '.join(map(str, sample))}: {exc}")
        return
    target_dir.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Scaffolded by `aftersales feeds add` for dealer {dealer} from "
        f"{', '.join(p.name for p in sample)}.\n"
        f"# Review every mapping and replace each {TODO}; register the profile in the feed "
        f"registry:\n#   dealer_overrides:\n#     {dealer}: {name}\n"
    )
    target.write_text(header + profile_yaml(result.profile), encoding="utf-8")
    verb = "extended" if extend else "wrote"
    console.print(f"{verb} [bold]{target}[/bold] (feeds: {', '.join(result.feeds)})")
    if result.detection is not None:
        _print_detection(result.detection)
    for note in result.notes:
        console.print(f"  [yellow]{TODO}[/yellow] {note}")
    console.print(
        f"next: add `{dealer}: {name}` under dealer_overrides in {s.registry_path}, "
        f"then `aftersales feeds check <exports> --profile {name}`"
    )


@app.command("ingest")
def ingest(
    inbox: Annotated[Path | None, typer.Option(help="inbox folder (default: settings)")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    workers: Annotated[int | None, WORKERS_OPTION] = None,
) -> None:
    """Ingest the dealer files of the inbox that arrived or changed since the last run
    (untouched files are not read again; content already loaded is skipped)."""
    s = _settings(inbox, workers)
    totals = _ingest(s, quiet)
    _print_totals(totals)


def _build_and_publish(s: Settings, label: str, full_refresh: bool = False) -> dict:
    """dbt build into a new DuckDB file, atomic publish, Superset cache refresh when
    configured: the warehouse_build DAG's steps, without Airflow."""
    from orchestration.superset_cache import refresh_superset_cache
    from warehouse.publish import WarehouseBuildFailed, build_and_publish

    try:
        summary = build_and_publish(s, run_label=label, full_refresh=full_refresh)
    except WarehouseBuildFailed as exc:
        err.print(f"[red]warehouse build failed:[/red] {exc}")
        raise typer.Exit(EXIT_DATA) from exc
    counts = ", ".join(f"{n} {k}" for k, n in sorted(summary["dbt_status_counts"].items()))
    console.print(
        f"published [bold]{summary['served']}[/bold]: {summary['tables']} tables in "
        f"{summary['total_seconds']:.1f} s ({summary['build_kind']} dbt build: {counts})"
    )
    if summary["missing_contract_marts"]:
        err.print(f"[yellow]missing marts:[/yellow] {', '.join(summary['missing_contract_marts'])}")
    refresh_superset_cache(s)
    return summary


@app.command("build")
def build(
    full_refresh: Annotated[
        bool, typer.Option(help="rebuild every model from the lake (not incremental)")
    ] = False,
) -> None:
    """Build the warehouse from the lake (dbt build: models, tests; unit tests on full builds)
    and publish it atomically over the served DuckDB file. After a successful build the next
    one is incremental: it updates what changed partitions touch. Exit 1 when the build fails
    (served file kept)."""
    _build_and_publish(_settings(), "cli-build", full_refresh)


@app.command("run")
def run(
    inbox: Annotated[Path | None, typer.Option(help="inbox folder (default: settings)")] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    workers: Annotated[int | None, WORKERS_OPTION] = None,
) -> None:
    """Ingest the inbox, then build and publish the warehouse (no Airflow needed).

    The build runs when the ingestion landed or replaced data, or when no warehouse is
    published yet. Exit 1 when a file was rejected or held, or the build failed."""
    s = _settings(inbox, workers)
    totals = _ingest(s, quiet)
    code = EXIT_OK
    try:
        _print_totals(totals)
    except typer.Exit as done:
        code = done.exit_code
    if totals.get("files_loaded") or totals.get("files_released") or not s.warehouse.exists():
        _build_and_publish(s, totals["run_id"])
    else:
        console.print("nothing new landed: the published warehouse is current")
    raise typer.Exit(code)


@app.command("scorecard")
def scorecard(
    dealer_code: Annotated[str, typer.Argument(help="dealer code, e.g. D1001")],
    period: Annotated[str | None, typer.Option(help="month YYYY-MM (default: the latest)")] = None,
) -> None:
    """A dealer's KPI scorecard for one month, from the published warehouse (the mart
    rpt_dealer_scorecard the scorecard dashboard reads)."""
    import duckdb

    s = _settings()
    if not s.warehouse.exists():
        _fail_usage(f"no published warehouse at {s.warehouse}; run `aftersales build` first")
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        frame = con.execute(
            "select period_label, kpi_code, kpi_name, value, numerator, denominator, target, "
            "status from main.rpt_dealer_scorecard where dealer_code = ? and period_grain = "
            "'month' and (? is null or strftime(period_start, '%Y-%m') = ?) and period_start = "
            "(select max(period_start) from main.rpt_dealer_scorecard where dealer_code = ? "
            "and period_grain = 'month' and (? is null or strftime(period_start, '%Y-%m') = ?)) "
            "order by kpi_code",
            [dealer_code, period, period, dealer_code, period, period],
        ).df()
    if frame.empty:
        err.print(f"no scorecard rows for dealer {dealer_code} in {s.warehouse}")
        raise typer.Exit(EXIT_DATA)
    t = Table(title=f"Scorecard {dealer_code} {frame['period_label'].iloc[0]}")
    columns = [c for c in frame.columns if c != "period_label"]
    for c in columns:
        t.add_column(c)
    for row in frame[columns].itertuples(index=False):
        t.add_row(*("" if v is None or v != v else str(v) for v in row))
    console.print(t)


FILE_STATUSES = ("loaded", "released", "skipped", "held", "rejected")


@app.command("reprocess")
def reprocess(
    dealer: Annotated[
        list[str] | None, typer.Option("--dealer", "-d", help="dealer code (repeatable)")
    ] = None,
    feed: Annotated[
        list[str] | None, typer.Option("--feed", "-f", help="feed folder (repeatable)")
    ] = None,
    dialect: Annotated[
        str | None, typer.Option(help="every dealer whose current dialect profile is this one")
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(help=f"latest ledger status (repeatable): {', '.join(FILE_STATUSES)}"),
    ] = None,
    all_files: Annotated[bool, typer.Option("--all", help="every file in the inbox")] = False,
    dry_run: Annotated[bool, typer.Option(help="list the files, process nothing")] = False,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Process files again with the current registry, e.g. after a dialect profile was fixed.

    `ingest` skips content it has seen, and a rejected or held file keeps its status.
    Here the selected files are read again: loaded periods are replaced atomically.
    """
    from ingestion.pipeline import reprocess_files, select_files
    from ingestion.registry import load_registry

    if not (dealer or feed or dialect or status or all_files):
        _fail_usage("choose files: --dealer, --feed, --dialect, --status or --all")
    bad = sorted(set(status or ()) - set(FILE_STATUSES))
    if bad:
        _fail_usage(f"unknown status {', '.join(bad)} (choose from {', '.join(FILE_STATUSES)})")
    s = _settings()
    try:
        if dialect is not None and dialect not in load_registry(s).dialects:
            _fail_usage(f"unknown dialect profile {dialect!r}")
        files = select_files(s, dealer, feed, dialect, status)
    except ConfigError as exc:
        _fail_usage(str(exc))
        return
    console.print(f"{len(files)} file(s) selected")
    if dry_run or not files:
        for rel in files[:50]:
            console.print(f"  {rel}")
        if len(files) > 50:
            console.print(f"  … and {len(files) - 50} more")
        raise typer.Exit(EXIT_OK)
    try:
        totals = reprocess_files(s, files, progress=not quiet)
    except ConfigError as exc:
        _fail_usage(str(exc))
        return
    _print_totals(totals)


def _print_totals(totals: dict) -> None:
    """The run's counts as a table; exit 1 when a file was rejected or held."""
    t = Table(title=f"ingestion {totals['run_id']}")
    t.add_column("measure")
    t.add_column("value", justify="right")
    for key, value in totals.items():
        if key not in ("run_id", "control_tables"):
            t.add_row(key, str(value))
    console.print(t)
    problems = totals.get("files_rejected", 0) or totals.get("files_held", 0)
    raise typer.Exit(EXIT_DATA if problems else EXIT_OK)


@app.command("release")
def release(file: Annotated[str, typer.Argument(help="held file, relative to the inbox")]) -> None:
    """Release a file held for review (volume) so it loads."""
    from ingestion.pipeline import release_file

    s = _settings()
    try:
        summary = release_file(s, file)
    except ConfigError as exc:
        _fail_usage(str(exc))
        return
    status = "released" if summary.get("files_released") else "not released"
    console.print(f"{file}: {status} ({summary.get('rows_loaded', 0)} rows loaded)")
    raise typer.Exit(EXIT_OK if summary.get("files_released") else EXIT_DATA)


@lake_app.command("compact")
def lake_compact(
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="only this feed (repeatable)")
    ] = None,
) -> None:
    """Rewrite each feed's current rows into one part file per area and drop superseded rows.

    Readers see the same rows before and after. Run it when no warehouse build is reading
    the lake (it takes every dealer's ingestion lock, so ingestion waits for it).
    """
    from ingestion.compaction import compact_lake
    from ingestion.contracts import DEALER_FEEDS

    s = _settings()
    unknown = sorted(set(feed or ()) - set(DEALER_FEEDS))
    if unknown:
        _fail_usage(f"unknown feed(s) {', '.join(unknown)}; known: {', '.join(DEALER_FEEDS)}")
    try:
        done = compact_lake(
            s,
            feed or DEALER_FEEDS,
            progress=lambda c: console.print(
                f"{c.area}/{c.feed}: {c.files_before} part file(s) -> {c.files_after}, "
                f"{c.rows:,} current rows kept, {c.superseded_rows:,} superseded rows dropped"
            ),
        )
    except ConfigError as exc:
        _fail_usage(str(exc))
        return
    if not done:
        console.print("the lake is already compact")


@app.command("health")
def health(
    dealer_code: Annotated[str, typer.Argument(help="dealer code, e.g. D1001")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """A dealer's feed health, as the feed-health dashboard shows it.

    Read from the published warehouse (the mart rpt_feed_health, built by the warehouse
    build after each ingestion), so the figures are the dashboard's; "as of" is the data's
    last day. Exit 1 when a feed is late or a file's latest outcome is held or rejected.
    """
    from ingestion.quality.health import WarehouseMissing, health_table, read_feed_health, records

    s = _settings()
    try:
        frame = read_feed_health(s.warehouse, dealer_code)
    except WarehouseMissing as exc:
        _fail_usage(
            f"{exc}; build it first (`aftersales build`, the warehouse_build DAG, or `make demo`)"
        )
        return
    if frame.empty:
        err.print(f"dealer {dealer_code} is not in the feed-health mart of {s.warehouse}")
        raise typer.Exit(EXIT_DATA)
    problems = bool(
        frame["is_late"].any() or (frame[["held_batches", "rejected_batches"]] > 0).any(axis=None)
    )
    if as_json:
        typer.echo(json.dumps(records(frame), ensure_ascii=False, indent=1))
    else:
        as_of = records(frame.head(1))[0]["as_of_date"] or "-"
        title = f"Feed health {dealer_code} as of {as_of} (the data's last day)"
        console.print(health_table(frame, title))
        console.print(f"[dim]from {s.warehouse}[/dim]")
    raise typer.Exit(EXIT_DATA if problems else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    app()
