"""The same batch posted by several clients at once creates each transaction once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from billbot.bills.models import Statement
from billbot.bills.service import load_book, rebuild
from billbot.clock import FrozenClock
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.transactions.models import Transaction


def _batch(n: int) -> list[NewTransaction]:
    start = datetime(2026, 9, 1, 8, tzinfo=UTC)
    return [
        NewTransaction(
            external_id=f"c{i}",
            amount_minor=100 + i,
            description="SHELL OIL 5521",
            posted_at=start + timedelta(hours=7 * i),
        )
        for i in range(n)
    ]


def test_concurrent_posts_create_each_transaction_once(
    engine: Engine, make_user: Any, make_account: Any, clock: FrozenClock
) -> None:
    user = make_user(time_zone="America/Chicago")
    account = make_account(user.id, closing_day=12)

    def post(_: int) -> int:
        with Session(engine, expire_on_commit=False) as session:
            result = ingest(
                session,
                account=account,
                time_zone=user.time_zone,
                items=_batch(300),
                now=clock.now(),
            )
            session.commit()
            return result.count("created")

    with ThreadPoolExecutor(max_workers=4) as pool:
        created = list(pool.map(post, range(4)))

    assert sum(created) == 300
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Transaction)).scalar() == 300
        charges = session.execute(select(func.sum(Statement.charges_minor))).scalar()
        assert charges == sum(100 + i for i in range(300))
        # The incrementally kept totals equal a recount from the rows themselves.
        book = load_book(session, account, user.time_zone)
        kept = [(s.charges_minor, s.statement_balance_minor, s.status) for s in book.statements]
        rebuild(session, book, now=clock.now())
        assert [
            (s.charges_minor, s.statement_balance_minor, s.status) for s in book.statements
        ] == kept
