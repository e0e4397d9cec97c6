"""Errors raised by the channel adapters.

The tree::

    ChannelError
    ├── DeliveryError            send() could not hand the message to the provider
    │   ├── RateLimited          try again later; retry_after seconds when the provider says
    │   ├── TransientError       5xx, timeouts, connection errors: retry with backoff
    │   └── PermanentError       will never succeed as is: dead-letter it with .reason
    ├── SignatureError           an inbound request is not authentically from the provider
    └── UnknownChannelError      no adapter is registered under that name (also a LookupError)

Adapters only *report* a rate limit: they never sleep. The core's dispatcher schedules the retry.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ChannelError",
    "DeliveryError",
    "FailureReason",
    "PermanentError",
    "RateLimited",
    "SignatureError",
    "TransientError",
    "UnknownChannelError",
]


class FailureReason(StrEnum):
    """Stable, provider-neutral reasons carried by `PermanentError`."""

    OUTSIDE_SESSION_WINDOW = "outside_session_window"
    RECIPIENT_BLOCKED = "recipient_blocked"
    RECIPIENT_UNSUBSCRIBED = "recipient_unsubscribed"
    INVALID_RECIPIENT = "invalid_recipient"
    INVALID_MESSAGE = "invalid_message"
    UNAUTHORIZED = "unauthorized"
    REJECTED = "rejected"


class ChannelError(Exception):
    """Base class of every error raised by `channels`."""


class DeliveryError(ChannelError):
    """Sending a message failed; `provider_code` keeps the provider's own code for the audit log."""

    def __init__(self, detail: str = "", *, provider_code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.provider_code = provider_code


class RateLimited(DeliveryError):
    """The provider throttled us; retry after `retry_after` seconds (None: provider did not say)."""

    def __init__(
        self,
        retry_after: float | None = None,
        detail: str = "rate limited",
        *,
        provider_code: str | None = None,
    ) -> None:
        super().__init__(detail, provider_code=provider_code)
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.detail} (retry after {self.retry_after}s)"


class TransientError(DeliveryError):
    """A failure that may succeed on retry: server errors, timeouts, dropped connections."""


class PermanentError(DeliveryError):
    """A failure that retrying cannot fix; `reason` is a `FailureReason` value."""

    def __init__(
        self,
        reason: str,
        detail: str = "",
        *,
        provider_code: str | None = None,
    ) -> None:
        super().__init__(detail or reason, provider_code=provider_code)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail != self.reason else self.reason


class SignatureError(ChannelError):
    """An inbound webhook failed authentication (missing, stale or wrong signature)."""


class UnknownChannelError(ChannelError, LookupError):
    """No channel adapter is registered under the requested name."""
