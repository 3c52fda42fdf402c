"""Encoding rule: strict UTF-8 (with or without BOM), else strict GB18030, else reject."""

from __future__ import annotations

import re

from ingestion.readers.base import FileReadError

_REEXPORT = "re-export it as UTF-8 CSV"


def decode_bytes(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Return (text, encoding used). Raises FileReadError('undecodable') if nothing fits."""
    if encoding not in ("auto", "utf-8", "gb18030", "gbk"):
        raise FileReadError("undecodable", f"unsupported encoding setting {encoding!r}")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FileReadError("undecodable", f"file is UTF-16 text (byte-order mark); {_REEXPORT}")
    if b"\x00" in data:
        raise FileReadError(
            "undecodable",
            f"file contains NUL bytes: binary data or UTF-16 without a byte-order mark; {_REEXPORT}",
        )
    candidates = ["utf-8", "gb18030"] if encoding == "auto" else [encoding]
    for name in candidates:
        try:
            if name == "utf-8":
                text = data.decode("utf-8")
                return (text[1:], "utf-8-sig") if text.startswith("\ufeff") else (text, "utf-8")
            text = data.decode("gb18030" if name == "gbk" else name)
        except UnicodeDecodeError:
            continue
        if encoding == "auto":
            _refuse_mixed(data)
        return text, "gb18030"
    raise FileReadError(
        "undecodable",
        f"file is neither valid UTF-8 nor valid GB18030/GBK text; {_REEXPORT}",
    )


_NON_ASCII = re.compile(rb"[\x80-\xff]")
UTF8_EVIDENCE = 2
"""Non-ASCII characters a line needs, valid as UTF-8, to count as a UTF-8 line (a short
run of GBK bytes can be valid UTF-8 by chance)."""


def _refuse_mixed(data: bytes) -> None:
    """A file that is not UTF-8 as a whole but has UTF-8 lines with Chinese text mixes two
    encodings: decoding it as GB18030 would store the UTF-8 lines as mojibake."""
    utf8_line = other_line = 0
    for number, line in enumerate(data.split(b"\n"), 1):
        if not _NON_ASCII.search(line):
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or number
            continue
        if sum(1 for ch in decoded if ord(ch) > 127) >= UTF8_EVIDENCE:
            utf8_line = utf8_line or number
    if utf8_line and other_line:
        raise FileReadError(
            "undecodable",
            f"file mixes encodings: line {utf8_line} is UTF-8, line {other_line} is not "
            f"(GBK?); {_REEXPORT}",
        )
