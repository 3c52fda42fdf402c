"""Excel (.xlsx) -> RawTable via python-calamine; every cell rendered as text."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


def _floats_text(values: list[float]) -> list[str]:
    """cell_text of many floats at once: whole numbers by Arrow, the rest by repr()."""
    arr = np.asarray(values, dtype=np.float64)
    whole = (np.floor(arr) == arr) & (np.abs(arr) < 1e15)
    out = np.empty(len(values), dtype=object)
    out[~whole] = list(map(repr, arr[~whole].tolist()))
    out[whole] = pc.cast(pa.array(arr[whole].astype(np.int64)), pa.string()).to_pylist()
    return out.tolist()  # type: ignore[no-any-return]


def _datetimes_text(values: list[dt.datetime]) -> list[str]:
    """cell_text of many date-times at once: rounded to the minute by Arrow."""
    arr = pa.array(values, pa.timestamp("us"))
    return pc.strftime(pc.round_temporal(arr, unit="minute"), format="%Y-%m-%d %H:%M").to_pylist()


_BULK = {float: _floats_text, dt.datetime: _datetimes_text}


def column_text(col: tuple[object, ...]) -> list[str]:
    """Every cell of one sheet column as text: numbers and date-times converted in bulk,
    text kept, any other cell type one by one (same result as cell_text per cell)."""
    kinds = set(map(type, col))
    if kinds == {str}:
        return list(col)  # type: ignore[arg-type]
    out: list[object] = list(col)
    for kind in kinds - {str}:
        where = [i for i, v in enumerate(col) if type(v) is kind]
        bulk = _BULK.get(kind)
        texts = bulk([col[i] for i in where]) if bulk else [cell_text(col[i]) for i in where]  # type: ignore[arg-type]
        for i, text in zip(where, texts, strict=True):
            out[i] = text
    return out  # type: ignore[return-value]


def _pad(row: list[object], width: int) -> list[object]:
    return row if len(row) == width else row + [""] * (width - len(row))


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
    width = max((len(row) for row in values), default=0)
    columns = [column_text(col) for col in zip(*(_pad(row, width) for row in values), strict=True)]
    records = [list(rec) for rec in zip(*columns, strict=True) if any(rec)]
    table = finish_table(records, header_row, header_hints, total_markers)
    table.encoding = "xlsx"
    return table
