"""Due-date sweep over 1,000,000 accounts: `sweep_due_dates` for one day against the raw SELECT.

Fixed-seed synthetic data in a SQLite file under /tmp (made once, reused while the seed and size
match): a borrower per account in one of 12 time zones, each account with its newest closed
statement (70% paid; the rest due from 27 days ago to 27 days ahead, missed minimums overdue)
and an older paid one. Each statement's next reminder date is what closing it sets
(`billbot.bills.reminder_dates.reminder_on`), reset so at the start of every run. The sweep runs
for the day before (not timed: the outbox then holds what earlier days queued, and the dates
have moved on, as in production) and is then timed for the day; the baseline is the raw indexed
SELECT of the rows the sweep reads, fetched in the same run with sqlite3.

    .venv/bin/python benchmarks/due_sweep_bench.py                     # 1,000,000 accounts
    .venv/bin/python benchmarks/due_sweep_bench.py --accounts 100000 --explain
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from billbot.bills.reminder_dates import ReminderState, reminder_on
from billbot.db import make_engine, upgrade
from billbot.scenarios.due_dates import sweep_due_dates

TODAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
ZONES = (
    "Asia/Shanghai",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Pacific/Tongatapu",
    "Pacific/Honolulu",
    "Asia/Kolkata",
    "Europe/Berlin",
    "America/Los_Angeles",
    "Africa/Lagos",
    "UTC",
)

# The rows the sweep reads, as one indexed query (the baseline).
RAW_SELECT = """
SELECT s.id, s.due_date, s.status, s.statement_balance_minor, s.paid_minor, s.minimum_due_minor,
       s.currency, s.next_reminder_on,
       NOT EXISTS (
           SELECT 1 FROM statements AS n
           WHERE n.account_id = s.account_id AND n.currency = s.currency
             AND n.cycle_end_date > s.cycle_end_date AND n.status != 'open') AS newest,
       u.id, u.time_zone, u.locale, u.display_name, a.name
FROM statements AS s
JOIN accounts AS a ON a.id = s.account_id
JOIN users AS u ON u.id = s.user_id
WHERE s.next_reminder_on <= :latest_today
"""


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(path: Path, accounts: int, seed: int) -> None:
    """Write users, accounts and two statements per account with executemany."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    created = _stamp(NOW - timedelta(days=400))
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    users, cards, statements = [], [], []
    for i in range(1, accounts + 1):
        locale = "zh-CN" if rng.random() < 0.3 else "en"
        users.append((i, f"u{i}@example.com", f"U{i}", locale, rng.choice(ZONES), "USD", created))
        cards.append((i, i, f"Card {i % 10}", "Bank", "credit_card", "USD", 500_000, 1, created))
        due = TODAY + timedelta(days=rng.randint(-27, 27))
        end = due - timedelta(days=20)
        start = end - timedelta(days=29)
        balance = rng.randint(1_000, 400_000)
        minimum = max(2_500, balance // 20)
        roll = rng.random()
        if roll < 0.7:
            status, paid = "paid", balance
        elif due < TODAY:
            missed = rng.random() < 0.5
            status, paid = ("overdue", 0) if missed else ("partially_paid", minimum)
        else:
            status, paid = ("closed", 0) if rng.random() < 0.7 else ("partially_paid", minimum)
        closes = _stamp(datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1))
        statements.append(
            (i, "USD", start, end, due, closes, balance, minimum, paid, status, closes)
        )
        older_end = start - timedelta(days=1)
        older_due = due - timedelta(days=30)
        older_start = older_end - timedelta(days=29)
        older_close = _stamp(
            datetime(older_end.year, older_end.month, older_end.day, tzinfo=UTC) + timedelta(days=1)
        )
        statements.append(
            (i, "USD", older_start, older_end, older_due, older_close, 9_000, 2_500, 9_000,
             "paid", older_close)
        )  # fmt: skip
    db.executemany(
        "INSERT INTO users (id, email, display_name, locale, time_zone, currency, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        users,
    )
    db.executemany(
        "INSERT INTO accounts (id, user_id, name, issuer, kind, currency, credit_limit_minor,"
        " closing_day, due_rule, due_value, apr_bps, min_payment_bps, min_payment_floor_minor,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'days_after_close', 20, 1800, 500, 2500, ?)",
        cards,
    )
    db.executemany(
        "INSERT INTO statements (account_id, user_id, currency, cycle_start_date,"
        " cycle_end_date, due_date, closes_at, opening_balance_minor, charges_minor,"
        " credits_minor, statement_balance_minor, minimum_due_minor, paid_minor, status,"
        " closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, ?)",
        [(s[0], s[0], *s[1:5], s[5], *s[6:]) for s in statements],
    )
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


