"""Compare what readers see in two lakes: the current landed rows and the quarantine
(rule, file, row, reason, raw record) of every feed, load timestamps left out.

Used to check a change of the ingestion path against a reference run of an earlier commit
on the same inbox (docs/benchmarks.md):

    .venv/pipeline/bin/python bench/compare_lakes.py REFERENCE_LAKE LAKE

Prints one line per (area, feed) with the row counts of both lakes and whether the rows are
identical, then up to three rows found in only one of them. Exit 1 when anything differs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ingestion.contracts import DEALER_FEEDS
from ingestion.lake_read import read_current

AREAS = ("landed", "quarantine")
LOAD_TIMES = ("_loaded_at", "_quarantined_at")


def current_rows(lake: Path, feed: str, area: str) -> list[str]:
    """The current rows of one feed, each as a stable text, sorted."""
    table = read_current(lake, feed, area=area)
    table = table.drop_columns([c for c in LOAD_TIMES if c in table.column_names])
    return sorted(repr(row) for row in table.to_pylist())


def compare(reference: Path, lake: Path) -> list[dict[str, object]]:
    """One entry per (area, feed): row counts, identical or not, examples of differences."""
    out: list[dict[str, object]] = []
    for area in AREAS:
        for feed in DEALER_FEEDS:
            left, right = current_rows(reference, feed, area), current_rows(lake, feed, area)
            only_left = sorted(set(left) - set(right))
            only_right = sorted(set(right) - set(left))
            out.append(
                {
                    "area": area,
                    "feed": feed,
                    "reference_rows": len(left),
                    "rows": len(right),
                    "identical": left == right,
                    "only_reference": only_left[:3],
                    "only_lake": only_right[:3],
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reference", type=Path, help="lake of the reference run")
    parser.add_argument("lake", type=Path, help="lake to check against it")
    args = parser.parse_args(argv)
    result = compare(args.reference, args.lake)
    for entry in result:
        state = "identical" if entry["identical"] else "DIFFERENT"
        print(
            f"{entry['area']:<11} {entry['feed']:<23} {entry['reference_rows']:>9} "
            f"{entry['rows']:>9}  {state}"
        )
        for side in ("only_reference", "only_lake"):
            for row in entry[side]:  # type: ignore[attr-defined]
                print(f"    {side}: {row}")
    return 0 if all(entry["identical"] for entry in result) else 1


if __name__ == "__main__":
    raise SystemExit(main())
