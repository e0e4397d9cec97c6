"""Time stored weekly-report generation for every borrower of a synthetic SQLite database.

`billbot.reports.weekly.generate` reads each chunk's transactions, limits, dues, installments and
accounts set-wise, computes the reports in `insights` and stores them. The baseline, timed in the
same rounds, is the bare read it cannot avoid: the same users' transactions summed per day and
labels by the database, then `groupby(["user_id", "sub_category"]).sum()` in pandas. Every
borrower has a card (a closed October statement due 25 November, the open November one) and
about `--rows / --users` transactions since July; some have limits, a credit cap and a phone in
three installments, some a monthly subscription.

    .venv/bin/python benchmarks/weekly_generate_bench.py
    .venv/bin/python benchmarks/weekly_generate_bench.py --users 1000 --rows 80000 --repeat 3
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlmodel import Session

from billbot.db import make_engine, raw_rows, upgrade
from billbot.reports import weekly

WEEK_OF = date(2026, 11, 9)  # ISO week 2026-W46
NOW = datetime(2026, 11, 16, 12, tzinfo=UTC)
FIRST_DAY = date(2026, 7, 1)
LAST_DAY = date(2026, 11, 15)
SPENDING = [
    ("food", "groceries", ["Tesco", "Hema", "Aldi"], (1_500, 12_000)),
    ("food", "coffee", ["Starbucks", "Luckin Coffee"], (300, 900)),
    ("food", "food_delivery", ["Meituan", "Deliveroo"], (1_500, 6_000)),
    ("transport", "ride_hailing", ["Uber", "DiDi"], (800, 4_000)),
    ("shopping", "electronics", ["Apple Store", "JD.com"], (5_000, 90_000)),
]


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(path: Path, users: int, rows: int, seed: int) -> None:
    """Write the synthetic borrowers with executemany (fixed seed)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    created = _stamp(NOW - timedelta(days=400))
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    people: list[tuple[object, ...]] = []
    cards: list[tuple[object, ...]] = []
    tx: list[tuple[object, ...]] = []
    statements: list[tuple[object, ...]] = []
    limits: list[tuple[object, ...]] = []
    plans: list[tuple[object, ...]] = []
    items: list[tuple[object, ...]] = []
    days = (LAST_DAY - FIRST_DAY).days + 1
    per_user = max(1, rows // users)
    tx_id = 0
    for user in range(1, users + 1):
        locale = "zh-CN" if rng.random() < 0.3 else "en"
        people.append((user, f"u{user}@example.com", f"U{user}", locale, "UTC", "USD", created))
        cards.append(
            (
                user,
                user,
                "Card",
                "Bank",
                "credit_card",
                "USD",
                500000,
                5,
                "days_after_close",
                20,
                0,
                500,
                0,
                created,
            )
        )
        october = november = 0
        for n in range(per_user):
            category, sub, merchants, (low, high) = rng.choice(SPENDING)
            day = FIRST_DAY + timedelta(days=rng.randrange(days))
            amount = rng.randint(low, high)
            tx_id += 1
            tx.append(_tx(tx_id, user, day, amount, rng.choice(merchants), category, sub, n))
            if date(2026, 10, 6) <= day <= date(2026, 11, 5):
                october += amount
            elif day >= date(2026, 11, 6):
                november += amount
        if rng.random() < 0.2:  # a monthly subscription, charged on the 11th
            for month in (7, 8, 9, 10, 11):
                tx_id += 1
                day = date(2026, month, 11)
                tx.append(
                    _tx(tx_id, user, day, 1_599, "Netflix", "entertainment", "video", month + 100)
                )
        paid = october if rng.random() < 0.5 else 0
        statements.append(
            (
                2 * user - 1,
                user,
                user,
                "USD",
                "2026-10-06",
                "2026-11-05",
                "2026-11-25",
                _stamp(datetime(2026, 11, 6, tzinfo=UTC)),
                0,
                october,
                0,
                october,
                october // 20,
                paid,
                "paid" if paid else "closed",
                created,
            )
        )
        statements.append(
            (
                2 * user,
                user,
                user,
                "USD",
                "2026-11-06",
                "2026-12-05",
                "2026-12-25",
                _stamp(datetime(2026, 12, 6, tzinfo=UTC)),
                october,
                november,
                paid,
                october + november - paid,
                0,
                0,
                "open",
                None,
            )
        )
        roll = rng.random()
        if roll < 0.6:
            limits.append((user, None, "ideal_bill", None, "month", 300_000))
        if roll < 0.3:
            limits.append((user, None, "sub_category", "coffee", "week", 3_000))
        if roll < 0.1:
            limits.append((user, None, "merchant", "STARBUCKS", "month", 6_000))
            limits.append((user, user, "credit_cap", None, None, 200_000))
        if rng.random() < 0.1:
            plan = len(plans) + 1
            terms = (120_000, 3, "fee", 60, 2_160, 0, 122_160, created)
            plans.append((plan, user, user, "purchase", "USD", *terms))
            for seq, (post, statement) in enumerate(
                [("2026-11-05", 2 * user - 1), ("2026-12-05", 2 * user), ("2027-01-05", None)], 1
            ):
                items.append((plan, user, seq, post, 40_720, 40_000, 0, 720, statement))
    db.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,NULL,?)", people)
    db.executemany(
        "INSERT INTO accounts (id, user_id, name, issuer, kind, currency, credit_limit_minor, "
        "closing_day, due_rule, due_value, apr_bps, min_payment_bps, min_payment_floor_minor, "
        "created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        cards,
    )
    db.executemany(
        "INSERT INTO transactions (id, user_id, account_id, external_id, posted_at, local_date, "
        "amount_minor, currency, merchant_raw, merchant_name, kind, status, category, "
        "sub_category, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        tx,
    )
    db.executemany(
        "INSERT INTO statements (id, account_id, user_id, currency, cycle_start_date, "
        "cycle_end_date, due_date, closes_at, opening_balance_minor, charges_minor, "
        "credits_minor, statement_balance_minor, minimum_due_minor, paid_minor, status, "
        "closed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        statements,
    )
    db.executemany(
        "INSERT INTO limits (user_id, account_id, scope, target, period, currency, amount_minor, "
        "thresholds_bps, hard, pending_removal, created_at, updated_at) "
        "VALUES (?,?,?,?,?,'USD',?,'5000,8000,10000',0,0,?,?)",
        [(*row, created, created) for row in limits],
    )
    db.executemany(
        "INSERT INTO installment_plans (id, user_id, account_id, source, currency, "
        "principal_minor, term_months, pricing, rate_bps, fees_minor, interest_minor, "
        "total_minor, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        plans,
    )
    db.executemany(
        "INSERT INTO installment_items (plan_id, account_id, seq, post_date, amount_minor, "
        "principal_minor, interest_minor, fee_minor, statement_id) VALUES (?,?,?,?,?,?,?,?,?)",
        items,
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def _tx(
    tx_id: int, user: int, day: date, amount: int, merchant: str, category: str, sub: str, n: int
) -> tuple[object, ...]:
    at = _stamp(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    where = (tx_id, user, user, f"t{n}", at, day.isoformat(), amount, "USD")
    return (*where, merchant, merchant, "purchase", "posted", category, sub, at)


def baseline(session: Session, user_ids: list[int]) -> float:
    """The bare read: the same summed transactions, grouped by user and sub-category."""
    started = time.perf_counter()
    since = WEEK_OF - timedelta(days=weekly.HISTORY_DAYS + 7)
    for first in range(0, len(user_ids), weekly.CHUNK_USERS):
        chunk = user_ids[first : first + weekly.CHUNK_USERS]
        sql = weekly._SUMMED.replace("{users}", ",".join(["{mark}"] * len(chunk)))
        frame = pd.DataFrame.from_records(
            raw_rows(session, sql, [*chunk, since, WEEK_OF + timedelta(days=7)]),
            columns=weekly._COLUMNS,
        )
        frame.groupby(["user_id", "sub_category"])["amount_minor"].sum()
    return time.perf_counter() - started


def run(path: Path, repeat: int, users: int) -> None:
    """Time generation (first run: every report written; again: nothing changes) and baseline."""
    engine = make_engine(f"sqlite:///{path}")
    user_ids = list(range(1, users + 1))
    first, again, bare = [], [], []
    for _ in range(repeat):
        with Session(engine) as session:
            bare.append(baseline(session, user_ids))
        with Session(engine) as session:
            started = time.perf_counter()
            written = weekly.generate(session, week_of=WEEK_OF, now=NOW)
            session.commit()
            first.append(time.perf_counter() - started)
        with Session(engine) as session:
            started = time.perf_counter()
            unchanged = weekly.generate(session, week_of=WEEK_OF, now=NOW)
            session.commit()
            again.append(time.perf_counter() - started)
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM weekly_reports")
    assert written == users and unchanged == 0, (written, unchanged)
    engine.dispose()
    base = statistics.median(bare)
    for name, samples in (("first run (all written)", first), ("again (nothing changes)", again)):
        took = statistics.median(samples)
        print(
            f"{users:,} borrowers, {name}: {took:.2f} s ({took / users * 1e3:.2f} ms a borrower);"
            f" bare read + group-by {base:.2f} s; ratio {took / base:.1f}x "
            f"(medians of {repeat} rounds)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=46)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "weekly.db"
        started = time.perf_counter()
        seed(path, args.users, args.rows, args.seed)
        print(f"seeded {args.users:,} borrowers in {time.perf_counter() - started:.1f} s")
        run(path, args.repeat, args.users)


if __name__ == "__main__":
    main()
