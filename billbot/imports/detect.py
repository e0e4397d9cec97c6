"""Which format an upload is, judged by its content; the file name only breaks ties."""

from __future__ import annotations

import codecs
import re

from billbot.imports.errors import ImportFileError

# The OFX root or v2 processing instruction, at the start of a line or right after another tag
# (one-line files); a CSV description that merely mentions "<OFX>" is not a marker.
_OFX_MARKERS = re.compile(rb"(?:^|[\r\n>])[ \t]*<(?:\?OFX|OFX\s*>)", re.IGNORECASE)
_OFX_AGGREGATES = re.compile(rb"<(STMTTRN|BANKTRANLIST|STMTRS|CCSTMTRS|INVSTMTRS)>", re.IGNORECASE)
_QIF_HEADERS = (b"!TYPE:", b"!ACCOUNT", b"!OPTION:", b"!CLEAR:")
# Formats people upload by mistake, with what to do instead.
_BINARY_MAGIC = (
    (b"PK\x03\x04", "a spreadsheet or archive (save it as CSV first)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel spreadsheet (save it as CSV first)"),
    (b"%PDF", "a PDF (download the CSV, OFX or QIF export instead)"),
)


def detect_format(data: bytes, filename: str | None = None) -> str:
    """ "ofx", "qif" or "csv" for the upload, or ImportFileError import.unknown_format."""
    head = data[:65536]
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise ImportFileError(
                f"the file is {what}; billbot reads CSV, OFX/QFX and QIF",
                code="import.unknown_format",
            )
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in head:
        raise ImportFileError(
            "the file is binary, not a CSV, OFX/QFX or QIF export", code="import.unknown_format"
        )
    text = _ascii_view(head)
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), b"")
    if first_line.upper().startswith(_QIF_HEADERS):
        return "qif"
    if text.lstrip().upper().startswith(b"OFXHEADER") or _OFX_MARKERS.search(text):
        return "ofx"
    extension = (filename or "").rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    if extension in ("ofx", "qfx", "qbo") and _OFX_AGGREGATES.search(text):
        return "ofx"
    if extension == "qif" and any(line.strip() == b"^" for line in text.splitlines()):
        return "qif"
    return "csv"


def _ascii_view(head: bytes) -> bytes:
    """The head with any BOM removed and UTF-16 narrowed, enough to look for ASCII markers."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    return head.removeprefix(codecs.BOM_UTF8)
