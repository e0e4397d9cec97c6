"""Delivering chosen outbox messages at once (a reply to someone who is waiting for it).

The periodic dispatcher would send a reply within seconds anyway; this sends the replies an
inbound message just produced right away, through the same steps: a claim with a lease (only if
the message is still waiting, so a concurrent dispatcher cannot send it twice), the contact
policy gate, the send, and the record of the result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import Session, col

from billbot.outbox.dispatcher import Dispatcher, DispatchReport, Plan
from billbot.outbox.models import OutboxMessage, OutboxStatus
from channels import SendResult
from channels.errors import ChannelError


def claim_ids(dispatcher: Dispatcher, ids: Iterable[int]) -> list[int]:
    """Lease these messages if they are still due and unclaimed; returns those taken."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    now = dispatcher.clock.now()
    with Session(dispatcher.engine) as session:
        taken = session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(wanted),
                col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.DEFERRED]),
                col(OutboxMessage.not_before) <= now,
            )
            .values(status=OutboxStatus.SENDING, lease_until=now + dispatcher.lease, updated_at=now)
            .returning(col(OutboxMessage.id))
        ).scalars()
        claimed = sorted(taken)
        session.commit()
    return claimed


async def deliver_now(dispatcher: Dispatcher, ids: Iterable[int]) -> DispatchReport:
    """Claim, decide, send and record just these messages (those still waiting)."""
    report = DispatchReport()
    claimed = claim_ids(dispatcher, ids)
    report.claimed = len(claimed)
    if not claimed:
        return report
    plans = dispatcher.decide(claimed, report)
    if not plans:
        return report

    async def send(plan: Plan) -> SendResult | ChannelError:
        try:
            return await dispatcher.channels[plan.channel].send(plan.outbound)
        except ChannelError as exc:
            return exc

    results = await asyncio.gather(*(send(plan) for plan in plans))
    dispatcher.record(list(zip(plans, results, strict=True)), report)
    return report
