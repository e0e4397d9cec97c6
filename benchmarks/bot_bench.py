"""Chat bot answer latency, in-process, on the demo borrower.

Times `billbot.bot.reply_to` over `--messages` mixed messages (free text in English and Chinese,
typos included, and button presses), each in its own transaction rolled back afterwards, as a
webhook handler would run it (it commits instead). Two baselines measured in the same run: the
intent parser alone, and a plain SQL read of the borrower's statements (the least any answer
about a bill must read).

    .venv/bin/python benchmarks/bot_bench.py                # 5,000 messages
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session
from timing import percentile

from billbot.bills.queries import list_statements
from billbot.bot import reply_to
from billbot.bot.intents import parse
from billbot.db import make_engine, raw_rows, upgrade
from billbot.demo.seed import seed_demo
from billbot.users.models import User
from billbot.wiring import categoriser_hook

NOW = datetime(2026, 11, 16, 12, tzinfo=UTC)
TEXTS = (
    "how much did i spend this weeek",
    "本周花了多少",
    "这个月花了多少",
    "还款",
    "账单",
    "my bill",
    "when is my bill due",
    "paid",
    "remind me tomorrow",
    "how much is left",
    "还剩多少",
    "limit coffee 100",
    "limit coffee 300",
    "why did i get this",
    "why is STARBUCKS in coffee",
    "为什么星巴克是咖啡",
    "help",
    "stop",
    "start",
    "hello",
    "qwerty",
    "tell me a joke",
)


def summary(samples: list[float]) -> str:
    return f"median {statistics.median(samples):7.3f} ms   p99 {percentile(samples, 0.99):7.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=5_000)
    args = parser.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bot.db'}")
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            seeded = seed_demo(session, now=NOW, categorise=categoriser_hook())
            session.commit()
        with Session(engine, expire_on_commit=False) as session:
            user = session.get(User, seeded.user_id)
            assert user is not None
            due = [s for s in list_statements(session, user=user, now=NOW) if s.status != "open"]
            session.commit()
            statement = due[0].id
            buttons = (
                f"options:{statement}",
                f"paid:{statement}",
                f"snooze:{statement}",
                f"choose:{statement}:full",
                "menu:bill",
                "menu:left",
                "menu:spending_week",
                "options:999999",
            )
            mix: list[tuple[str | None, str | None]] = [
                (rng.choice(TEXTS), None) if rng.random() < 0.7 else (None, rng.choice(buttons))
                for _ in range(args.messages)
            ]

            def answer(text: str | None, button: str | None) -> None:
                reply_to(
                    session, user=user, channel="telegram", now=NOW, text=text, button_id=button
                )
                session.rollback()

            for text, button in mix[:200]:  # warm up, as a running service would be
                answer(text, button)
            timings: list[float] = []
            by_kind: dict[str, list[float]] = defaultdict(list)
            for text, button in mix:
                started = time.perf_counter()
                answer(text, button)
                elapsed = (time.perf_counter() - started) * 1000
                timings.append(elapsed)
                by_kind[text or (button or "").split(":")[0] + ":"].append(elapsed)

            parsed: list[float] = []
            for text, _ in mix:
                started = time.perf_counter()
                parse(text)
                parsed.append((time.perf_counter() - started) * 1000)

            raw: list[float] = []
            for _ in mix:
                started = time.perf_counter()
                raw_rows(
                    session,
                    "SELECT id, account_id, currency, status, statement_balance_minor, "
                    "paid_minor, minimum_due_minor, due_date FROM statements "
                    "WHERE user_id = {mark} ORDER BY cycle_end_date DESC",
                    [user.id],
                )
                session.rollback()
                raw.append((time.perf_counter() - started) * 1000)

    print(f"bot reply_to, {len(mix):,} mixed messages (SQLite, demo borrower)")
    print(f"  reply_to            {summary(timings)}")
    print(f"  intent parser alone {summary(parsed)}")
    print(f"  raw statements read {summary(raw)}")
    ratio = statistics.median(timings) / statistics.median(raw)
    print(f"  ratio reply_to / raw read (median): {ratio:.1f}x")
    print(f"  p99 ratio: {percentile(timings, 0.99) / percentile(raw, 0.99):.1f}x")
    print("  slowest kinds by p99:")
    worst = sorted(by_kind.items(), key=lambda kv: -percentile(kv[1], 0.99))[:6]
    for kind, samples in worst:
        print(f"    {kind[:32]:32} {summary(samples)}  (n={len(samples)})")


if __name__ == "__main__":
    main()
