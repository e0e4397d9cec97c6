"""The per-day spending totals always equal a recount of the transactions they summarise.

Ingest adds new rows, a pending entry posted later (another day, another amount) rebuilds its
days, a recategorisation (one-off or "always") rebuilds the days it touched, and the migration
that adds the table counts what was stored before it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect
from sqlmodel import Session, col, select

from billbot.accounts.schemas import AccountCreate
from billbot.accounts.service import open_account
from billbot.categorize.service import correct
from billbot.db import alembic_config, make_engine, raw_rows, upgrade
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.transactions.models import SpendingDay, Transaction
from billbot.transactions.spending_days import parse_amounts
from billbot.users.schemas import UserBase
from billbot.users.service import create_user
from billbot.wiring import categoriser_hook

NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
MERCHANTS = [
    ("STARBUCKS STORE 123 SEATTLE WA", "5814"),
    ("SHELL OIL 5 HOUSTON TX", "5541"),
    ("WHOLEFDS MKT 7 AUSTIN TX", "5411"),
    ("NETFLIX.COM 866-579-7172", "4899"),
    ("ZQXJ UNKNOWN THING", None),  # stays uncategorised: its labels are kept as ""
]

Key = tuple[Any, ...]


def _recount(session: Session, user_id: int) -> dict[Key, tuple[int, int, list[int]]]:
    """What `spending_days` should hold for the user, counted from the transactions."""
    groups: dict[Key, list[int]] = defaultdict(list)
    rows = session.exec(select(Transaction).where(col(Transaction.user_id) == user_id)).all()
    for t in rows:
        key = (
            t.local_date,
            t.account_id,
            t.currency,
            t.kind,
            t.category or "",
            t.sub_category or "",
        )
        groups[key].append(t.amount_minor)
    return {k: (len(v), sum(v), sorted(v)) for k, v in groups.items()}


def _stored(session: Session, user_id: int) -> dict[Key, tuple[int, int, list[int]]]:
    rows = session.exec(select(SpendingDay).where(col(SpendingDay.user_id) == user_id)).all()
    return {
        (r.local_date, r.account_id, r.currency, r.kind, r.category, r.sub_category): (
            r.entries,
            r.total_minor,
            sorted(parse_amounts(r.amounts)),
        )
        for r in rows
    }


def _post(engine: Engine, account: Any, items: list[NewTransaction]) -> None:
    with Session(engine) as session:
        ingest(
            session,
            account=account,
            time_zone="America/New_York",
            items=items,
            now=NOW,
            categorise=categoriser_hook(),
        )
        session.commit()


def _assert_counted(engine: Engine, user_id: int) -> None:
    with Session(engine) as session:
        expected = _recount(session, user_id)
        assert expected, "the test posted nothing"
        assert _stored(session, user_id) == expected


def test_random_batches_with_repeats_and_pending_entries_posted_later(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user = make_user("days@example.com", time_zone="America/New_York")
    account = make_account(user.id, closing_day=28)
    other = make_account(user.id, name="Second card", closing_day=10)
    rng = random.Random(20261127)
    pending: list[NewTransaction] = []
    for round_ in range(25):
        items: list[NewTransaction] = []
        for i in range(rng.randint(1, 12)):
            description, mcc = rng.choice(MERCHANTS)
            kind = rng.choice(["purchase"] * 6 + ["refund", "fee"])
            amount = rng.randint(1, 40_000)
            status = "pending" if rng.random() < 0.25 else "posted"
            item = NewTransaction(
                external_id=f"r{round_}-{i}",
                amount_minor=-amount if kind == "refund" else amount,
                description=description,
                mcc=mcc,
                kind=kind,
                status=status,
                posted_at=NOW - timedelta(hours=rng.randint(0, 24 * 40)),
            )
            items.append(item)
            if status == "pending":
                pending.append(item)
        # Repeats of earlier items (nothing new), and pending ones posted: on another day, for
        # another amount, as a hotel or a tip settles.
        if pending and rng.random() < 0.6:
            settled = pending.pop(rng.randrange(len(pending)))
            items.append(
                NewTransaction(
                    external_id=settled.external_id,
                    amount_minor=settled.amount_minor + rng.randint(1, 900),
                    description=settled.description,
                    mcc=settled.mcc,
                    kind=settled.kind,
                    status="posted",
                    posted_at=(settled.posted_at or NOW) + timedelta(days=rng.randint(1, 3)),
                )
            )
        items += rng.sample(items, k=min(2, len(items)))
        _post(engine, rng.choice([account, other]), items)
        _assert_counted(engine, user.id)


def test_corrections_one_off_and_always_recount_their_days(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user = make_user("fix@example.com", time_zone="America/New_York")
    account = make_account(user.id, closing_day=28)
    _post(
        engine,
        account,
        [
            NewTransaction(
                external_id=f"c{i}",
                amount_minor=500 + i,
                description="STARBUCKS STORE 123 SEATTLE WA",
                mcc="5814",
                posted_at=NOW - timedelta(days=i % 5),
            )
            for i in range(12)
        ],
    )
    _assert_counted(engine, user.id)
    _correct(engine, user.id, "c3", "groceries", always=False)
    _assert_counted(engine, user.id)
    with Session(engine) as session:
        groceries = session.exec(
            select(SpendingDay).where(col(SpendingDay.sub_category) == "groceries")
        ).all()
        assert [(r.entries, r.total_minor) for r in groceries] == [(1, 503)]
    _correct(engine, user.id, "c4", "fast_food", always=True)
    _assert_counted(engine, user.id)
    with Session(engine) as session:
        subs = {r.sub_category for r in session.exec(select(SpendingDay)).all()}
    # "Always" moves every purchase from the merchant, the one corrected before included.
    assert subs == {"fast_food"}


def _correct(engine: Engine, user_id: int, external_id: str, sub: str, *, always: bool) -> None:
    with Session(engine) as session:
        query = select(Transaction).where(col(Transaction.external_id) == external_id)
        transaction = session.exec(query).one()
        correct(
            session,
            user_id=user_id,
            transaction=transaction,
            sub_category=sub,
            always=always,
            now=NOW,
        )
        session.commit()


def test_the_migration_counts_what_was_stored_before_it(tmp_path: Path) -> None:
    # Its own SQLite database: taken back to the release before the table and forward again.
    # (On PostgreSQL the shared test database runs the same migration on every CI run.)
    engine = make_engine(f"sqlite:///{tmp_path / 'older.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(
            session,
            email="old@example.com",
            password=None,
            profile=UserBase(display_name="Old", time_zone="Asia/Shanghai"),
            now=NOW,
        )
        assert user.id is not None
        account = open_account(
            session,
            user_id=user.id,
            data=AccountCreate(name="Card", currency="CNY", closing_day=5),
            now=NOW,
        )
        session.commit()
    rng = random.Random(7)
    _post(
        engine,
        account,
        [
            NewTransaction(
                external_id=f"m{i}",
                amount_minor=rng.randint(1, 9_000),
                description=rng.choice(MERCHANTS)[0],
                posted_at=NOW - timedelta(hours=rng.randint(0, 24 * 90)),
            )
            for i in range(300)
        ],
    )
    with Session(engine) as session:
        before = _recount(session, user.id)
    config = alembic_config(str(engine.url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    with engine.connect() as connection:
        assert "spending_days" not in inspect(connection).get_table_names()
    upgrade(engine)
    with Session(engine) as session:
        assert _stored(session, user.id) == before
        # ... and the borrower has a first stamp (`kept_days`), a signed BIGINT.
        stamps = raw_rows(
            session, "SELECT stamp FROM spending_stamps WHERE user_id = {mark}", [user.id]
        )
        assert len(stamps) == 1 and 0 <= int(stamps[0][0]) < 2**63
    engine.dispose()
