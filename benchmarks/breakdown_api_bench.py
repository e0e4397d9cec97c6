"""Breakdown latency through the API for one borrower with many transactions.

Seeds one borrower with `--rows` categorised transactions over about two years (through the real
ingest path), then times `GET /v1/breakdowns` through the ASGI app (a month, and a range covering
every row) against a raw SQL `GROUP BY category, sub_category` over the same rows in the same run.

    .venv/bin/python benchmarks/breakdown_api_bench.py              # 30,000 rows, 200 requests each
    .venv/bin/python benchmarks/breakdown_api_bench.py --rows 3000 --requests 20
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from billbot.accounts.schemas import AccountCreate
from billbot.accounts.service import open_account
from billbot.app import create_app
from billbot.clock import FrozenClock
from billbot.db import make_engine, upgrade
from billbot.demo.merchants import CNY_MERCHANTS
from billbot.settings import Settings
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.users.schemas import UserBase
from billbot.users.service import create_user
from billbot.wiring import categoriser_hook

NOW = datetime(2026, 11, 16, 12, tzinfo=UTC)


def seed(url: str, rows: int) -> None:
    rng = random.Random(7)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(
            session,
            email="heavy@example.com",
            password="benchmark-password",  # noqa: S106
            profile=UserBase(display_name="Heavy", time_zone="Asia/Shanghai", currency="CNY"),
            now=NOW,
        )
        assert user.id is not None
        account = open_account(
            session,
            user_id=user.id,
            data=AccountCreate(name="Card", currency="CNY", closing_day=5),
            now=NOW,
        )
        items = []
        # Issuers post in time order: oldest first.
        minutes = sorted((rng.randrange(730 * 24 * 60) for _ in range(rows)), reverse=True)
        for i in range(rows):
            merchant = rng.choice(CNY_MERCHANTS)
            at = NOW - timedelta(minutes=minutes[i])
            items.append(
                NewTransaction(
                    external_id=f"h{i}",
                    amount_minor=rng.randint(merchant.low, merchant.high),
                    description=f"{merchant.raw} {rng.randint(1, 40)}",
                    mcc=merchant.mcc,
                    posted_at=at,
                )
            )
        ingest(
            session,
            account=account,
            time_zone="Asia/Shanghai",
            items=items,
            now=NOW,
            categorise=categoriser_hook(),
        )
        session.commit()
    engine.dispose()


def timed(call: object, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def describe(name: str, samples: list[float]) -> float:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
    print(f"{name:44s} median {median:7.2f} ms   p95 {p95:7.2f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite:///{path}"
        started = time.perf_counter()
        seed(url, args.rows)
        print(f"seeded {args.rows:,} transactions in {time.perf_counter() - started:.1f} s")
        engine = make_engine(url)
        app = create_app(
            settings=Settings(environment="test", secret_key="b" * 40, log_level="WARNING"),
            engine=engine,
            clock=FrozenClock(NOW),
        )
        with TestClient(app) as client:
            token = client.post(
                "/v1/auth/login",
                json={"email": "heavy@example.com", "password": "benchmark-password"},
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            everything = {
                "from": (NOW - timedelta(days=365)).date().isoformat(),
                "to": NOW.date().isoformat(),
            }
            check = client.get("/v1/breakdowns", params=everything, headers=headers)
            assert check.status_code == 200, check.text
            month = describe(
                "API breakdown, one month (2026-10)",
                timed(
                    lambda: client.get(
                        "/v1/breakdowns", params={"month": "2026-10"}, headers=headers
                    ),
                    args.requests,
                ),
            )
            full = describe(
                "API breakdown, 365 days vs the 365 before",
                timed(
                    lambda: client.get("/v1/breakdowns", params=everything, headers=headers),
                    args.requests,
                ),
            )
        connection = sqlite3.connect(path)
        sql = "SELECT category, sub_category, sum(amount_minor), count(*) FROM transactions WHERE user_id = 1 AND local_date BETWEEN ? AND ? GROUP BY category, sub_category"
        start = (NOW - timedelta(days=730)).date().isoformat()
        raw = describe(
            "raw SQL GROUP BY over the same two years",
            timed(
                lambda: connection.execute(sql, (start, everything["to"])).fetchall(), args.requests
            ),
        )
        raw_month = describe(
            "raw SQL GROUP BY, two months",
            timed(
                lambda: connection.execute(sql, ("2026-09-01", "2026-10-31")).fetchall(),
                args.requests,
            ),
        )
        print(
            f"ratio API/raw: month {month / raw_month:.1f}x, full range {full / raw:.1f}x (target: API median under 50 ms)"
        )


if __name__ == "__main__":
    main()
