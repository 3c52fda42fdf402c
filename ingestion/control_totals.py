"""Control totals: reconcile a file with the total row its DMS wrote under the data.

A profile's `control_total` names what the total row states: the number of data rows
(`共99筆`) and the sums of amount columns. A file that does not reconcile is rejected as a
whole with the file rule `control_total_mismatch` (rows were lost or added on the way).
"""

from __future__ import annotations

import re

from ingestion.mapping import header_mapping
from ingestion.normalize import normalize_label
from ingestion.parsing.numbers import parse_number_text
from ingestion.readers.base import RawTable
from ingestion.registry.schema import DialectProfile

RULE = "control_total_mismatch"
CENT = 0.005


def _amount(text: str, strip: tuple[str, ...], tokens: set[str]) -> float | None:
    value = text.strip()
    if not value or normalize_label(value) in tokens:
        return 0.0
    return parse_number_text(value, strip)


def control_total_problem(
    feed: str, profile: DialectProfile, table: RawTable
) -> tuple[str, str] | None:
    """(rule, reason) when the file does not reconcile with its total row, else None."""
    spec = profile.control_total_for(feed)
    if spec is None:
        return None
    if not table.total_rows:
        if spec.required:
            return RULE, "the file has no total row to reconcile with (control_total.required)"
        return None
    total = table.total_rows[-1]
    problems: list[str] = []
    if spec.row_count:
        pattern = re.compile(normalize_label(spec.row_count))
        found = next((m for c in total if (m := pattern.search(normalize_label(c)))), None)
        if found is None:
            problems.append(f"the total row states no row count ({spec.row_count!r})")
        elif int(found.group("n")) != table.num_rows:
            problems.append(
                f"the total row states {int(found.group('n'))} rows, the file has "
                f"{table.num_rows} data rows"
            )
    columns, _ = header_mapping(feed, profile)
    position = {columns[h]: i for i, h in enumerate(table.header) if h in columns}
    strip = tuple(profile.number_strip)
    null_tokens = profile.null_tokens_for(feed)
    arrays = table.column_arrays() if spec.sums else []
    for column in spec.sums:
        i = position.get(column)
        if i is None:
            problems.append(f"{column}: no column of the file maps to it")
            continue
        tokens = {normalize_label(t) for t in null_tokens.get(column, ())}
        stated = _amount(total[i] if i < len(total) else "", strip, tokens)
        if stated is None:
            problems.append(f"{column}: the total row's cell {total[i]!r} is not a number")
            continue
        cells = arrays[i].to_pylist()
        values = [_amount(c or "", strip, tokens) for c in cells]
        bad = [n for n, v in enumerate(values, start=1) if v is None]
        if bad:
            problems.append(f"{column}: data row {bad[0]} cannot be summed ({cells[bad[0] - 1]!r})")
            continue
        actual = sum(v for v in values if v is not None)
        if abs(actual - stated) > CENT:
            problems.append(
                f"{column}: the total row states {stated:,.2f}, the data rows sum to {actual:,.2f}"
            )
    if problems:
        return RULE, "; ".join(problems)
    return None
