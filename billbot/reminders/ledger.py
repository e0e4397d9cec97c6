"""A user's recent contacts in time order, the history the gate counts its caps from."""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from billbot.reminders.caps import HISTORY_LOOKBACK
from billbot.reminders.decision import Action, Decision
from billbot.reminders.model import PendingMessage, SentContact, require_utc

__all__ = ["ContactLedger"]


class ContactLedger:
    """One user's sent contacts; `recent(now)` drops those older than the gate ever reads."""

    def __init__(
        self, contacts: Iterable[SentContact] = (), *, lookback: timedelta = HISTORY_LOOKBACK
    ) -> None:
        if lookback < HISTORY_LOOKBACK:
            raise ValueError(f"the gate reads {HISTORY_LOOKBACK} of history; keep at least that")
        self._lookback = lookback
        self._contacts: list[SentContact] = sorted(contacts, key=_sent_at)

    def __len__(self) -> int:
        return len(self._contacts)

    def __iter__(self) -> Iterator[SentContact]:
        return iter(self._contacts)

    def append(self, contact: SentContact) -> None:
        """Add a contact that went out (kept in `sent_at` order)."""
        insort(self._contacts, contact, key=_sent_at)

    def record(self, message: PendingMessage, decision: Decision, sent_at: datetime) -> SentContact:
        """Add the contact a `send` decision for `message` produced at `sent_at`, and return it."""
        if decision.action != Action.SEND or decision.channel is None:
            raise ValueError(f"only a send decision produces a contact, not {decision.action}")
        contact = SentContact(
            sent_at=require_utc(sent_at, "sent_at"),
            channel=decision.channel,
            category=message.category,
            scenario=message.scenario,
            debt_key=message.debt_key,
        )
        self.append(contact)
        return contact

    def recent(self, now: datetime) -> tuple[SentContact, ...]:
        """The contacts the gate needs at `now`; older ones are forgotten (time only moves on)."""
        horizon = require_utc(now, "now") - self._lookback
        keep_from = 0
        while keep_from < len(self._contacts) and self._contacts[keep_from].sent_at < horizon:
            keep_from += 1
        del self._contacts[:keep_from]
        return tuple(self._contacts)


def _sent_at(contact: SentContact) -> datetime:
    return contact.sent_at
