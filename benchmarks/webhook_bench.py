"""Inbound webhook to reply enqueued: signed Telegram texts from a linked borrower, on SQLite.

Each request goes through the whole ASGI app (middleware, secret-token check, parsing, the
de-duplication insert, the bot's answer from the same services the API uses, the reply queued
in the outbox, one commit) with `httpx.ASGITransport`; replies are left queued for the
dispatcher, so no provider is called. The baseline is the bare ASGI round trip of `/healthz`
measured in the same run. Fixed seed; run with

    .venv/bin/python benchmarks/webhook_bench.py                  # 5,000 requests
    .venv/bin/python benchmarks/webhook_bench.py --requests 500   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import Session, func, select
from timing import percentile

from billbot.app import create_app
from billbot.chat.linking import issue_code, link
from billbot.clock import FrozenClock
from billbot.db import make_engine, upgrade
from billbot.outbox.models import OutboxMessage
from billbot.settings import Settings
from billbot.users.schemas import UserBase
from billbot.users.service import create_user
from channels import TelegramChannel, TelegramSettings

SECRET = "bench-webhook-secret"  # noqa: S105 - a benchmark's own secret
TEXTS = ("my bill", "how much is left", "how much did I spend this week", "help", "本周花了多少")


def _update(n: int, chat_id: int, text: str) -> bytes:
    message = {
        "message_id": n,
        "date": 1763294400,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Bench"},
        "text": text,
    }
    return json.dumps({"update_id": n, "message": message}).encode()


async def _run(requests: int, seed: int) -> None:
    rng = random.Random(seed)
    clock = FrozenClock(datetime(2026, 11, 16, 12, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        chats = list(range(1000, 1020))
        with Session(engine) as session:
            for chat_id in chats:
                user = create_user(
                    session,
                    email=f"b{chat_id}@example.com",
                    password="correct horse battery",  # noqa: S106 - a benchmark borrower
                    profile=UserBase(display_name="Bench"),
                    now=clock.now(),
                )
                assert user.id is not None
                code, _ = issue_code(
                    session, user_id=user.id, now=clock.now(), lifetime=timedelta(minutes=5)
                )
                link(session, channel="telegram", address=str(chat_id), code=code, now=clock.now())
            session.commit()
        settings = Settings(environment="test", log_level="WARNING")
        telegram = TelegramChannel(TelegramSettings("1:bench", SECRET), clock=clock.now)
        app = create_app(
            settings=settings, engine=engine, clock=clock, channels={"telegram": telegram}
        )
        app.state.deliver_replies_at_once = False  # measure up to the reply being queued
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(50):  # warm up both paths
                await client.get("/healthz")
            for n in range(1, 51):
                body = _update(10_000_000 + n, rng.choice(chats), rng.choice(TEXTS))
                await client.post("/webhooks/telegram", content=body, headers=headers)

            baseline: list[float] = []
            for _ in range(requests):
                started = time.perf_counter()
                response = await client.get("/healthz")
                baseline.append(time.perf_counter() - started)
                assert response.status_code == 200

            webhook: list[float] = []
            for n in range(1, requests + 1):
                body = _update(n, rng.choice(chats), rng.choice(TEXTS))
                started = time.perf_counter()
                response = await client.post("/webhooks/telegram", content=body, headers=headers)
                webhook.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
        with Session(engine) as session:
            queued = session.exec(select(func.count()).select_from(OutboxMessage)).one()
        engine.dispose()
    assert queued == requests + 50, f"expected one reply per request, found {queued}"

    def ms(value: float) -> str:
        return f"{value * 1000:.2f} ms"

    base_median, base_p99 = statistics.median(baseline), percentile(baseline, 0.99)
    hook_median, hook_p99 = statistics.median(webhook), percentile(webhook, 0.99)
    print(f"requests: {requests} webhooks (20 linked borrowers, {len(TEXTS)} kinds of question)")
    print(f"baseline GET /healthz    median {ms(base_median)}  p99 {ms(base_p99)}")
    print(f"webhook → reply queued   median {ms(hook_median)}  p99 {ms(hook_p99)}")
    print(
        f"ratio (webhook / baseline): median {hook_median / base_median:.1f}x, "
        f"p99 {hook_p99 / base_p99:.1f}x"
    )
    print(f"target p99 under 20 ms: {'met' if hook_p99 < 0.020 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(_run(args.requests, args.seed))


if __name__ == "__main__":
    main()
