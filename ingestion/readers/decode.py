"""Encoding rule: strict UTF-8 (with or without BOM), else strict GB18030, else reject."""

from __future__ import annotations

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
            return data.decode("gb18030" if name == "gbk" else name), "gb18030"
        except UnicodeDecodeError:
            continue
    raise FileReadError(
        "undecodable",
        f"file is neither valid UTF-8 nor valid GB18030/GBK text; {_REEXPORT}",
    )
