"""What each channel can do, declared as data so the core never branches on a channel's name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from channels._messages import Markup

__all__ = [
    "ButtonFallback",
    "ButtonLimits",
    "Capabilities",
    "Overflow",
    "RateLimits",
    "TextMeasure",
]


class Overflow(StrEnum):
    """What to do with text longer than the channel allows."""

    SPLIT = "split"
    TRUNCATE = "truncate"


class TextMeasure(StrEnum):
    """How the channel counts a text's length."""

    CHARACTERS = "characters"
    SMS_SEGMENTS = "sms_segments"


class ButtonFallback(StrEnum):
    """What happens to buttons a channel cannot show."""

    NUMBERED_TEXT = "numbered_text"
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class ButtonLimits:
    """Button support: 0 `max_count` means none (the fallback applies)."""

    max_count: int = 0
    max_title_length: int | None = None
    max_id_bytes: int | None = None
    max_text_length: int | None = None
    fallback: ButtonFallback = ButtonFallback.NUMBERED_TEXT


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Documented sending rates in messages per second (None: not published)."""

    per_chat: float | None = None
    global_: float | None = None


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Everything the core needs to know to render and schedule for one channel."""

    max_text_length: int | None
    overflow: Overflow = Overflow.SPLIT
    measure: TextMeasure = TextMeasure.CHARACTERS
    max_segments: int | None = None
    ellipsis: str = "…"
    buttons: ButtonLimits = field(default_factory=ButtonLimits)
    markup: Markup = Markup.PLAIN
    rate_limits: RateLimits = field(default_factory=RateLimits)
    session_window: timedelta | None = None
    templates_outside_window: bool = False
    supports_templates: bool = False
    supports_subject: bool = False
    supports_html: bool = False
    inbound: bool = True

    @property
    def supports_buttons(self) -> bool:
        """Whether real buttons (not a text fallback) can be shown."""
        return self.buttons.max_count > 0

    def window_open(self, last_inbound_at: datetime | None, now: datetime) -> bool:
        """Whether a free-form message may go out now, given the user's last inbound message."""
        if self.session_window is None:
            return True
        if last_inbound_at is None:
            return False
        return now - last_inbound_at < self.session_window

    def requires_template(self, last_inbound_at: datetime | None, now: datetime) -> bool:
        """Whether only an approved template may be sent now (WhatsApp outside its window)."""
        return self.templates_outside_window and not self.window_open(last_inbound_at, now)

    def can_send(self, last_inbound_at: datetime | None, now: datetime, *, template: bool) -> bool:
        """Whether any message (a template if `template`) may be sent now."""
        if self.window_open(last_inbound_at, now):
            return True
        return template and self.templates_outside_window
