"""Excel (.xlsx) -> RawTable via python-calamine; every cell rendered as text."""

from __future__ import annotations

import datetime as dt
import io

import python_calamine

from ingestion.readers.base import FileReadError, RawTable
from ingestion.readers.table_shape import finish_table

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _minute(value: dt.datetime) -> dt.datetime:
    rounded = value.replace(second=0, microsecond=0)
    if value.second * 1_000_000 + value.microsecond >= 30_000_000:
        rounded += dt.timedelta(minutes=1)
    return rounded


def _float_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _datetime_text(value: dt.datetime) -> str:
    if value.second or value.microsecond:
        value = _minute(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


def cell_text(value: object) -> str:
    """Render one calamine cell as text: numbers without float noise, date-times to the minute."""
    kind = type(value)  # exact types first: the common cells are amounts and date-times
    if kind is float:
        return _float_text(value)  # type: ignore[arg-type]
    if kind is dt.datetime:
        return _datetime_text(value)  # type: ignore[arg-type]
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        return _datetime_text(_EXCEL_EPOCH + value)
    return str(value)


def read_xlsx_bytes(
    data: bytes,
    header_row: int | None = None,
    header_hints: frozenset[str] = frozenset(),
    total_markers: tuple[str, ...] = (),
    sheet: int = 0,
) -> RawTable:
    try:
        workbook = python_calamine.load_workbook(io.BytesIO(data))
        values = workbook.get_sheet_by_index(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several error types for broken files
        raise FileReadError("unparseable", f"Excel file cannot be opened: {exc}") from exc
    records = []
    for row in values:
        rec = [c if isinstance(c, str) else cell_text(c) for c in row]
        if any(rec):
            records.append(rec)
    table = finish_table(records, header_row, header_hints, total_markers)
    table.encoding = "xlsx"
    return table
