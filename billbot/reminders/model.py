"""The gate's inputs as plain data: the message, the user's preferences, history and channels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

from billbot.clock import zone
from billbot.reminders.quiet_hours import QuietHours

if TYPE_CHECKING:
    from channels import Capabilities

__all__ = [
    "ACTIVE_CHAT",
    "DEFAULT_DAILY_CAP",
    "DEFAULT_WEEKLY_CAP",
    "STOP_CONFIRMATION",
    "Category",
    "ChannelState",
    "ContactPrefs",
    "PendingMessage",
    "Priority",
    "SentContact",
    "require_utc",
]

DEFAULT_DAILY_CAP = 3
DEFAULT_WEEKLY_CAP = 10
# A user who wrote within this long is "actively chatting": replies ignore quiet hours.
ACTIVE_CHAT = timedelta(minutes=30)
# The one scenario STOP lets through, on the channel where the user sent STOP.
STOP_CONFIRMATION = "stop_confirmation"


class Category(StrEnum):
    """What kind of contact a message is; the rules differ by kind."""

    REPAYMENT = "repayment"
    SPENDING = "spending"
    DIGEST = "digest"
    SECURITY = "security"
    REPLY = "reply"


class Priority(IntEnum):
    """How urgent a message is; a low-priority message that may fold never waits for a cap."""

    LOW = 0
    NORMAL = 1
    HIGH = 2


def require_utc(at: datetime, what: str = "instant") -> datetime:
    """`at` as UTC; a naive datetime is a bug in the caller, so it is refused."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {at!r}")
    return at.astimezone(UTC)


def _set_utc(instance: Any, name: str) -> None:
    value = getattr(instance, name)
    if value is not None:
        object.__setattr__(instance, name, require_utc(value, name))


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """One outbound message offered to the gate; `channel` pins it (a reply goes where asked)."""

    scenario: str
    category: Category
    debt_key: str | None = None
    priority: Priority = Priority.NORMAL
    foldable: bool = False
    not_before: datetime | None = None
    expires_at: datetime | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", Category(self.category))
        object.__setattr__(self, "priority", Priority(self.priority))
        _set_utc(self, "not_before")
        _set_utc(self, "expires_at")
        if self.category == Category.REPAYMENT and not self.debt_key:
            raise ValueError("a repayment message needs the debt_key it is about")

    @property
    def is_stop_confirmation(self) -> bool:
        """Whether this is the confirmation of the user's STOP."""
        return self.scenario == STOP_CONFIRMATION


@dataclass(frozen=True, slots=True)
class SentContact:
    """One message that actually went out to the user."""

    sent_at: datetime
    channel: str
    category: Category
    scenario: str
    debt_key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", Category(self.category))
        _set_utc(self, "sent_at")


@dataclass(frozen=True, slots=True)
class ContactPrefs:
    """A user's contact settings; caps above the defaults count as the defaults (only lowering)."""

    time_zone: str = "UTC"
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    daily_cap: int = DEFAULT_DAILY_CAP
    weekly_cap: int = DEFAULT_WEEKLY_CAP
    channel_order: tuple[str, ...] = ()
    opted_out_channels: frozenset[str] = frozenset()
    stopped_at: datetime | None = None
    snoozes: Mapping[str, datetime] = field(default_factory=dict)
    disabled_scenarios: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        zone(self.time_zone)
        if self.daily_cap < 0 or self.weekly_cap < 0:
            raise ValueError("contact caps cannot be negative")
        _set_utc(self, "stopped_at")
        snoozes = {k: require_utc(v, f"snooze of {k}") for k, v in self.snoozes.items()}
        object.__setattr__(self, "snoozes", snoozes)
        object.__setattr__(self, "channel_order", tuple(self.channel_order))
        object.__setattr__(self, "opted_out_channels", frozenset(self.opted_out_channels))
        object.__setattr__(self, "disabled_scenarios", frozenset(self.disabled_scenarios))

    @property
    def stopped(self) -> bool:
        """Whether the user has sent STOP (and not START since)."""
        return self.stopped_at is not None

    @property
    def effective_daily_cap(self) -> int:
        """The per-local-day nudge cap actually applied."""
        return min(self.daily_cap, DEFAULT_DAILY_CAP)

    @property
    def effective_weekly_cap(self) -> int:
        """The rolling seven-day nudge cap actually applied."""
        return min(self.weekly_cap, DEFAULT_WEEKLY_CAP)

    def snoozed_until(self, scenario: str, at: datetime) -> datetime | None:
        """When the snooze on `scenario` ends, if it is still running at `at`."""
        until = self.snoozes.get(scenario)
        return until if until is not None and at < until else None


@dataclass(frozen=True, slots=True)
class ChannelState:
    """One of the user's channels: link, opt-out, last inbound message and session-window rules."""

    name: str
    linked: bool = True
    opted_out: bool = False
    last_inbound_at: datetime | None = None
    session_window: timedelta | None = None
    templates_outside_window: bool = False

    def __post_init__(self) -> None:
        _set_utc(self, "last_inbound_at")

    @classmethod
    def from_capabilities(
        cls,
        name: str,
        capabilities: Capabilities,
        *,
        linked: bool = True,
        opted_out: bool = False,
        last_inbound_at: datetime | None = None,
    ) -> ChannelState:
        """The state of a channel whose rules come from its adapter's declared capabilities."""
        return cls(
            name=name,
            linked=linked,
            opted_out=opted_out,
            last_inbound_at=last_inbound_at,
            session_window=capabilities.session_window,
            templates_outside_window=capabilities.templates_outside_window,
        )

    def window_open(self, now: datetime) -> bool:
        """Whether a free-form message may go now (no window, or the user wrote recently enough)."""
        if self.session_window is None:
            return True
        if self.last_inbound_at is None:
            return False
        return now - self.last_inbound_at < self.session_window

    def can_send(self, now: datetime) -> bool:
        """Whether anything may go now: inside the window, or a template outside it."""
        return self.templates_outside_window or self.window_open(now)

    def requires_template(self, now: datetime) -> bool:
        """Whether only an approved template may go now (WhatsApp outside its 24-hour window)."""
        return not self.window_open(now)

    def active_chat(self, now: datetime) -> bool:
        """Whether the user wrote on this channel within the last `ACTIVE_CHAT`."""
        if self.last_inbound_at is None:
            return False
        return timedelta(0) <= now - self.last_inbound_at < ACTIVE_CHAT
