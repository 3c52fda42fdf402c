"""What a file is, from its first bytes: the reader follows the content, not the name."""

from __future__ import annotations

import io
import zipfile
from typing import Literal

from ingestion.readers.base import FileReadError

Kind = Literal["text", "xlsx"]

# (magic bytes, what the file is): binary formats no reader of this project opens
_FOREIGN = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Excel 97-2003 (.xls) or other OLE2 document"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


def sniff(data: bytes) -> Kind:
    """`xlsx` for an Office Open XML workbook, `text` for anything to decode as CSV.

    Raises FileReadError naming what the file is: `unparseable` for a damaged or truncated
    zip (workbook), `unsupported_format` for a zip that holds no workbook or another binary
    format."""
    if data.startswith(_ZIP):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile as exc:
            raise FileReadError(
                "unparseable",
                f"file is a damaged or truncated zip archive ({exc}); re-export the workbook",
            ) from exc
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        listed = ", ".join(sorted(names)[:3]) or "nothing"
        raise FileReadError(
            "unsupported_format",
            f"file is a zip archive, not an Excel workbook (it holds {listed}); "
            "send the .xlsx export itself or a UTF-8 CSV",
        )
    for magic, what in _FOREIGN:
        if data.startswith(magic):
            raise FileReadError(
                "unsupported_format", f"file is {what}, not CSV text or an .xlsx workbook"
            )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "text"  # UTF-16 with a byte-order mark: decode_bytes names it
    return "text"
