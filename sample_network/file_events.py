"""File-level events for the demo: a held file, a rejected file and a late feed.

Planted after the inbox is written (``--file-events``), so the feed-health dashboard has
something to show:

- **held**: a dealer's repair-order file of the third-last month keeps only a tenth of
  its rows, far below the trailing median of its earlier months (the gate's volume hold);
- **rejected**: a repair-order file of the second-last month gets an invalid VIN on a
  fifth of its rows, above the gate's quarantine-share limit (the file is refused);
- **late**: a dealer's complaint files of the last two months are missing, so the feed
  is past due on the data's last day.

Only open 4S dealers on the canonical CSV dialect (UTF-8, one row per line) are chosen,
a different one per event while there are enough of them (the first dealer of a network
always is one). The events are recorded
in ``truth/file_events.csv`` (file or feed, event, what the ingestion is expected to do).
The row-level truth manifest keeps only the defects of files that still hold them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sample_network.dealers import Dealer

FILE_EVENT_COLUMNS = ("dealer_code", "feed", "period", "event", "expected")
CANONICAL_VENDOR_DIALECT = "canonical_csv"
HELD_KEEP_SHARE = 0.1
REJECTED_ROW_SHARE = 0.2
LATE_MONTHS = 2
INVALID_VIN = "IOQ00000000000000"  # I, O and Q never occur in a VIN


@dataclass(frozen=True)
class FileEvent:
    dealer_code: str
    feed: str
    period: str
    event: str
    expected: str


def _csv_dealers(dealers: list[Dealer], dialect_of: dict[str, str]) -> list[Dealer]:
    return [
        d
        for d in dealers
        if d.outlet_type == "4s"
        and d.closed_on is None
        and dialect_of[d.dms_vendor] == CANONICAL_VENDOR_DIALECT
    ]


def plant_file_events(
    inbox: Path, dealers: list[Dealer], dialect_of: dict[str, str], months: list[str]
) -> list[FileEvent]:
    """Plant the three events into ``inbox``; needs a canonical-CSV 4S dealer and at least
    six months (the volume hold looks at earlier periods)."""
    chosen = _csv_dealers(dealers, dialect_of)
    if not chosen or len(months) < 6:
        return []
    held_dealer, rejected_dealer, late_dealer = (chosen[i % len(chosen)] for i in range(3))
    events = [
        _hold(inbox, held_dealer.code, months[-3]),
        _reject(inbox, rejected_dealer.code, months[-2]),
    ]
    for period in months[-LATE_MONTHS:]:
        (inbox / late_dealer.code / "complaints" / f"{period}.csv").unlink(missing_ok=True)
    events.append(
        FileEvent(
            late_dealer.code,
            "complaints",
            ",".join(months[-LATE_MONTHS:]),
            "late",
            "files not sent: the feed is late on the data's last day",
        )
    )
    return events


def _read(path: Path) -> tuple[str, list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[0], lines[1:]


def _hold(inbox: Path, code: str, period: str) -> FileEvent:
    path = inbox / code / "repair_orders" / f"{period}.csv"
    header, rows = _read(path)
    keep = max(1, int(len(rows) * HELD_KEEP_SHARE))
    path.write_text("\n".join([header, *rows[:keep]]) + "\n", encoding="utf-8")
    return FileEvent(
        code, "repair_orders", period, "held", f"held for volume ({keep} of {len(rows)} rows)"
    )


def _reject(inbox: Path, code: str, period: str) -> FileEvent:
    path = inbox / code / "repair_orders" / f"{period}.csv"
    header, rows = _read(path)
    vin = header.split(",").index("vin")
    every = round(1 / REJECTED_ROW_SHARE)
    out = []
    for i, line in enumerate(rows):
        if i % every == 0:
            cells = next(csv.reader([line]))
            cells[vin] = INVALID_VIN
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow(cells)
            line = buf.getvalue()
        out.append(line)
    path.write_text("\n".join([header, *out]) + "\n", encoding="utf-8")
    return FileEvent(
        code, "repair_orders", period, "rejected", "refused: quarantine share above the limit"
    )


def drop_replaced_defects(
    manifest: list[dict[str, object]], events: list[FileEvent]
) -> list[dict[str, object]]:
    """Row-level defects of files the events truncated, rewrote or removed no longer hold."""
    touched = {f"{e.dealer_code}/{e.feed}/{p}.csv" for e in events for p in e.period.split(",")}
    return [m for m in manifest if m["file"] not in touched]


def write_file_events(path: Path, events: list[FileEvent]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(FILE_EVENT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(e.__dict__ for e in events)
    path.write_text(buf.getvalue(), encoding="utf-8")
