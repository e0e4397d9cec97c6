"""The dispatcher: claims due outbox messages, asks the contact policy, sends through `channels`.

Delivery is at-least-once and never loses a message:
1. *Claim* (committed): due rows become `sending` with a lease. On PostgreSQL the claim uses
   `FOR UPDATE SKIP LOCKED`, so any number of dispatchers share the work without overlap; a
   dispatcher that dies leaves its rows to be claimed again when the lease runs out.
2. *Decide* (committed): the contact-policy gate sends, defers, folds or suppresses each message,
   and the decision and its reason are recorded (for a message it sends, with its outcome in 4).
3. *Send*: concurrently through the channel adapters, each message carrying its own idempotency
   key, so a provider that honours one cannot deliver it twice after a crash between its
   acceptance and step 4. Each channel's declared sending rates (overall and per chat) are held
   (`billbot.outbox.rate_limits`); a message whose slot lies beyond the pass's horizon stays
   pending for a later pass, untouched by the retry count. Outside WhatsApp's 24-hour window the
   gate asks for a template: the configured approved one carries the text as its parameter.
4. *Record* (committed once per pass): sent; rate-limited (retry when the provider says); a
   transient failure (exponential backoff with jitter, dead after `max_attempts`); or a
   permanent failure (dead, with the provider's reason). Every attempt is kept.

`drain` overlaps the passes: the database steps of the next and the previous pass run in a
worker thread while one pass sends.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row, insert, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from billbot.clock import Clock
from billbot.outbox.contacts import load_contacts
from billbot.outbox.models import OutboxAttempt, OutboxMessage, OutboxStatus
from billbot.outbox.rate_limits import SEND_TICK, RateLimiter, Slot
from billbot.reminders import (
    Action,
    Category,
    PendingMessage,
    Priority,
    Reason,
    SentContact,
    decide,
)
from channels import Button, Channel, OutboundMessage, SendResult, Template
from channels.errors import ChannelError, PermanentError, RateLimited


@dataclass
class Plan:
    """A message the gate allowed: where it goes and what is sent; `contact` is the send as the
    gate counts it for the borrower `user_id` while it is in flight."""

    message_id: int
    channel: str
    outbound: OutboundMessage
    user_id: int | None = None
    contact: SentContact | None = None
    reason: str | None = None  # the gate's decision, stored by `record` with the outcome
    explanation: str | None = None


@dataclass(frozen=True, slots=True)
class Held:
    """A message the sending rate held back: it may go `wait` seconds from now."""

    wait: float
    channel: str


SendOutcome = SendResult | ChannelError | Held

# The approved utility template sent outside WhatsApp's 24-hour window; its one body parameter
# is the message text (`BILLBOT_WHATSAPP_TEMPLATE_NAME` / `..._LANGUAGE`).
DEFAULT_TEMPLATE = Template("billbot_update", "en")


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


class Dispatcher:
    """Runs claim → decide → send → record over the outbox; safe to run several at once."""

    def __init__(
        self,
        engine: Engine,
        channels: Mapping[str, Channel],
        clock: Clock,
        *,
        batch: int = 100,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        base_backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(hours=1),
        concurrency: int = 32,
        rng: random.Random | None = None,
        limiter: RateLimiter | None = None,
        rate_horizon: float = 1.0,
        template: Template = DEFAULT_TEMPLATE,
    ) -> None:
        self.engine, self.channels, self.clock = engine, channels, clock
        self.batch, self.lease, self.max_attempts = batch, lease, max_attempts
        self.base_backoff, self.max_backoff = base_backoff, max_backoff
        self.concurrency = concurrency
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        # Sending rates persist across passes; a slot further than `rate_horizon` s away waits.
        self.limiter = limiter or RateLimiter(channels, tick=SEND_TICK)
        self.rate_horizon, self.template = rate_horizon, template

    def claim(self) -> list[int]:
        """Take due messages (and expired leases) for this dispatcher; committed before sending."""
        now = self.clock.now()
        with Session(self.engine) as session:
            due = or_(
                col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.DEFERRED])
                & (col(OutboxMessage.not_before) <= now),
                (col(OutboxMessage.status) == OutboxStatus.SENDING)
                & (col(OutboxMessage.lease_until) <= now),
            )
            query = (
                select(OutboxMessage.id)
                .where(due)
                .order_by(col(OutboxMessage.priority).desc(), col(OutboxMessage.not_before))
                .limit(self.batch)
            )
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = [i for i in session.exec(query).all() if i is not None]
            if ids:
                session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id).in_(ids))
                    .values(
                        status=OutboxStatus.SENDING, lease_until=now + self.lease, updated_at=now
                    )
                )
            session.commit()
        return ids

    def decide(
        self, ids: list[int], report: DispatchReport, in_flight: Iterable[Plan] = ()
    ) -> list[Plan]:
        """Ask the contact policy about each claimed message; record what is not sent now.

        `in_flight` are sends of an earlier pass not yet recorded: the gate counts them as made.
        A message to send keeps its decision for `record`, which stores it with the outcome.
        """
        now = self.clock.now()
        plans = []
        changes: list[dict[str, Any]] = []
        audit: list[dict[str, Any]] = []
        # Borrowers are read once per batch; what this batch sends joins their history at once,
        # so two messages for one borrower in one batch cannot both squeeze under a cap.
        with Session(self.engine) as session:
            # Only messages still claimed: one called off since (a paid bill) is left as it is.
            messages = session.execute(
                core_select(*_DECIDED)
                .where(
                    col(OutboxMessage.id).in_(ids),
                    col(OutboxMessage.status) == OutboxStatus.SENDING,
                )
                .order_by(col(OutboxMessage.priority).desc(), col(OutboxMessage.not_before))
            ).all()
            contacts = load_contacts(session, [m.user_id for m in messages], self.channels, now)
            for sending in in_flight:
                if sending.contact is not None and sending.user_id in contacts:
                    contacts[sending.user_id].history.append(sending.contact)
            for message in messages:
                contact = contacts[message.user_id]
                pending = PendingMessage(
                    scenario=message.scenario,
                    category=Category(message.category),
                    debt_key=message.debt_key,
                    priority=Priority(message.priority),
                    foldable=message.foldable,
                    expires_at=message.expires_at,
                    channel=message.channel,
                )
                decision = decide(pending, contact.prefs, contact.history, contact.channels, now)
                explanation = decision.explanation[:500]
                if decision.action == Action.SEND and decision.channel is not None:
                    sent = SentContact(
                        sent_at=now,
                        channel=decision.channel,
                        category=pending.category,
                        scenario=message.scenario,
                        debt_key=message.debt_key,
                    )
                    contact.history.append(sent)
                    address = contact.addresses[decision.channel]
                    outbound = self._outbound(message, contact.user.locale, address)
                    if decision.template_required:
                        outbound = self._as_template(outbound)
                    plans.append(
                        Plan(
                            message.id,
                            decision.channel,
                            outbound,
                            message.user_id,
                            sent,
                            decision.reason.value,
                            explanation,
                        )
                    )
                    continue
                change: dict[str, Any] = {
                    "id": message.id,
                    "reason": decision.reason.value,
                    "explanation": explanation,
                    "lease_until": None,
                    "updated_at": now,
                }
                if decision.action == Action.DEFER:
                    not_before = decision.until or now
                    change |= {"status": OutboxStatus.DEFERRED, "not_before": not_before}
                    if decision.reason == Reason.SNOOZED and message.expires_at is not None:
                        # A snoozed message keeps the rest of its life for after the snooze.
                        change["expires_at"] = message.expires_at + (not_before - now)
                else:
                    change["status"] = (
                        OutboxStatus.FOLDED
                        if decision.action == Action.FOLD
                        else OutboxStatus.SUPPRESSED
                    )
                changes.append(change)
                audit.append(
                    {
                        "message_id": message.id,
                        "at": now,
                        "channel": None,
                        "outcome": change["status"],
                        "detail": explanation,
                        "retry_at": decision.until,
                    }
                )
                report.outcomes[change["status"]] += 1
            if changes:
                # By primary key, executemany; rows that share their columns go together.
                for group in _by_columns(changes):
                    session.execute(update(OutboxMessage), group)
                session.execute(insert(OutboxAttempt), audit)
            session.commit()
        return plans

    @staticmethod
    def _outbound(message: Row[Any], locale: str, address: str) -> OutboundMessage:
        buttons = (
            tuple(Button(b["id"], b["title"]) for b in json.loads(message.buttons))
            if message.buttons != "[]"
            else ()
        )
        return OutboundMessage(
            recipient=address,
            text=message.body,
            buttons=buttons,
            # Email needs a subject: a message without one is titled by its first line.
            subject=message.subject or message.body.strip().split("\n", 1)[0][:78] or None,
            html=message.html,
            headers=json.loads(message.headers) if message.headers else {},
            locale=locale,
            idempotency_key=f"billbot-outbox-{message.id}",
        )

    def _as_template(self, outbound: OutboundMessage) -> OutboundMessage:
        """The message as the approved template, its text the one body parameter."""
        # Template parameters take no newlines or tabs and at most 1,024 characters.
        text = " ".join(outbound.text.split())[:1024]
        template = dataclasses.replace(self.template, params=(text,))
        return dataclasses.replace(outbound, template=template, buttons=())

    async def _send(self, plan: Plan) -> SendResult | ChannelError:
        try:
            return await self.channels[plan.channel].send(plan.outbound)
        except ChannelError as exc:
            return exc

    async def send(self, plans: list[Plan]) -> list[SendOutcome]:
        """Send the plans concurrently, each at its sending slot; the rest are held."""
        gate = asyncio.Semaphore(self.concurrency)

        async def at_slot(plan: Plan, slot: Slot) -> SendOutcome:
            await self.limiter.wait(slot)
            async with gate:
                return await self._send(plan)

        async def held(outcome: Held) -> SendOutcome:
            return outcome

        sends = []
        for plan in plans:  # in priority order; a wait for one chat delays no other
            slot = self.limiter.reserve(
                plan.channel, plan.outbound.recipient, horizon=self.rate_horizon
            )
            if isinstance(slot, Slot):
                sends.append(at_slot(plan, slot))
            else:
                sends.append(held(Held(slot, plan.channel)))
        return list(await asyncio.gather(*sends))

    def record(self, results: list[tuple[Plan, SendOutcome]], report: DispatchReport) -> None:
        """Store what the sends did, in one transaction for the pass: one UPDATE statement and
        one INSERT (of the attempts) over all its rows."""
        now = self.clock.now()
        with Session(self.engine) as session:
            ids = [plan.message_id for plan, _ in results]
            attempts_of: dict[int, int] = {
                message_id: attempts
                for message_id, attempts in session.execute(
                    core_select(col(OutboxMessage.id), col(OutboxMessage.attempts)).where(
                        col(OutboxMessage.id).in_(ids)
                    )
                ).all()
            }
            changes, audit = [], []
            for plan, result in results:
                attempts = attempts_of.get(plan.message_id)
                if attempts is None:  # erased with its borrower meanwhile
                    continue
                change, attempt = self._outcome(plan, result, attempts, now)
                changes.append(change)
                audit.append(attempt)
                report.outcomes[attempt["outcome"]] += 1
            if changes:
                # By primary key, executemany; rows that share their columns go together.
                for group in _by_columns(changes):
                    session.execute(update(OutboxMessage), group)
                session.execute(insert(OutboxAttempt), audit)
            session.commit()

    def _outcome(
        self, plan: Plan, result: SendOutcome, attempts: int, now: datetime
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The message's new state and its attempt row, for one send's outcome."""
        change: dict[str, Any] = {"id": plan.message_id, "lease_until": None, "updated_at": now}
        if plan.reason is not None:
            change |= {"reason": plan.reason, "explanation": plan.explanation}
        retry_at = None
        if isinstance(result, Held):
            # Not an attempt: the provider never saw it, so the retry count stays.
            retry_at = now + timedelta(seconds=result.wait)
            change |= {"status": OutboxStatus.PENDING, "not_before": retry_at}
            limits = self.limiter.limits(result.channel)
            outcome = "held"
            detail = (
                f"sending rate of {result.channel}: {limits.global_ or '-'}/s overall, "
                f"{limits.per_chat or '-'}/s per chat"
            )
        elif isinstance(result, SendResult):
            change |= {
                "status": OutboxStatus.SENT,
                "sent_at": now,
                "sent_channel": plan.channel,
                "provider_message_id": result.provider_message_id,
            }
            outcome, detail = "sent", result.provider_message_id
        elif isinstance(result, PermanentError):
            change |= {"status": OutboxStatus.DEAD, "reason": str(result.reason)}
            outcome, detail = "permanent", str(result)
        else:
            attempts += 1
            change["attempts"] = attempts
            limited = isinstance(result, RateLimited)
            outcome, detail = ("rate_limited" if limited else "transient"), str(result)
            if attempts >= self.max_attempts:
                change |= {"status": OutboxStatus.DEAD, "reason": "retries_exhausted"}
            else:
                retry_at = now + self._wait(result, attempts)
                change |= {"status": OutboxStatus.PENDING, "not_before": retry_at}
        attempt = {
            "message_id": plan.message_id,
            "at": now,
            "channel": plan.channel,
            "outcome": outcome,
            "detail": detail[:500],
            "retry_at": retry_at,
        }
        return change, attempt

    def _wait(self, error: ChannelError, attempts: int) -> timedelta:
        """The provider's retry-after when it gives one, else exponential backoff with jitter."""
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return timedelta(seconds=error.retry_after)
        ceiling = min(self.max_backoff, self.base_backoff * (2 ** (attempts - 1)))
        return timedelta(
            seconds=self.rng.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds())
        )

    async def run_once(self) -> DispatchReport:
        """One pass: claim, decide, send concurrently, record each result as it lands."""
        report = DispatchReport()
        ids = self.claim()
        report.claimed = len(ids)
        plans = self.decide(ids, report)
        if plans:
            results = await self.send(plans)
            self.record(list(zip(plans, results, strict=True)), report)
        return report

    async def drain(self, *, budget: float | None = None) -> DispatchReport:
        """Pass after pass until nothing is due, or (with `budget`) until that many seconds have
        gone (the pass in flight then finishes).

        The passes overlap: while one pass sends, the next is claimed and decided, and the one
        before is recorded, each in a worker thread, so the channel's sending rate is not idle
        while the database works. The gate counts the sends still in flight as made, so the caps
        see every send; each pass is recorded before the one after the next is decided."""
        clock = self.limiter.clock
        stop_at = None if budget is None else clock() + budget
        with _SWITCHING.lowered():
            return await self._drain(clock, stop_at)

    async def _drain(self, clock: Callable[[], float], stop_at: float | None) -> DispatchReport:
        total = DispatchReport()
        flight: _Flight | None = None
        try:
            while True:
                report = DispatchReport()
                ids: list[int] = []
                if stop_at is None or clock() < stop_at:
                    ids = await asyncio.to_thread(self.claim)
                report.claimed = len(ids)
                plans: list[Plan] = []
                if ids:
                    in_flight = flight.plans if flight is not None else []
                    plans = await asyncio.to_thread(self.decide, ids, report, in_flight)
                landed, flight = flight, None
                if landed is not None:
                    results = await landed.sends
                if plans:
                    flight = _Flight(plans, report, asyncio.ensure_future(self.send(plans)))
                if landed is not None:
                    outcomes = list(zip(landed.plans, results, strict=True))
                    await asyncio.to_thread(self.record, outcomes, landed.report)
                    total.outcomes.update(landed.report.outcomes)
                total.claimed += report.claimed
                if not plans:
                    total.outcomes.update(report.outcomes)
                if not ids and landed is None:
                    break  # nothing due, and nothing just recorded that could have made some due
        finally:
            if flight is not None:  # an error in the database steps: the sends made are kept
                results = await flight.sends
                self.record(list(zip(flight.plans, results, strict=True)), flight.report)
        return total


