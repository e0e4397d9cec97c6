"""The languages billbot writes its reports and explanations in, and how a locale maps to one."""

from __future__ import annotations


def language_of(locale: str) -> str:
    """`zh-CN` for any Chinese locale (`zh`, `zh-CN`, `zh_Hans` ...), otherwise English."""
    return "zh-CN" if locale.lower().startswith("zh") else "en"
