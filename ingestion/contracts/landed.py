"""The columns a feed lands with: the contract's columns (phones as hash + mask) and lineage."""

from __future__ import annotations

from ingestion.contracts.model import ColumnType, FeedContract

# Written by ingestion beside every landed row: flags it raised, where it came from, and
# the period of its file (with dealer_code, the partition its file's outcome replaces).
LINEAGE_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("dq_flags", "str"),
    ("_source_file", "str"),
    ("_source_row", "int"),
    ("_file_sha256", "str"),
    ("_loaded_at", "ts"),
    ("period", "str"),
)
PHONE_SUFFIXES = ("_hash", "_masked")


def landed_columns(contract: FeedContract) -> list[tuple[str, ColumnType]]:
    """(name, type) of every column of a landed Parquet file of this feed, in file order."""
    out: list[tuple[str, ColumnType]] = []
    for col in contract.columns:
        if col.pii == "phone":
            out += [(col.name + suffix, "str") for suffix in PHONE_SUFFIXES]
        else:
            out.append((col.name, col.type))
    return [*out, *LINEAGE_COLUMNS]


# How the warehouse declares each contract type (the lake sources' `data_type`).
WAREHOUSE_TYPES: dict[ColumnType, str] = {
    "str": "varchar",
    "int": "bigint",
    "decimal": "decimal(18,2)",
    "date": "date",
    "ts": "timestamp",
    "bool": "boolean",
}
