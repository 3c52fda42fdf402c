"""The OEM dealer master: known dealer codes, DMS vendor per dealer, landed copy."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.contracts import FEEDS
from ingestion.readers.decode import decode_bytes
from ingestion.settings import ConfigError


@dataclass(frozen=True)
class DealerMaster:
    rows: list[dict[str, str]]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r["dealer_code"] for r in self.rows)

    def vendors(self) -> dict[str, str | None]:
        return {r["dealer_code"]: (r.get("dms_vendor") or None) for r in self.rows}


def load_dealer_master(path: Path) -> DealerMaster:
    try:
        text, _ = decode_bytes(path.read_bytes())
    except FileNotFoundError as exc:
        raise ConfigError(f"dealer master not found: {path}") from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "dealer_code" not in reader.fieldnames:
        raise ConfigError(f"{path}: dealer master needs a dealer_code column")
    rows = [{k: (v or "").strip() for k, v in r.items() if k} for r in reader]
    rows = [r for r in rows if r.get("dealer_code")]
    return DealerMaster(rows)


def land_dealers(master: DealerMaster, target: Path) -> bool:
    """Write landed/dealers/data.parquet with the canonical dealer columns.

    Returns whether the landed master changed: an identical master is not rewritten, so a
    run that brings nothing new announces nothing (and triggers no warehouse build)."""
    cols = FEEDS["dealers"].columns
    arrays = {}
    for col in cols:
        values = [r.get(col.name) or None for r in master.rows]
        arr = pa.array(values, type=pa.string())
        if col.type == "date":
            arr = arr.cast(pa.date32())
        arrays[col.name] = arr
    table = pa.table(arrays)
    if target.exists() and pq.read_table(target).equals(table):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return True
