"""Random issuer posts for the tests of what the process keeps beside the transactions."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.categorize.service import correct
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.transactions.models import Transaction
from billbot.wiring import after_ingest_hook, categoriser_hook

CREDITS = ("refund", "repayment")


class RandomPosts:
    """Batches as an issuer posts them, a round at a time: mostly recent purchases, some weeks
    late, some pending and posted later for another amount on another day; the clock moves on a
    few hours at a time and now and then goes back a little."""

    def __init__(
        self,
        rng: random.Random,
        *,
        start: datetime,
        merchants: list[tuple[str, str]],
        kinds: tuple[str, ...] = ("purchase",),
        tag: str,
    ) -> None:
        self.rng, self.now, self.merchants, self.kinds, self.tag = rng, start, merchants, kinds, tag
        self.pending: list[NewTransaction] = []

    def next_batch(self, round_: int) -> list[NewTransaction]:
        """The next round's batch; `now` is the moment it is posted."""
        rng = self.rng
        self.now += timedelta(hours=rng.choice([2, 5, 12, 24, -30]))
        items = []
        for i in range(rng.randint(1, 8)):
            description, mcc = rng.choice(self.merchants)
            kind = rng.choice(self.kinds)
            back = rng.randint(0, 60) if rng.random() < 0.8 else rng.randint(24 * 5, 24 * 60)
            status = "pending" if kind == "purchase" and rng.random() < 0.2 else "posted"
            amount = rng.choice([rng.randint(100, 20_000), 500])  # some repeat
            item = NewTransaction(
                external_id=f"{self.tag}{round_}-{i}",
                amount_minor=-amount if kind in CREDITS else amount,
                description=description if kind != "repayment" else "PAYMENT THANK YOU",
                mcc=mcc,
                kind=kind if len(self.kinds) > 1 else None,
                status=status,
                posted_at=self.now - timedelta(hours=back),
            )
            items.append(item)
            if status == "pending":
                self.pending.append(item)
        if self.pending and rng.random() < 0.4:
            was = self.pending.pop(rng.randrange(len(self.pending)))
            items.append(
                replace(
                    was,
                    status="posted",
                    amount_minor=was.amount_minor + rng.randint(1, 500),
                    posted_at=(was.posted_at or self.now) + timedelta(days=rng.randint(0, 2)),
                )
            )
        return items

    def post(
        self,
        engine: Engine,
        account: Any,
        items: list[NewTransaction],
        *,
        time_zone: str,
        keep: bool,
    ) -> None:
        """Ingest `items` now, with the event scenarios, committed if `keep` (else rolled back
        after the scenarios ran)."""
        with Session(engine) as session:
            ingest(
                session,
                account=account,
                time_zone=time_zone,
                items=items,
                now=self.now,
                categorise=categoriser_hook(),
                after_store=after_ingest_hook(),
            )
            if keep:
                session.commit()
            else:
                session.rollback()

    def maybe_recategorise(self, engine: Engine, user_id: int) -> None:
        """Now and then, correct one of the borrower's transactions (once, or always)."""
        if self.rng.random() >= 0.1:
            return
        with Session(engine) as session:
            stored = session.exec(
                select(Transaction).where(col(Transaction.user_id) == user_id)
            ).all()
            correct(
                session,
                user_id=user_id,
                transaction=self.rng.choice(list(stored)),
                sub_category=self.rng.choice(["coffee", "groceries", "fast_food"]),
                always=self.rng.random() < 0.3,
                now=self.now,
            )
            session.commit()


@pytest.fixture
def random_posts() -> type[RandomPosts]:
    """`RandomPosts`, to make one per test."""
    return RandomPosts
