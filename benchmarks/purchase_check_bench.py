"""Pre-purchase check latency, in-process, for the demo borrower with limits set.

Times `check_purchase` (categorise the purchase, read the live limits and this period's
spending, decide) over `--calls` varied purchases, against the raw grouped spending read alone.

    .venv/bin/python benchmarks/purchase_check_bench.py             # 10,000 calls
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session
from timing import percentile

from billbot.db import make_engine, raw_rows, upgrade
from billbot.demo.merchants import CNY_MERCHANTS
from billbot.demo.seed import seed_demo
from billbot.limits.check import Purchase, check_purchase
from billbot.users.models import User
from billbot.wiring import categoriser_hook

NOW = datetime(2026, 11, 16, 12, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'check.db'}")
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            seeded = seed_demo(session, now=NOW, categorise=categoriser_hook())
            session.commit()
        with Session(engine, expire_on_commit=False) as session:
            user = session.get(User, seeded.user_id)
            assert user is not None and user.id is not None
            purchases = [
                Purchase(
                    amount_minor=rng.randint(m.low, m.high),
                    currency="CNY",
                    merchant=f"{m.raw} {rng.randint(1, 50)}",
                    mcc=m.mcc,
                    account_id=seeded.account_ids[0],
                )
                for m in (rng.choice(CNY_MERCHANTS) for _ in range(args.calls))
            ]
            check_purchase(session, user=user, purchase=purchases[0], now=NOW)  # warm caches
            samples = []
            decisions: dict[str, int] = {}
            for purchase in purchases:
                started = time.perf_counter()
                result = check_purchase(session, user=user, purchase=purchase, now=NOW)
                samples.append((time.perf_counter() - started) * 1000)
                decisions[result["decision"]] = decisions.get(result["decision"], 0) + 1
            raw = []
            since = (NOW - timedelta(days=40)).date()
            for _ in range(args.calls):
                started = time.perf_counter()
                raw_rows(
                    session,
                    "SELECT local_date, currency, category, sub_category, merchant_name, account_id, SUM(amount_minor) "
                    "FROM transactions WHERE user_id = {mark} AND local_date >= {mark} AND kind <> 'repayment' "
                    "GROUP BY local_date, currency, category, sub_category, merchant_name, account_id",
                    [user.id, since],
                )
                raw.append((time.perf_counter() - started) * 1000)
    median, p99 = statistics.median(samples), percentile(samples, 0.99)
    raw_median = statistics.median(raw)
    print(
        f"pre-purchase check over {args.calls:,} calls: median {median:.3f} ms, p99 {p99:.3f} ms (target p99 < 5 ms)"
    )
    print(
        f"raw grouped spending read alone: median {raw_median:.3f} ms; ratio check/raw {median / raw_median:.1f}x"
    )
    print(f"decisions: {decisions}")


if __name__ == "__main__":
    main()
