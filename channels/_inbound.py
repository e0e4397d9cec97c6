"""Inbound webhooks: a framework-neutral request, the handshake answer and normalised events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypedDict
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "ButtonPressed",
    "DeliveryState",
    "DeliveryStatus",
    "HandshakeResponse",
    "Headers",
    "HelpRequested",
    "Ignored",
    "InboundEvent",
    "InboundRequest",
    "OptIn",
    "OptOut",
    "TextReceived",
]


class Headers(Mapping[str, str]):
    """Read-only HTTP headers with case-insensitive lookup (the first value wins)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            self._items.setdefault(name.lower(), (name, value))

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True, slots=True)
class InboundRequest:
    """A webhook request as received: `url` is used verbatim (Twilio signs it as sent)."""

    method: str
    url: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):
            object.__setattr__(self, "headers", Headers(self.headers))
        if not self.query:
            parsed = dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))
            object.__setattr__(self, "query", parsed)
        object.__setattr__(self, "method", self.method.upper())

    def form(self) -> list[tuple[str, str]]:
        """The body decoded as `application/x-www-form-urlencoded`, order and repeats kept."""
        return parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)


@dataclass(frozen=True, slots=True)
class HandshakeResponse:
    """What to answer a provider's subscription handshake with."""

    status: int
    body: str = ""
    content_type: str = "text/plain"


class DeliveryState(StrEnum):
    """Normalised delivery states reported by status webhooks."""

    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class Origin(TypedDict):
    """Who sent an inbound message and where: the fields every user event shares."""

    sender: str
    provider_message_id: str
    chat_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TextReceived:
    """The user wrote something."""

    sender: str
    text: str
    provider_message_id: str
    chat_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ButtonPressed:
    """The user pressed a button or quick reply we sent; `callback_id` must be acknowledged."""

    sender: str
    button_id: str
    provider_message_id: str
    chat_id: str
    at: datetime
    title: str | None = None
    callback_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """The provider reports what happened to a message we sent."""

    provider_message_id: str
    status: DeliveryState
    error: str | None = None
    recipient: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OptOut:
    """The user asked to stop receiving messages (STOP, UNSUBSCRIBE, 退订, blocking the bot ...)."""

    sender: str
    keyword: str
    provider_message_id: str
    chat_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class OptIn:
    """The user asked to receive messages again (START, UNSTOP, 订阅 ...)."""

    sender: str
    keyword: str
    provider_message_id: str
    chat_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class HelpRequested:
    """The user sent a help keyword (HELP, INFO, 帮助); carriers expect an answer."""

    sender: str
    keyword: str
    provider_message_id: str
    chat_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Ignored:
    """Something the bot does not act on (edits, reactions, template updates, calls ...)."""

    reason: str
    provider_message_id: str | None = None


InboundEvent = (
    TextReceived | ButtonPressed | DeliveryStatus | OptOut | OptIn | HelpRequested | Ignored
)