def database(accounts: int, seed: int) -> Path:
    """The generated database, made once per size and seed (its outbox emptied each run)."""
    path = Path(tempfile.gettempdir()) / f"billbot_due_sweep_{accounts}_{seed}.db"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".partial")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        generate(tmp, accounts, seed)
        tmp.rename(path)
        print(f"generated {accounts:,} accounts in {time.perf_counter() - started:.1f} s: {path}")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)  # a column or an index added by a newer migration
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox_messages"))
        reset_reminder_dates(connection)
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return path


# Each closed statement's reminder state: whether it is its account's newest closed one.
_STATES = """
SELECT s.id, s.status, s.due_date, s.statement_balance_minor > s.paid_minor,
       NOT EXISTS (
           SELECT 1 FROM statements AS n
           WHERE n.account_id = s.account_id AND n.currency = s.currency
             AND n.cycle_end_date > s.cycle_end_date AND n.status != 'open')
FROM statements AS s WHERE s.status != 'open'
"""


def reset_reminder_dates(connection: Connection) -> None:
    """Every statement's next reminder date as closing it sets it (what earlier runs moved)."""
    dates = []
    for sid, status, due, owing, newest in connection.execute(text(_STATES)):
        state = ReminderState(status, date.fromisoformat(due), bool(owing), bool(newest))
        on = reminder_on(state)
        dates.append({"sid": sid, "on": on.isoformat() if on else None})
    connection.execute(text("UPDATE statements SET next_reminder_on = NULL"))
    connection.execute(
        text("UPDATE statements SET next_reminder_on = :on WHERE id = :sid"),
        [d for d in dates if d["on"] is not None],
    )


def raw_select(engine: Engine, now: datetime) -> tuple[float, int]:
    """The baseline: the same rows through the same pooled connection (same pragmas), raw."""
    params = {"latest_today": str((now + timedelta(hours=14)).date())}
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        rows = cursor.execute(RAW_SELECT, params).fetchall()
        elapsed = time.perf_counter() - started
        cursor.close()
    finally:
        connection.close()
    return elapsed, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261116)
    parser.add_argument("--explain", action="store_true", help="print the raw query's plan")
    args = parser.parse_args()
    path = database(args.accounts, args.seed)
    engine = make_engine(f"sqlite:///{path}")
    if args.explain:
        db = sqlite3.connect(path)
        params = {"latest_today": str(TODAY)}
        for row in db.execute("EXPLAIN QUERY PLAN " + RAW_SELECT, params):
            print("  plan:", row[-1])
        db.close()
    with Session(engine) as session:  # the day before: what earlier sweeps already queued
        before = sweep_due_dates(session, now=NOW - timedelta(days=1))
        session.commit()
    raw_select(engine, NOW)  # warm the page cache for both
    raw_elapsed, rows = raw_select(engine, NOW)  # what the day's sweep reads, before it runs
    with Session(engine) as session:
        started = time.perf_counter()
        queued = sweep_due_dates(session, now=NOW)
        session.commit()
        elapsed = time.perf_counter() - started
    with Session(engine) as session:  # the same day again: nothing new
        started = time.perf_counter()
        again = sweep_due_dates(session, now=NOW)
        session.commit()
        again_elapsed = time.perf_counter() - started
    print(
        f"{args.accounts:,} accounts, {rows:,} statements to look at: the day's sweep queued "
        f"{queued:,} reminders in {elapsed:.2f} s (the day before queued {before:,}); "
        f"run again the same day: {again} in {again_elapsed:.2f} s"
    )
    print(
        f"raw indexed SELECT of the same rows: {raw_elapsed:.2f} s; "
        f"sweep/raw time {elapsed / raw_elapsed:.1f}x (again: {again_elapsed / raw_elapsed:.1f}x)"
    )


if __name__ == "__main__":
    main()
