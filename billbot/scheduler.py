"""The few periodic sweeps, run by one leader among the app's instances.

APScheduler runs a handful of jobs, never one per borrower: the statement sweep (close cycles,
mark missed due dates), the reminder sweeps (statement ready, due soon, overdue) and the outbox
dispatcher. With several instances on PostgreSQL, the one holding an advisory lock is the
leader and runs the sweeps; any number may dispatch (claims use SKIP LOCKED). On SQLite there is
one process, so it leads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from billbot.bills.service import close_and_age
from billbot.clock import Clock
from billbot.logs import event
from billbot.outbox.dispatcher import Dispatcher, DispatchReport
from billbot.scenarios.due_dates import sweep_due_dates, sweep_statements_ready
from billbot.scenarios.installments_due import sweep_installments_due
from billbot.scenarios.weekly_digest import sweep_weekly_digests
from billbot.settings import Settings, get_settings
from channels import Channel, Template

log = logging.getLogger("billbot.scheduler")
LEADER_LOCK = 0x6B696C6C  # an arbitrary, fixed advisory-lock key for the sweep leader


def run_sweeps(engine: Engine, clock: Clock, settings: Settings | None = None) -> dict[str, int]:
    """One pass of every time-driven sweep, in one transaction; safe to run twice."""
    now = clock.now()
    settings = settings or get_settings()
    with Session(engine) as session:
        counts = {
            "statements_changed": close_and_age(session, now=now),
            "statement_ready": sweep_statements_ready(session, now=now),
            "due_reminders": sweep_due_dates(session, now=now),
            "installments_due": sweep_installments_due(session, now=now),
            "weekly_digests": sweep_weekly_digests(session, now=now, settings=settings),
        }
        session.commit()
    return counts


@dataclass
class Leadership:
    """Whether this process leads, and the connection that holds the lock while it does."""

    leader: bool
    connection: Connection | None = None

    def release(self) -> None:
        """Give up leadership (the pooled connection outlives us, so unlock explicitly)."""
        if self.connection is not None:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK})
            self.connection.commit()
            self.connection.close()
            self.connection = None


def acquire_leadership(engine: Engine) -> Leadership:
    """Try to become the sweep leader (PostgreSQL advisory lock; SQLite always leads)."""
    if engine.dialect.name != "postgresql":
        return Leadership(leader=True)
    connection = engine.connect()
    won = bool(
        connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}).scalar()
    )
    connection.commit()
    if not won:
        connection.close()
        return Leadership(leader=False)
    return Leadership(leader=True, connection=connection)


def start_scheduler(
    engine: Engine,
    clock: Clock,
    channels: Mapping[str, Channel],
    *,
    sweep_seconds: int,
    dispatch_seconds: int,
    settings: Settings | None = None,
) -> tuple[BackgroundScheduler, Leadership]:
    """Start the sweeps (if this process leads) and the dispatcher in the background."""
    leadership = acquire_leadership(engine)
    configured = settings or get_settings()
    # Outside WhatsApp's 24-hour window the configured approved template carries the text.
    template = Template(configured.whatsapp_template_name, configured.whatsapp_template_language)
    dispatcher = Dispatcher(engine, channels, clock, template=template)
    scheduler = BackgroundScheduler(timezone="UTC")

    def sweeps() -> None:
        counts = run_sweeps(engine, clock, settings)
        if any(counts.values()):
            event(log, "sweeps.done", **counts)

    async def dispatch_pass() -> DispatchReport:
        try:
            # Until nothing is due (a minute at most): sending rates, not the interval, pace it.
            return await dispatcher.drain(budget=60.0)
        finally:  # HTTP clients belong to this pass's event loop
            for adapter in channels.values():
                await adapter.aclose()

    def dispatch() -> None:
        report = asyncio.run(dispatch_pass())
        if report.claimed:
            event(log, "dispatch.done", claimed=report.claimed, **dict(report.outcomes))

    options: dict[str, Any] = {"max_instances": 1, "coalesce": True}
    if leadership.leader:
        scheduler.add_job(sweeps, "interval", seconds=sweep_seconds, id="sweeps", **options)
    scheduler.add_job(dispatch, "interval", seconds=dispatch_seconds, id="dispatch", **options)
    scheduler.start()
    event(log, "scheduler.started", leader=leadership.leader)
    return scheduler, leadership
