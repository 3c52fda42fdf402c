"""One feed of one shard, all dialects: read -> map -> type -> row contract -> row outcomes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ingestion.contract.validate import explain_rows, validate_rows
from ingestion.contracts import FEEDS
from ingestion.control_totals import control_total_problem
from ingestion.duplicates import classify_duplicates
from ingestion.mapping import header_hints, map_tables
from ingestion.phone import mask_text
from ingestion.readers import FileReadError, RawTable, read_raw_table
from ingestion.registry.schema import DialectProfile
from ingestion.transform import type_frame


@dataclass
class FileJob:
    """A file accepted for reading: its bytes and where it belongs."""

    idx: int
    rel_path: str
    dealer_code: str
    feed: str
    period: str
    sha256: str
    data: bytes
    dialect: DialectProfile
    outcome: dict[str, object] = field(default_factory=dict)


@dataclass
class FeedBatchResult:
    valid: pd.DataFrame  # typed rows passing the contract (first copies only), with _file_idx
    quarantine: (
        pd.DataFrame
    )  # text rows quarantined: _file_idx, _source_row, rule_id, reason, raw_record
    stats: dict[
        int, dict[str, object]
    ]  # per file idx: rows_read/loaded/quarantined/duplicate, reject


def _unread(reject: tuple[str, str] | None = None) -> dict[str, object]:
    """Counts of a file none of whose rows were read (unreadable, or no data rows)."""
    return {
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_quarantined": 0,
        "rows_duplicate": 0,
        "reject": reject,
    }


def _read_all(
    jobs: list[FileJob], feed: str
) -> tuple[dict[str, list[tuple[int, RawTable]]], dict[int, tuple[str, str]]]:
    by_dialect: dict[str, list[tuple[int, RawTable]]] = {}
    errors: dict[int, tuple[str, str]] = {}
    for job in jobs:
        try:
            table = read_raw_table(
                job.data, job.dialect, header_hints(feed, job.dialect), columnar=True
            )
        except FileReadError as exc:
            errors[job.idx] = (exc.rule, exc.reason)
            continue
        except Exception as exc:  # any other parser failure rejects the file, never the run
            errors[job.idx] = ("unparseable", f"file cannot be parsed: {type(exc).__name__}: {exc}")
            continue
        job.data = b""  # release memory early
        problem = control_total_problem(feed, job.dialect, table)
        if problem is not None:
            errors[job.idx] = problem
            continue
        by_dialect.setdefault(job.dialect.name, []).append((job.idx, table))
    return by_dialect, errors


def _raw_records(text: pd.DataFrame, columns: list[str], phones: list[str]) -> list[str]:
    sub = text[columns].astype(object)
    for col in phones:
        sub[col] = sub[col].map(mask_text).astype(object)
    # object dtype throughout: a column that is blank in every row would turn float, keep
    # NaN where None was asked for and write the invalid JSON token NaN
    sub = sub.astype(object).where(sub.notna(), None)
    return [json.dumps(r, ensure_ascii=False) for r in sub.to_dict(orient="records")]


def process_feed(feed: str, jobs: list[FileJob], now: pd.Timestamp) -> FeedBatchResult:
    """`now`: the ingestion clock (local, naive) the contract's date-window rule reads."""
    definition = FEEDS[feed]
    assert definition.file_rules is not None, f"{feed} has no file rules"
    max_share = definition.file_rules.quarantine_share_max
    cols = definition.column_names
    by_dialect, read_errors = _read_all(jobs, feed)
    dialects = {job.dialect.name: job.dialect for job in jobs}
    folder = {job.idx: job.dealer_code for job in jobs}
    stats: dict[int, dict[str, object]] = {idx: _unread(err) for idx, err in read_errors.items()}
    valid_parts: list[pd.DataFrame] = []
    quarantine_parts: list[pd.DataFrame] = []
    for name, tables in by_dialect.items():
        profile = dialects[name]
        mapped = map_tables(feed, profile, tables)
        for idx, err in mapped.file_errors.items():
            stats[idx] = _unread(err)
        text = mapped.frame
        if text.empty:
            for idx, _ in tables:
                stats.setdefault(
                    idx,
                    _unread(),
                )
            continue
        identical, conflict = classify_duplicates(feed, text)
        typed = type_frame(feed, profile, text)
        typed["_key_conflict"] = conflict
        rules = validate_rows(feed, typed, now)
        is_bad = rules.notna().to_numpy()
        is_dup = identical & ~is_bad
        is_ok = ~is_bad & ~is_dup

        file_idx = text["_file_idx"].to_numpy()
        frame_counts = pd.DataFrame({"f": file_idx, "bad": is_bad, "dup": is_dup, "ok": is_ok})
        counts = frame_counts.groupby("f").agg(
            read=("ok", "size"), bad=("bad", "sum"), dup=("dup", "sum"), ok=("ok", "sum")
        )
        # dealer_code in the rows must equal the dealer folder
        dealer_vals = text["dealer_code"].to_numpy(dtype=object)
        expected = np.array([folder[i] for i in file_idx], dtype=object)
        mismatch = (
            (dealer_vals != expected) & pd.notna(dealer_vals) & ~text["_malformed"].to_numpy()
        )
        mismatched_files = set(file_idx[mismatch].tolist())
        for idx, _ in tables:
            if idx in stats:
                continue
            if idx not in counts.index:
                stats[idx] = _unread()
                continue
            c = counts.loc[idx]
            read, bad, dup, ok = int(c["read"]), int(c["bad"]), int(c["dup"]), int(c["ok"])
            reject = None
            if idx in mismatched_files:
                other = sorted({str(v) for v in dealer_vals[(file_idx == idx) & mismatch]})[:3]
                reject = (
                    "dealer_mismatch",
                    f"rows carry dealer_code {', '.join(other)} but the file is in folder "
                    f"{folder[idx]!r}",
                )
            elif read and bad / read > max_share:
                reject = (
                    "quarantine_share",
                    f"{bad} of {read} rows ({bad / read:.1%}) break the row contract, "
                    f"more than {max_share:.0%}: check the column mapping",
                )
            stats[idx] = {
                "rows_read": read,
                "rows_loaded": ok,
                "rows_quarantined": bad,
                "rows_duplicate": dup,
                "reject": reject,
            }
        rejected = (
            np.array([stats.get(i, {}).get("reject") is not None for i in file_idx], dtype=bool)
            if len(file_idx)
            else np.zeros(0, dtype=bool)
        )

        # quarantine: rows breaking the contract; all non-duplicate rows of rejected files
        q_mask = is_bad | (rejected & ~is_dup)
        if q_mask.any():
            q_text = text.loc[q_mask]
            q_typed = typed.loc[q_mask]
            q_rules = rules[q_mask]
            broken = q_rules.notna()
            reasons = pd.Series("", index=q_typed.index, dtype=object)
            reasons[broken] = explain_rows(feed, q_typed[broken], q_rules[broken], now)
            for i in q_typed.index[~broken]:
                err = stats[int(q_typed.at[i, "_file_idx"])]["reject"]
                reasons[i] = f"file rejected ({err[0]}): {err[1]}"  # type: ignore[index]
            rule_ids = q_rules.where(broken, "file_rejected").tolist()
            quarantine_parts.append(
                pd.DataFrame(
                    {
                        "_file_idx": q_text["_file_idx"].to_numpy(),
                        "_source_row": q_text["_source_row"].to_numpy(),
                        "rule_id": rule_ids,
                        "reason": reasons.to_numpy(),
                        "raw_record": _raw_records(q_text, cols, definition.phone_columns),
                    }
                )
            )
        # rejected files: everything not duplicate counts as quarantined (withheld)
        for st in stats.values():
            if st["reject"] is not None and st["rows_read"]:
                st["rows_quarantined"] = int(st["rows_read"]) - int(st["rows_duplicate"])  # type: ignore[call-overload]
                st["rows_loaded"] = 0
        keep = is_ok & ~rejected
        if keep.any():
            valid_parts.append(typed.loc[keep])
    valid = pd.concat(valid_parts, ignore_index=True) if valid_parts else pd.DataFrame()
    quarantine = (
        pd.concat(quarantine_parts, ignore_index=True)
        if quarantine_parts
        else pd.DataFrame(columns=["_file_idx", "_source_row", "rule_id", "reason", "raw_record"])
    )
    for job in jobs:
        stats.setdefault(
            job.idx,
            _unread(),
        )
    return FeedBatchResult(valid=valid, quarantine=quarantine, stats=stats)
