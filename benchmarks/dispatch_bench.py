"""Dispatcher throughput: queued messages through claim → policy → send → record, on SQLite.

Part 1 (in-process): `--messages` messages for `--users` borrowers through a fake channel,
against calling the channel alone for the same messages in the same run.

Part 2 (over HTTP): the same machinery sending through the real Telegram adapter over httpx to
a local mock Bot API server (benchmarks/mock_channel_server.py, its own process) that enforces
`--limit` messages/s overall and one per second per chat with 429s. The dispatcher holds the same
limit; the run reports the achieved rate, the 429s, and the ratio to a raw httpx loop sending the
same number of sendMessage calls (one per message) to the same server with no limit. The
objects of the imported modules are frozen (`gc.freeze()`) before either is measured.

    .venv/bin/python benchmarks/dispatch_bench.py                   # both parts
    .venv/bin/python benchmarks/dispatch_bench.py --skip-in-process --limit 1050
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import mock_channel_server
from sqlalchemy import Engine, insert
from sqlmodel import Session

from billbot.channel_config import build_channels
from billbot.chat.models import ChatIdentity
from billbot.clock import SystemClock
from billbot.db import make_engine, upgrade
from billbot.outbox.dispatcher import Dispatcher
from billbot.outbox.service import enqueue
from billbot.settings import Settings
from billbot.users.models import User
from channels import FakeChannel, OutboundMessage
from channels._transport import SpreadTransport

NOON_SHANGHAI = datetime(2026, 11, 16, 4, tzinfo=UTC)


def _seed(engine: Engine, users: int, messages: int, now: datetime, *, telegram: bool) -> None:
    with Session(engine) as session:
        session.execute(
            insert(User),
            [
                {
                    "email": f"u{i}@example.com",
                    "display_name": "U",
                    "locale": "en",
                    "time_zone": "Asia/Shanghai",
                    "currency": "CNY",
                    "created_at": now,
                }
                for i in range(users)
            ],
        )
        if telegram:
            session.execute(
                insert(ChatIdentity),
                [
                    {
                        "user_id": i + 1,
                        "channel": "telegram",
                        "address": str(100_000 + i),
                        "linked_at": now,
                        "consent_at": now,
                    }
                    for i in range(users)
                ],
            )
        for n in range(messages):
            # Digests are not capped, so every message may go: this measures the machinery.
            enqueue(
                session,
                user_id=n % users + 1,
                scenario="weekly_digest",
                dedupe_key=f"bench:{n}",
                category="digest",
                body=f"message {n}",
                now=now,
            )
        session.commit()


def in_process(args: argparse.Namespace, tmp: Path) -> None:
    clock = SystemClock()
    engine = make_engine(f"sqlite:///{tmp / 'fake.db'}")
    upgrade(engine)
    _seed(engine, args.users, args.messages, clock.now() - timedelta(minutes=1), telegram=False)
    fake = FakeChannel()
    dispatcher = Dispatcher(engine, {"fake": fake}, clock, batch=args.batch)

    started = time.perf_counter()
    asyncio.run(dispatcher.drain())
    elapsed = time.perf_counter() - started
    assert len(fake.sent) == args.messages, len(fake.sent)
    raw = FakeChannel()
    messages = [OutboundMessage(recipient="1", text=f"message {n}") for n in range(args.messages)]

    async def send_all() -> None:
        for message in messages:
            await raw.send(message)

    started = time.perf_counter()
    asyncio.run(send_all())
    raw_elapsed = time.perf_counter() - started
    print(
        f"in-process: dispatched {args.messages:,} messages in {elapsed:.2f} s = "
        f"{args.messages / elapsed:,.0f} messages/s; the fake channel alone "
        f"{args.messages / raw_elapsed:,.0f} messages/s (dispatcher/raw time "
        f"{elapsed / raw_elapsed:.0f}x)"
    )


async def _stats(base: str) -> dict[str, float]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base}/stats")
        stats: dict[str, float] = response.json()
        return stats


async def _control(base: str, **limits: float) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(f"{base}/control", json=limits)


async def _raw_loop(base: str, count: int, concurrency: int) -> float:
    """The baseline: `count` sendMessage calls over the same kind of client, nothing else."""
    # The same transport the adapters use (see channels/_transport.py).
    async with httpx.AsyncClient(transport=SpreadTransport(concurrency)) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with gate:
                response = await client.post(
                    f"{base}/bot1:bench/sendMessage",
                    json={"chat_id": 100_000 + n, "text": f"message {n}"},
                )
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return time.perf_counter() - started


def over_http(args: argparse.Namespace, tmp: Path) -> None:
    count, limit = args.http_messages, args.limit
    server, base = mock_channel_server.start(limit=limit, per_chat=1.0, idle=60)
    try:
        clock = SystemClock()
        engine = make_engine(f"sqlite:///{tmp / 'http.db'}")
        upgrade(engine)
        users = count // 2  # two messages each: the per-chat limit is held too
        _seed(engine, users, count, clock.now() - timedelta(minutes=1), telegram=True)
        settings = Settings(
            environment="test",
            secret_key="bench-" + "x" * 32,
            telegram_bot_token="1:bench",  # noqa: S106 - the mock server's
            telegram_webhook_secret="bench",  # noqa: S106
            telegram_api_base_url=base,
            channel_rate_limits=f"telegram:global={limit},per_chat=1",
        )
        telegram = build_channels(settings)["telegram"]
        # As a long-running dispatcher process would once started: the ~200,000 objects of the
        # imported modules are set aside, so a full garbage collection (which would walk them
        # all, ~0.1 s, every few passes) does not stall the sends. Both runs below share this.
        gc.collect()
        gc.freeze()
        dispatcher = Dispatcher(
            engine,
            {"telegram": telegram},
            clock,
            batch=args.batch,
            concurrency=args.concurrency,
        )

        async def drain() -> tuple[float, int]:
            started = time.perf_counter()
            report = await dispatcher.drain()
            elapsed = time.perf_counter() - started
            await telegram.aclose()
            return elapsed, report.outcomes["sent"]

        elapsed, sent = asyncio.run(drain())
        stats = asyncio.run(_stats(base))
        server_rate = (stats["accepted"] - 1) / (stats["last_at"] - stats["first_at"])
        asyncio.run(_control(base, limit=0, per_chat=0))
        raw_elapsed = asyncio.run(_raw_loop(base, count, args.concurrency))
    finally:
        server.terminate()
        server.wait()
    print(
        f"over HTTP (Telegram adapter → mock server on 127.0.0.1, limit {limit:,.0f}/s overall, "
        f"1/s per chat): sent {sent:,} of {count:,} in {elapsed:.2f} s = {sent / elapsed:,.0f} "
        f"messages/s; the server saw {server_rate:,.0f}/s "
        f"({server_rate / limit:.1%} of the limit) and answered "
        f"{stats['rejected_429']:.0f} × 429"
    )
    print(
        f"raw httpx loop, no limit, same server: {count / raw_elapsed:,.0f} requests/s; "
        f"dispatcher/raw time {elapsed / raw_elapsed:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--http-messages", type=int, default=12_000)
    parser.add_argument("--limit", type=float, default=1050.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_in_process:
            in_process(args, Path(tmp))
        over_http(args, Path(tmp))


if __name__ == "__main__":
    main()
