"""Everyday merchants remembered with the kept days: recurring charge's history stays what the
transactions say, through other processes' batches, rollbacks and recategorisations."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.db import make_engine
from billbot.scenarios import recurring_charge
from billbot.transactions.models import Transaction

NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
TZ = "America/New_York"
EVERYDAY = [
    ("STARBUCKS STORE 123 SEATTLE WA", "5814"),
    ("SHELL OIL 5 HOUSTON TX", "5541"),
    ("WHOLEFDS MKT 7 AUSTIN TX", "5411"),
    ("DOORDASH*THAI PALACE", "5812"),
]
RARE = [("NETFLIX.COM 866-579-7172", "4899"), ("CITY POWER AND LIGHT", "4900")]


def _expected(
    everything: list[Transaction], batch: list[Transaction]
) -> dict[tuple[str, str], set[str]]:
    """Each batch merchant's charges (by kind) in the window, where at most `MAX_CHARGES`."""
    since = min(t.local_date for t in batch) - recurring_charge.LOOKBACK
    found: dict[tuple[str, str], set[str]] = {}
    kinds = {(t.merchant_name, t.currency, t.category, t.sub_category) for t in batch}
    for merchant, currency, category, sub in kinds:
        if not merchant:
            continue
        charges = {
            t.external_id
            for t in everything
            if (t.merchant_name, t.currency, t.category, t.sub_category)
            == (merchant, currency, category, sub)
            and t.kind == "purchase"
            and t.status in ("pending", "posted")
            and t.local_date >= since
        }
        if len(charges) <= recurring_charge.MAX_CHARGES:
            found.setdefault((merchant, currency), set()).update(charges)
    return found


def test_recurring_history_equals_the_transactions_with_everyday_merchants_remembered(
    engine: Engine,
    make_user: Any,
    make_account: Any,
    monkeypatch: pytest.MonkeyPatch,
    random_posts: Any,
    purchases_context: Any,
) -> None:
    user = make_user("often@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=28)
    # A second engine on the same database stands for another process.
    elsewhere = make_engine(engine.url.render_as_string(hide_password=False))
    asked = read = 0  # kinds the checks asked about, and those read for them
    checking = False
    real_each_kind = recurring_charge._each_kind

    def counting(context: Any, kinds: list[Any], *args: Any, **kwargs: Any) -> Any:
        nonlocal read
        read += len(kinds) if checking and kwargs.get("posted_only") else 0
        return real_each_kind(context, kinds, *args, **kwargs)

    monkeypatch.setattr(recurring_charge, "_each_kind", counting)
    rng = random.Random(20261128)
    # Mostly everyday merchants; two charged a few times in the run (monthly bills would be).
    posts = random_posts(
        rng, start=NOW - timedelta(days=20), merchants=EVERYDAY * 15 + RARE, tag="m"
    )
    for round_ in range(70):
        items = posts.next_batch(round_)
        writer = elsewhere if rng.random() < 0.15 else engine
        # Some batches roll back after the scenarios ran.
        posts.post(writer, account, items, time_zone=TZ, keep=rng.random() > 0.1)
        posts.maybe_recategorise(engine, user.id)
        with Session(engine) as session:
            everything = list(
                session.exec(select(Transaction).where(col(Transaction.user_id) == user.id)).all()
            )
            ids = {item.external_id for item in items}
            batch = [t for t in everything if t.external_id in ids and t.kind == "purchase"]
            if not batch:
                continue  # rolled back
            checking = True
            history = recurring_charge._history(purchases_context(session, user.id, batch, NOW))
            checking = False
            asked += len({(t.merchant_name, t.currency, t.category, t.sub_category) for t in batch})
            got = {pair: {c[3] for c in charges} for pair, charges in history.items()}
            assert got == _expected(everything, batch), round_
    elsewhere.dispose()
    # Everyday merchants were served as remembered most of the time, and read again at times
    # (another process wrote, a batch rolled back, a recount).
    assert read < asked / 2 and read > 10, (read, asked)
