"""Bytes to text for the line-based formats (CSV, QIF), whatever the exporting bank chose."""

from __future__ import annotations

import codecs

from billbot.imports.errors import ImportFileError

# Header words that only make sense in a Chinese export; seeing one after a GB18030 decode is
# strong evidence the guess was right (Alipay and most mainland banks export GBK).
_CHINESE_HINTS = ("日期", "金额", "交易", "摘要", "商户", "币种", "收/支", "对方", "余额")


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """Decode an export: UTF-16/UTF-8, else GB18030 if it reads as Chinese, else CP1252."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ImportFileError(
                f"{encoding!r} is not a known text encoding", code="import.bad_encoding"
            ) from exc
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"the file is not valid {encoding} text (byte {exc.start})",
                code="import.bad_encoding",
            ) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "the file starts like UTF-16 text but is not", code="import.bad_encoding"
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        chinese = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        head = chinese[:4096]
        if any(hint in head for hint in _CHINESE_HINTS):
            return chinese
    return decode_western(data)


def decode_western(data: bytes) -> str:
    """CP1252, keeping the five bytes it leaves undefined as their Latin-1 characters."""
    # Files labelled ISO-8859-1 are nearly always CP1252 in practice (the euro sign, curly
    # quotes); Latin-1 would turn those bytes into invisible control characters.
    return data.decode("cp1252", errors="billbot_latin1_fallback")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return bytes(chunk).decode("latin-1"), error.end


codecs.register_error("billbot_latin1_fallback", _latin1_fallback)
