"""One new month for every dealer against the backfill before it, in one run.

    .venv/pipeline/bin/python bench/bench_new_month.py --network var/bench/d50

Links every export of the network except its last month into a fresh inbox and ingests it
as `aftersales ingest` does (`ingest_inbox`, one process per worker), then links the last
month's exports in and ingests again: what a nightly run does when every dealer's new month
arrives. Reports both times, the new month's time as a share of the backfill's and the
files and rows of each step. Hard links: the inbox is listed without following symbolic
links, and nothing is copied.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from ingestion.inbox_state import RACY_SECONDS
from ingestion.pipeline import ingest_inbox
from ingestion.settings import PROJECT_ROOT, Settings


def _period(rel: Path) -> str:
    return rel.stem[:7]


def link_exports(source: Path, target: Path, wanted: set[str] | None, skip: set[str]) -> int:
    """Hard-link the exports of `source` whose period is in `wanted` (all when None) and not
    in `skip`; returns the files linked."""
    linked = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(source)
        period = _period(rel)
        if period in skip or (wanted is not None and period not in wanted):
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, dest)
        linked += 1
    return linked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--network", type=Path, default=PROJECT_ROOT / "var" / "sample_network")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "var" / "bench" / "new_month")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--report", type=Path, default=None, help="write <report>.json")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (its lake feeds bench_dbt.py)"
    )
    args = parser.parse_args()
    network, work = args.network.resolve(), args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    inbox = work / "inbox"
    inbox.mkdir(parents=True)
    periods = sorted(
        {_period(p.relative_to(network / "inbox")) for p in network.glob("inbox/*/*/*")}
    )
    last = periods[-1]
    settings = Settings(
        inbox=inbox,
        dealer_master=network / "master" / "dealers.csv",
        lake=work / "lake",
        env="test",
        workers=args.workers,
    )
    steps = {}
    for step, wanted, skip in (("backfill", None, {last}), ("new_month", {last}, set())):
        files = link_exports(network / "inbox", inbox, wanted, skip)
        time.sleep(RACY_SECONDS)  # the files arrived before the run (not while it reads them)
        started = time.perf_counter()
        totals = ingest_inbox(settings, progress=False)
        seconds = time.perf_counter() - started
        steps[step] = {"files": files, "rows": totals.get("rows_read", 0), "seconds": seconds}
        print(f"{step}: {files} files, {steps[step]['rows']} rows in {seconds:.1f} s", flush=True)
    month, backfill = steps["new_month"], steps["backfill"]
    share = month["seconds"] / backfill["seconds"]
    print(
        f"new month {last}: {month['seconds']:.1f} s = {share:.1%} of the backfill's "
        f"{backfill['seconds']:.1f} s (its files: {month['files'] / backfill['files']:.1%} of the "
        "backfill's)"
    )
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        result = {"last_period": last, "steps": steps, "share": share, "workers": args.workers}
        args.report.with_suffix(".json").write_text(json.dumps(result, indent=2), "utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
