"""Text handling shared by every adapter: length measuring, splitting, truncation, button fallback.

Each adapter calls `render_message` with its own `Capabilities`; nothing here knows a provider.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from channels._capabilities import ButtonFallback, Capabilities, Overflow, TextMeasure
from channels._messages import Button, Markup, OutboundMessage
from channels.errors import FailureReason, PermanentError

__all__ = [
    "RenderedMessage",
    "SmsLength",
    "escape_text",
    "fits_function",
    "numbered_options",
    "render_message",
    "sms_length",
    "split_text",
    "truncate_text",
]

Fits = Callable[[str], bool]

# GSM 03.38 default alphabet (one septet each) and its extension table (escape + one septet).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

# Boundaries tried in order: paragraphs, lines, sentences, words; a hard cut is the last resort.
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n"),
    re.compile(r"[.!?…]+[\"')\]]*\s+|[。！？；]+"),
    re.compile(r"\s+"),
)

_OPTION_PHRASES = {
    "en": ("Reply ", "{n} for {title}", ", ", "."),
    "zh": ("请回复数字：", "{n} {title}", "；", "。"),
}


@dataclass(frozen=True, slots=True)
class SmsLength:
    """How an SMS body is encoded and how many segments it costs."""

    encoding: str
    units: int
    segments: int


def sms_length(text: str) -> SmsLength:
    """Measure an SMS body: GSM-7 (160, or 153 per segment) or UCS-2 (70, or 67 per segment)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / multi)
    return SmsLength(encoding=encoding, units=units, segments=segments)


def fits_function(capabilities: Capabilities, limit: int | None = None) -> Fits:
    """A predicate telling whether a text fits one message of the channel (and `limit` chars)."""
    limits = [n for n in (capabilities.max_text_length, limit) if n is not None]
    max_chars = min(limits) if limits else None
    max_segments = capabilities.max_segments

    def fits(text: str) -> bool:
        if max_chars is not None and len(text) > max_chars:
            return False
        if capabilities.measure is TextMeasure.SMS_SEGMENTS and max_segments is not None:
            return sms_length(text).segments <= max_segments
        return True

    return fits


def _units(text: str, boundary: re.Pattern[str]) -> list[str]:
    """Cut `text` after every boundary match, keeping the separators with the preceding unit."""
    units, start = [], 0
    for match in boundary.finditer(text):
        if match.end() > start:
            units.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        units.append(text[start:])
    return units


def _longest_prefix(text: str, fits: Fits, suffix: str = "") -> int:
    """The largest n such that `text[:n] + suffix` fits (binary search; fits is monotonic)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle] + suffix):
            low = middle
        else:
            high = middle - 1
    return low


def _split(text: str, fits: Fits, level: int) -> list[str]:
    if fits(text):
        return [text] if text else []
    if level == len(_BOUNDARIES):
        cut = max(_longest_prefix(text, fits), 1)
        return [text[:cut], *_split(text[cut:].strip(), fits, level)]
    units = _units(text, _BOUNDARIES[level])
    if len(units) == 1:
        return _split(text, fits, level + 1)
    chunks: list[str] = []
    current = ""
    for unit in units:
        if fits((current + unit).strip()):
            current += unit
            continue
        if current.strip():
            chunks.append(current.strip())
        if fits(unit.strip()):
            current = unit
        else:
            chunks.extend(_split(unit.strip(), fits, level + 1))
            current = ""
    if current.strip():
        chunks.append(current.strip())
    return chunks


def split_text(text: str, fits: Fits) -> list[str]:
    """Split on paragraph, then line, sentence and word boundaries so every part fits."""
    return _split(text.strip(), fits, 0)


def truncate_text(text: str, fits: Fits, ellipsis: str = "…") -> str:
    """Shorten `text` to fit, ending with `ellipsis`, cutting at a word boundary when close by."""
    text = text.strip()
    if fits(text):
        return text
    cut = _longest_prefix(text, fits, ellipsis)
    space = text.rfind(" ", 0, cut + 1)
    if space > 0 and cut - space <= 20:
        cut = space
    return text[:cut].rstrip(" \t\n,;:.。，；") + ellipsis


def escape_text(text: str, markup: Markup) -> str:
    """Escape plain `text` so it shows literally inside a message formatted with `markup`."""
    if markup in (Markup.TELEGRAM_HTML, Markup.HTML):
        return html.escape(text, quote=False)
    if markup is Markup.TELEGRAM_MARKDOWN_V2:
        return re.sub(r"([_*\[\]()~`>#+\-=|{}.!\\])", r"\\\1", text)
    if markup is Markup.SLACK_MRKDWN:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def numbered_options(buttons: tuple[Button, ...], locale: str = "en") -> str:
    """Buttons as a text prompt for channels without them: "Reply 1 for Pay, 2 for Later."."""
    key = "zh" if locale.lower().startswith("zh") else "en"
    prefix, item, separator, end = _OPTION_PHRASES[key]
    items = (item.format(n=n, title=b.title) for n, b in enumerate(buttons, start=1))
    return prefix + separator.join(items) + end


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """The parts to send in order; native `buttons` go on the last part."""

    parts: tuple[str, ...]
    buttons: tuple[Button, ...]


def _shorten(title: str, limit: int | None, ellipsis: str) -> str:
    if limit is None or len(title) <= limit:
        return title
    return title[: limit - len(ellipsis)].rstrip() + ellipsis


def _plan_buttons(message: OutboundMessage, caps: Capabilities) -> tuple[tuple[Button, ...], str]:
    """Native buttons (titles shortened to fit) or a text fallback when they cannot be shown."""
    limits = caps.buttons
    if not message.buttons:
        return (), ""
    if len(message.buttons) > limits.max_count:
        if limits.fallback is ButtonFallback.DROP:
            return (), ""
        return (), escape_text(numbered_options(message.buttons, message.locale), message.markup)
    for button in message.buttons:
        if not button.id or (
            limits.max_id_bytes is not None and len(button.id.encode()) > limits.max_id_bytes
        ):
            raise PermanentError(
                FailureReason.INVALID_MESSAGE,
                f"button id {button.id!r} must be 1 to {limits.max_id_bytes} bytes",
            )
    native = tuple(
        Button(b.id, _shorten(b.title, limits.max_title_length, caps.ellipsis))
        for b in message.buttons
    )
    return native, ""


def render_message(message: OutboundMessage, capabilities: Capabilities) -> RenderedMessage:
    """Fit a message to a channel: buttons or their fallback, then split or truncate the text."""
    caps = capabilities
    buttons, suffix = _plan_buttons(message, caps)
    fits = fits_function(caps)
    last_fits = fits_function(caps, caps.buttons.max_text_length) if buttons else fits
    separator = "\n\n"
    body = message.text.strip()
    if caps.overflow is Overflow.TRUNCATE:
        tail = separator + suffix if suffix and body else suffix
        parts = [truncate_text(body, lambda s: last_fits(s + tail), caps.ellipsis) + tail]
    else:
        parts = split_text(body, fits)
        if suffix:
            if parts and fits(parts[-1] + separator + suffix):
                parts[-1] += separator + suffix
            else:
                parts.extend(split_text(suffix, fits))
        if parts and not last_fits(parts[-1]):
            parts[-1:] = split_text(parts[-1], last_fits)
    parts = [part for part in parts if part.strip()]
    if not parts:
        raise PermanentError(FailureReason.INVALID_MESSAGE, "message text is empty")
    return RenderedMessage(parts=tuple(parts), buttons=buttons)
