"""Sending rates: each channel's declared limits (overall and per chat) held by the dispatcher.

Every channel declares its provider's rates in `capabilities.rate_limits` (messages per second,
overall and to one chat). The limiter keeps one bucket per channel and one per (channel,
recipient) and hands out sending slots with the generic cell-rate algorithm, the virtual-time
form of a token bucket: a bucket of rate `r` and burst `b` remembers its theoretical arrival
time `tat`; a message may go at `max(now, tat - (b - 1) / r)` and moves `tat` on by `1 / r`.
A slot is granted in both of a message's buckets at once or in neither, so a message that
must wait too long (past the dispatcher's horizon) costs nothing and is left for a later pass.

The limits are held per dispatcher process: with several dispatchers, lower the rates with
`BILLBOT_CHANNEL_RATE_LIMITS` to each one's share. The clock is monotonic seconds and both
the clock and the sleeper are injectable, so tests never wait for real time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from channels import Channel, RateLimits

__all__ = ["GLOBAL_BURST_SECONDS", "Bucket", "Monotonic", "RateLimiter", "Sleeper", "Slot"]

Monotonic = Callable[[], float]
Sleeper = Callable[[float], Awaitable[None]]

# The overall bucket may run ahead by this much of a second's messages (a small burst), so a
# provider's own limiter never sees more than its rate plus ordinary network jitter.
GLOBAL_BURST_SECONDS = 0.02


@dataclass
class Bucket:
    """One rate: `rate` messages a second, up to `burst` at once; `tat` is its virtual time."""

    rate: float
    burst: float = 1.0
    tat: float = float("-inf")

    def earliest(self, now: float) -> float:
        """The first moment at or after `now` when one more message conforms."""
        return max(now, self.tat - (self.burst - 1.0) / self.rate)

    def take(self, at: float) -> None:
        """Spend one message at `at` (which must be at or after `earliest`)."""
        self.tat = max(self.tat, at) + 1.0 / self.rate


@dataclass(frozen=True, slots=True)
class Slot:
    """A granted send: wait `delay` seconds, then send."""

    delay: float


class RateLimiter:
    """The sending slots of every channel that declares rates; channels without rates pass."""

    def __init__(
        self,
        channels: Mapping[str, Channel],
        *,
        clock: Monotonic = time.monotonic,
        sleep: Sleeper = asyncio.sleep,
        max_recipients: int = 100_000,
    ) -> None:
        self.clock, self.sleep = clock, sleep
        self.max_recipients = max_recipients
        self._limits: dict[str, RateLimits] = {
            name: adapter.capabilities.rate_limits for name, adapter in channels.items()
        }
        self._global: dict[str, Bucket] = {}
        for name, limits in self._limits.items():
            if limits.global_:
                burst = max(1.0, limits.global_ * GLOBAL_BURST_SECONDS)
                self._global[name] = Bucket(limits.global_, burst)
        self._chats: dict[tuple[str, str], Bucket] = {}

    def limits(self, channel: str) -> RateLimits:
        """The rates held for `channel` (none when it declares none)."""
        return self._limits.get(channel, RateLimits())

    def reserve(self, channel: str, recipient: str, *, horizon: float) -> Slot | float:
        """A slot for one message, or (when it could not go within `horizon` s) the wait instead."""
        now = self.clock()
        limits = self.limits(channel)
        overall = self._global.get(channel)
        chat = None
        if limits.per_chat:
            chat = self._chats.get((channel, recipient))
            if chat is None:
                chat = Bucket(limits.per_chat)
        at = now
        for bucket in (overall, chat):
            if bucket is not None:
                at = max(at, bucket.earliest(now))
        if at - now > horizon:
            return at - now
        for bucket in (overall, chat):
            if bucket is not None:
                bucket.take(at)
        if chat is not None:
            self._remember(channel, recipient, chat, now)
        return Slot(at - now)

    def _remember(self, channel: str, recipient: str, bucket: Bucket, now: float) -> None:
        self._chats[(channel, recipient)] = bucket
        if len(self._chats) > self.max_recipients:
            # A chat bucket whose virtual time has passed is full again: forgetting it is exact.
            self._chats = {key: b for key, b in self._chats.items() if b.tat > now}

    async def wait(self, slot: Slot) -> None:
        """Sleep until the slot's moment (through the injected sleeper)."""
        if slot.delay > 0:
            await self.sleep(slot.delay)
