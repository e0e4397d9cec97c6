"""Limit progress summed by the database counts exactly what the row-by-row rules count."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from billbot.limits.progress import matches, progress_for, spend_rows
from billbot.limits.service import create_limit, list_limits
from billbot.transactions.ingest import Decision, NewTransaction, ingest

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
LABELS = [("food", "coffee"), ("food", "groceries"), ("shopping", None), (None, None)]


def _categorise(
    session: Session, user_id: int, triples: list[tuple[str, str | None, str]]
) -> list[Decision]:
    out: list[Decision] = []
    for description, _, _ in triples:
        category, sub = LABELS[int(description.split()[-1])]
        out.append((description, category, sub, "test", None, None))
    return out


def test_sql_sums_match_row_rules(engine: Engine, make_user: Any, make_account: Any) -> None:
    user = make_user("sums@example.com", time_zone="America/New_York")
    card = make_account(user.id, currency="USD", closing_day=10)
    other = make_account(user.id, currency="USD", closing_day=25)
    rng = random.Random(3)
    with Session(engine) as session:
        for account in (card, other):
            items = []
            for i in range(120):
                amount = rng.choice([1, 1, 1, -1]) * rng.randint(100, 9_000)
                words = "PAYMENT THANK YOU" if amount < 0 and i % 2 else "SHOP"
                items.append(
                    NewTransaction(
                        external_id=f"{account.id}-{i}",
                        amount_minor=amount,
                        currency=rng.choice(["USD", "USD", "EUR"]),
                        description=f"{words} {rng.randrange(len(LABELS))}",
                        # Some after today: they count in no period yet.
                        posted_at=NOW
                        - timedelta(days=rng.randint(-3, 45), hours=rng.randint(0, 23)),
                    )
                )
            ingest(
                session,
                account=account,
                time_zone=user.time_zone,
                items=items,
                now=NOW,
                categorise=_categorise,
            )
        specs = [
            ("ideal_bill", None, "month", None),
            ("ideal_bill", None, "cycle", card.id),
            ("category", "food", "week", None),
            ("category", "shopping", "cycle", other.id),
            ("sub_category", "coffee", "month", None),
            ("sub_category", "groceries", "week", None),
        ]
        for scope, target, period, account_id in specs:
            for currency in ("USD", "EUR"):
                create_limit(
                    session,
                    user_id=user.id,
                    scope=scope,
                    target=target,
                    period=period,
                    account_id=account_id,
                    currency=currency,
                    amount_minor=50_000,
                    now=NOW,
                )
        session.commit()
        limits = list_limits(session, user_id=user.id, now=NOW)
        accounts = {card.id: card, other.id: other}
        progress = progress_for(
            session, limits=limits, accounts=accounts, time_zone=user.time_zone, now=NOW
        )
        rows = spend_rows(session, user_id=user.id, since=date(2026, 9, 1))
        today = date(2026, 11, 18)
        spent = set()
        for limit in limits:
            assert limit.id is not None
            figures, window = progress[limit.id]
            assert window is not None
            expected = sum(
                r.amount_minor
                for r in rows
                if window[0] <= r.day <= today and matches(limit, r, target_key=None)
            )
            assert figures.spent_minor == expected
            spent.add(expected)
        assert len(spent) > 6  # the limits really count different rows
