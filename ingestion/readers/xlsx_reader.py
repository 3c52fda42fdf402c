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


_ARROW_REPR = (1e-3, 1e9)
"""|x| range where Arrow's float-to-text equals Python's repr (checked on 3.9 M values);
outside it Arrow switches to exponents earlier than repr does."""


def _floats_text(values: list[float]) -> list[str]:
    """cell_text of many floats at once: whole numbers by Arrow's integer cast, fractions in
    the common range by Arrow's shortest round-trip text, the rest by repr()."""
    arr = np.asarray(values, dtype=np.float64)
    out = np.empty(len(values), dtype=object)
    with np.errstate(invalid="ignore"):
        whole = (np.floor(arr) == arr) & (np.abs(arr) < 1e15)
        plain = ~whole & (np.abs(arr) >= _ARROW_REPR[0]) & (np.abs(arr) < _ARROW_REPR[1])
    rest = ~whole & ~plain
    out[whole] = pc.cast(pa.array(arr[whole].astype(np.int64)), pa.string()).to_pylist()
    out[plain] = pc.cast(pa.array(arr[plain]), pa.string()).to_pylist()
    out[rest] = list(map(repr, arr[rest].tolist()))
    return out.tolist()  # type: ignore[no-any-return]


_MINUTE_US = 60_000_000


def _datetimes_text(values: list[dt.datetime]) -> list[str]:
    """cell_text of many date-times at once: to the minute (half up) in integer
    microseconds, then numpy's ISO text with the 'T' replaced by a space."""
    micros = pa.array(values, pa.timestamp("us")).to_numpy(zero_copy_only=False).astype(np.int64)
    minutes = ((micros + _MINUTE_US // 2) // _MINUTE_US * _MINUTE_US).astype("datetime64[us]")
    text = np.datetime_as_string(minutes, unit="m")  # 'YYYY-MM-DDTHH:MM', fixed width
    if text.dtype.itemsize == 16 * 4 and len(text):
        chars = text.view(np.uint32).reshape(len(text), 16)
        chars[:, 10] = ord(" ")
        return text.tolist()  # type: ignore[no-any-return]
    return [t.replace("T", " ") for t in text.tolist()]


_BULK = {float: _floats_text, dt.datetime: _datetimes_text}
_type_of = np.frompyfunc(type, 1, 1)


def sheet_text(rows: list[list[object]]) -> list[list[str]]:
    """Every cell of a sheet as text, rows padded to the widest: numbers and date-times are
    converted in bulk over the whole sheet, text kept, any other cell type one by one (the
    same result as cell_text per cell)."""
    width = max((len(row) for row in rows), default=0)
    grid = np.full((len(rows), width), "", dtype=object)
    for i, row in enumerate(rows):
        grid[i, : len(row)] = row
    kinds = _type_of(grid)
    todo = np.not_equal(kinds, str)  # elementwise over the type of each cell
    for kind, bulk in _BULK.items():
        mask = np.equal(kinds, kind)
        if mask.any():
            grid[mask] = bulk(grid[mask].tolist())
            todo &= ~mask
    if todo.any():
        grid[todo] = [cell_text(v) for v in grid[todo].tolist()]
    return grid.tolist()  # type: ignore[no-any-return]


def read_sheet_records(data: bytes, sheet: int = 0) -> list[list[str]]:
    """The non-blank rows of a workbook's sheet, every cell as text."""
    try:
        workbook = python_calamine.load_workbook(io.BytesIO(data))
        values = workbook.get_sheet_by_index(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several error types for broken files
        raise FileReadError("unparseable", f"Excel file cannot be opened: {exc}") from exc
    return [rec for rec in sheet_text(values) if any(rec)]


def read_xlsx_bytes(
    data: bytes,
    header_row: int | None = None,
    header_hints: frozenset[str] = frozenset(),
    total_markers: tuple[str, ...] = (),
    sheet: int = 0,
) -> RawTable:
    records = read_sheet_records(data, sheet)
    table = finish_table(records, header_row, header_hints, total_markers)
    table.encoding = "xlsx"
    return table
