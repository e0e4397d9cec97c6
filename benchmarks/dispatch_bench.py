"""Dispatcher throughput: queued messages through claim → policy → send → record, on SQLite.

Sends `--messages` messages for `--users` borrowers through an in-process fake channel, and
compares with calling the channel alone for the same messages in the same run.

    .venv/bin/python benchmarks/dispatch_bench.py                 # 10,000 messages, 1,000 users
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from billbot.clock import FrozenClock
from billbot.db import make_engine, upgrade
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.service import enqueue
from billbot.users.schemas import UserBase
from billbot.users.service import create_user
from channels import FakeChannel, OutboundMessage

NOON_SHANGHAI = datetime(2026, 11, 16, 4, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    clock = FrozenClock(NOON_SHANGHAI)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'outbox.db'}")
        upgrade(engine)
        with Session(engine) as session:
            ids = []
            for i in range(args.users):
                user = create_user(
                    session,
                    email=f"u{i}@example.com",
                    password=None,
                    profile=UserBase(display_name="U", time_zone="Asia/Shanghai"),
                    now=clock.now(),
                )
                ids.append(user.id)
            for n in range(args.messages):
                # Digests are not capped, so every message may go: this measures the machinery.
                enqueue(
                    session,
                    user_id=ids[n % len(ids)],
                    scenario="weekly_digest",
                    dedupe_key=f"bench:{n}",
                    category="digest",
                    body=f"message {n}",
                    now=clock.now(),
                )
            session.commit()
        fake = FakeChannel()
        dispatcher = Dispatcher(engine, {"fake": fake}, clock, batch=args.batch)
        started = time.perf_counter()
        while asyncio.run(dispatcher.run_once()).claimed:
            pass
        elapsed = time.perf_counter() - started
        assert len(fake.sent) == args.messages, len(fake.sent)
        raw = FakeChannel()
        messages = [
            OutboundMessage(recipient="1", text=f"message {n}") for n in range(args.messages)
        ]

        async def send_all() -> None:
            for message in messages:
                await raw.send(message)

        started = time.perf_counter()
        asyncio.run(send_all())
        raw_elapsed = time.perf_counter() - started
    print(
        f"dispatched {args.messages:,} messages in {elapsed:.2f} s = {args.messages / elapsed:,.0f} messages/s"
    )
    print(
        f"the fake channel alone: {args.messages / raw_elapsed:,.0f} messages/s; dispatcher/raw time {elapsed / raw_elapsed:.0f}x"
    )


if __name__ == "__main__":
    main()
