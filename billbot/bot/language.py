"""Which language to answer in: the message's own (Chinese characters or Latin words), else the
borrower's setting."""

from __future__ import annotations

import re

from billbot.categorize.taxonomy import resolve_locale

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect(text: str | None, *, fallback: str | None = None) -> str:
    """`zh-CN` when the text has Chinese characters, `en` when it has Latin words, else `fallback`.

    Digits, emoji, punctuation and button presses say nothing about a language: they get the
    borrower's own locale (`fallback`, resolved to `en` or `zh-CN`).
    """
    if text:
        if _HAN.search(text):
            return "zh-CN"
        if _LATIN_WORD.search(text):
            return "en"
    return resolve_locale(fallback)
