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
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from channels import Channel, RateLimits

__all__ = [
    "GLOBAL_BURST_SECONDS",
    "SEND_TICK",
    "Bucket",
    "Monotonic",
    "RateLimiter",
    "Sleeper",
    "Slot",
]

Monotonic = Callable[[], float]
Sleeper = Callable[[float], Awaitable[None]]

# The overall bucket may run ahead by this much of a second's messages (a small burst), so a
# provider's own limiter never sees more than its rate plus ordinary network jitter.
GLOBAL_BURST_SECONDS = 0.02
# The dispatcher's sends wake on this grid (a quarter of the burst): fewer turns of the event
# loop per message at high rates, never a send before its slot.
SEND_TICK = 0.005


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
    """A granted send: wait `delay` seconds, then send `channel`'s message to `recipient`."""

    delay: float
    channel: str = ""
    recipient: str = ""


class _Buckets:
    """One bucket per channel with an overall rate and one per (channel, chat) with a chat rate."""

    def __init__(self, limits: Mapping[str, RateLimits], max_recipients: int) -> None:
        self.limits, self.max_recipients = limits, max_recipients
        self.overall: dict[str, Bucket] = {}
        for name, rates in limits.items():
            if rates.global_:
                burst = max(1.0, rates.global_ * GLOBAL_BURST_SECONDS)
                self.overall[name] = Bucket(rates.global_, burst)
        self.chats: dict[tuple[str, str], Bucket] = {}

    def take(self, channel: str, recipient: str, now: float, horizon: float) -> tuple[bool, float]:
        """(granted, wait): the first conforming moment in both buckets, taken if within reach."""
        rates = self.limits.get(channel)
        overall = self.overall.get(channel)
        chat = None
        if rates is not None and rates.per_chat:
            chat = self.chats.get((channel, recipient)) or Bucket(rates.per_chat)
        at = now
        for bucket in (overall, chat):
            if bucket is not None:
                at = max(at, bucket.earliest(now))
        if at - now > horizon:
            return False, at - now
        for bucket in (overall, chat):
            if bucket is not None:
                bucket.take(at)
        if chat is not None:
            self.chats[(channel, recipient)] = chat
            if len(self.chats) > self.max_recipients:
                # A chat bucket whose virtual time has passed is full again: forgetting is exact.
                self.chats = {key: b for key, b in self.chats.items() if b.tat > now}
        return True, at - now


class RateLimiter:
    """The sending slots of every channel that declares rates; channels without rates pass.

    Slots are planned when a pass schedules its messages (`reserve`), and each send takes its
    moment again when it wakes (`wait`): a process that stalled (a long database step, a busy
    machine) then spreads the sends it owes instead of letting them out at once.
    """

    def __init__(
        self,
        channels: Mapping[str, Channel],
        *,
        clock: Monotonic = time.monotonic,
        sleep: Sleeper = asyncio.sleep,
        max_recipients: int = 100_000,
        tick: float = 0.0,
    ) -> None:
        self.clock, self.sleep = clock, sleep
        # With a `tick`, planned sleeps end on a grid of that many seconds, so the sends due
        # within one tick wake together in one turn of the event loop instead of one turn each.
        # None wakes before its slot, and each still takes its moment again when it wakes.
        self.tick = tick
        self._limits: dict[str, RateLimits] = {
            name: adapter.capabilities.rate_limits for name, adapter in channels.items()
        }
        self._planned = _Buckets(self._limits, max_recipients)
        self._sent = _Buckets(self._limits, max_recipients)

    def limits(self, channel: str) -> RateLimits:
        """The rates held for `channel` (none when it declares none)."""
        return self._limits.get(channel, RateLimits())

    def reserve(self, channel: str, recipient: str, *, horizon: float) -> Slot | float:
        """A slot for one message, or (when it could not go within `horizon` s) the wait instead."""
        granted, wait = self._planned.take(channel, recipient, self.clock(), horizon)
        return Slot(wait, channel, recipient) if granted else wait

    async def wait(self, slot: Slot) -> None:
        """Sleep until the slot's moment, then until the send conforms to the rates as sent."""
        if slot.delay > 0:
            delay = slot.delay
            if self.tick > 0:
                now = self.clock()
                delay = math.ceil((now + delay) / self.tick) * self.tick - now
            await self.sleep(delay)
        _, late = self._sent.take(slot.channel, slot.recipient, self.clock(), float("inf"))
        if late > 0:
            await self.sleep(late)
