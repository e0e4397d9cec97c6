"""What ingest hands the event scenarios besides the rows: each currency's newest statement."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from billbot.db import raw_rows
from billbot.transactions.ingest import StoredBatch, ingest
from billbot.wiring import categoriser_hook

NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
TZ = "America/New_York"
MERCHANTS = [("STARBUCKS STORE 123 SEATTLE WA", "5814"), ("SHELL OIL 5 HOUSTON TX", "5541")]


def test_the_batch_carries_each_currencys_newest_statement_as_stored(
    engine: Engine, make_user: Any, make_account: Any, random_posts: Any
) -> None:
    user = make_user("newest@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=5)
    rng = random.Random(20261129)
    # Purchases, refunds and repayments, some weeks late, some pending then posted; a few in
    # a second currency; the clock crosses several closing days.
    posts = random_posts(
        rng,
        start=NOW - timedelta(days=70),
        merchants=MERCHANTS,
        kinds=("purchase",) * 6 + ("refund", "repayment"),
        tag="n",
    )
    seen: list[StoredBatch] = []
    currencies: set[str] = set()
    for round_ in range(50):
        posts.now += timedelta(days=rng.choice([0, 1, 2]))
        items = posts.next_batch(round_)
        if rng.random() < 0.2:
            items = [
                replace(item, currency="EUR", external_id=f"{item.external_id}e") for item in items
            ]
        with Session(engine) as session:
            ingest(
                session,
                account=account,
                time_zone=TZ,
                items=items,
                now=posts.now,
                categorise=categoriser_hook(),
                after_store=lambda _s, _u, _n, batch: seen.append(batch),
            )
            batch = seen[-1]
            assert batch.newest_statements, round_
            for currency, (statement_id, balance) in batch.newest_statements.items():
                ((newest_id, newest_balance),) = raw_rows(
                    session,
                    "SELECT id, statement_balance_minor FROM statements WHERE account_id = {mark} "
                    "AND currency = {mark} ORDER BY cycle_start_date DESC LIMIT 1",
                    [account.id, currency],
                )
                assert (statement_id, balance) == (newest_id, int(newest_balance)), round_
            currencies |= set(batch.newest_statements)
            # Every currency the batch's rows are in has its newest statement.
            assert set(batch.columns["currency"]) <= set(batch.newest_statements), round_
            session.commit()
    assert currencies == {"USD", "EUR"}