# What the gate and the send need of a claimed message.
_DECIDED = (
    col(OutboxMessage.id),
    col(OutboxMessage.user_id),
    col(OutboxMessage.scenario),
    col(OutboxMessage.category),
    col(OutboxMessage.debt_key),
    col(OutboxMessage.priority),
    col(OutboxMessage.foldable),
    col(OutboxMessage.expires_at),
    col(OutboxMessage.channel),
    col(OutboxMessage.subject),
    col(OutboxMessage.body),
    col(OutboxMessage.html),
    col(OutboxMessage.headers),
    col(OutboxMessage.buttons),
)


def _by_columns(changes: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """`changes` grouped by the columns they set (each group one executemany statement)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        groups.setdefault(tuple(change), []).append(change)
    return list(groups.values())


class _SwitchInterval:
    """While any drain runs, the interpreter switches threads every `interval` seconds.

    A drain's database steps run in a worker thread; the sending loop gives up the interpreter
    lock at each socket call and waits up to the switch interval to get it back. At Python's
    default 5 ms a turn the sends fall behind their rate whenever the database works, so drains
    lower it (never raise it) and the last one to finish puts it back.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._running = 0
        self._saved = 0.0

    @contextmanager
    def lowered(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, self.interval))
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    sys.setswitchinterval(self._saved)


_SWITCHING = _SwitchInterval(0.0005)


@dataclass
class _Flight:
    """A pass whose sends are under way, with the report its decisions and sends go into."""

    plans: list[Plan]
    report: DispatchReport
    sends: asyncio.Future[list[SendOutcome]]
