"""The one interface every channel adapter implements, and the HTTP plumbing they share."""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, ClassVar, Self

import httpx

from channels._capabilities import Capabilities
from channels._inbound import HandshakeResponse, Ignored, InboundEvent, InboundRequest
from channels._messages import OutboundMessage, SendResult
from channels._transport import SpreadTransport
from channels.errors import (
    DeliveryError,
    FailureReason,
    PermanentError,
    RateLimited,
    SignatureError,
    TransientError,
)
from channels.text import RenderedMessage, render_message

__all__ = ["DEFAULT_TIMEOUT", "Channel", "Clock", "HttpChannel", "utc_now"]

Clock = Callable[[], datetime]
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_CONNECTIONS = 32  # per adapter, opened only as concurrent sends need them


def utc_now() -> datetime:
    """The current time as an aware UTC datetime (the default clock)."""
    return datetime.now(UTC)


class Channel(ABC):
    """A messaging provider: send rendered messages, authenticate and parse its webhooks."""

    name: ClassVar[str]
    capabilities: Capabilities
    settings_class: ClassVar[type[Any]]

    def __init__(self, *, clock: Clock = utc_now) -> None:
        self._clock = clock

    @abstractmethod
    async def send(self, message: OutboundMessage) -> SendResult:
        """Deliver `message`; raise `RateLimited`, `TransientError` or `PermanentError`."""

    def render(self, message: OutboundMessage) -> RenderedMessage:
        """Fit `message` to this channel's capabilities (split or truncate, button fallback)."""
        return render_message(message, self.capabilities)

    def handshake(self, request: InboundRequest) -> HandshakeResponse | None:
        """Answer a subscription handshake, or None if `request` is not one; call before verify."""
        return None

    def verify(self, request: InboundRequest) -> None:
        """Raise `SignatureError` unless `request` authentically comes from the provider."""
        raise SignatureError(f"the {self.name} channel accepts no inbound webhooks")

    def parse(self, request: InboundRequest) -> list[InboundEvent]:
        """Normalise a verified webhook into events; never raises on unknown payloads."""
        return [Ignored(f"the {self.name} channel has no inbound events")]

    async def aclose(self) -> None:  # noqa: B027 - most channels hold nothing to release
        """Release network resources held by the adapter."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class HttpChannel(Channel):
    """A channel spoken over HTTPS; the `httpx.AsyncClient` is injectable for tests."""

    def __init__(self, *, client: httpx.AsyncClient | None = None, clock: Clock = utc_now) -> None:
        super().__init__(clock=clock)
        self._client = client
        self._owned_client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        """The injected client, or one created on first use (webhook-only instances need none)."""
        if self._client is None:
            self._client = self._owned_client = httpx.AsyncClient(
                timeout=DEFAULT_TIMEOUT, transport=SpreadTransport(DEFAULT_CONNECTIONS)
            )
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if this adapter created it."""
        if self._owned_client is not None:
            await self._owned_client.aclose()
            self._client = self._owned_client = None

    async def _request(self, method: str, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """Send one request, turning network failures into `TransientError`."""
        try:
            return await self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{self.name}: request timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{self.name}: connection failed ({type(exc).__name__})") from exc

    def _retry_after(self, response: httpx.Response) -> float | None:
        """The Retry-After header in seconds (delay or HTTP date), None when absent or garbled."""
        return parse_retry_after(response.headers.get("retry-after"), self._clock())


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Parse a Retry-After value given as seconds or as an HTTP date."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - now).total_seconds(), 0.0)


def http_status_error(
    response: httpx.Response, detail: str, *, retry_after: float | None, code: str | None = None
) -> DeliveryError:
    """The generic classification of an unsuccessful HTTP status."""
    status = response.status_code
    if status == 429:
        return RateLimited(retry_after, detail, provider_code=code)
    if status >= 500 or status == 408:
        return TransientError(detail, provider_code=code)
    if status in (401, 403):
        return PermanentError(FailureReason.UNAUTHORIZED, detail, provider_code=code)
    return PermanentError(FailureReason.REJECTED, detail, provider_code=code)


def response_json(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object, or {} when it is not one."""
    return json_object(response.content)


def json_object(body: bytes) -> dict[str, Any]:
    """`body` decoded as a JSON object, or {} when it is anything else."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else {} (webhook payloads are trusted for nothing)."""
    return value if isinstance(value, dict) else {}


def optional_str(value: Any) -> str | None:
    """`value` as a string when it is a scalar, else None."""
    return None if value is None or isinstance(value, dict | list) else str(value)


def dicts(value: Any) -> list[dict[str, Any]]:
    """The JSON objects in `value` if it is a list, else []."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def from_timestamp(value: object, fallback: datetime) -> datetime:
    """A provider's Unix timestamp (seconds or milliseconds, int or string) as aware UTC."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return fallback
    if seconds > 1e11:  # milliseconds (Messenger)
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return fallback
