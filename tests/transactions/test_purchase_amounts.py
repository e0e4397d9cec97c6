"""Kept purchase amounts: brought up to date by each batch, read again whenever anything else
changed them, and always equal to a fresh read of the borrower's days.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.categorize.service import correct
from billbot.scenarios import large_purchase
from billbot.transactions import purchase_amounts
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.transactions.models import Transaction
from billbot.transactions.purchase_amounts import Counted
from billbot.wiring import after_ingest_hook, categoriser_hook

NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
TZ = "America/New_York"
MERCHANTS = [
    ("STARBUCKS STORE 123 SEATTLE WA", "5814"),
    ("SHELL OIL 5 HOUSTON TX", "5541"),
    ("WHOLEFDS MKT 7 AUSTIN TX", "5411"),
    ("TST* SHAKE SHACK 9 NEW YORK NY", "5812"),
]


def _coffee(external_id: str, amount: int, at: datetime) -> NewTransaction:
    return NewTransaction(
        external_id=external_id,
        amount_minor=amount,
        description="STARBUCKS STORE 123 SEATTLE WA",
        mcc="5814",
        posted_at=at,
    )


def _store(engine: Engine, account: Any, items: list[NewTransaction], *, scenarios: bool) -> None:
    with Session(engine) as session:
        ingest(
            session,
            account=account,
            time_zone=TZ,
            items=items,
            now=NOW,
            categorise=categoriser_hook(),
            after_store=after_ingest_hook() if scenarios else None,
        )
        session.commit()


def _fresh(
    session: Session, user_id: int, since: date, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[Counted, list[int]]]:
    read = purchase_amounts._read(session, user_id, since, pairs)
    return {pair: (kept.counted, list(kept.amounts)) for pair, kept in read.items()}


class _Checked:
    """Wraps `sorted_amounts` as large purchase calls it: every answer is compared with a
    fresh read in the same transaction, and answers served from what was kept are counted."""

    def __init__(self) -> None:
        self.calls = self.kept = self.moved = 0

    def __call__(self, session: Session, **kwargs: Any) -> Any:
        reads: list[int] = []
        real_read, real_from_day = purchase_amounts._read, purchase_amounts._Kept.from_day

        def counting_read(*args: Any) -> Any:
            found = real_read(*args)
            reads.append(len(args[3]))
            return found

        def counting_from_day(kept: Any, since: date) -> Any:
            found = real_from_day(kept, since)
            self.moved += found is not None and len(found.days) < len(kept.days)  # days left
            return found

        purchase_amounts._read = counting_read  # type: ignore[assignment]
        purchase_amounts._Kept.from_day = counting_from_day  # type: ignore[method-assign]
        try:
            found = purchase_amounts.sorted_amounts(session, **kwargs)
        finally:
            purchase_amounts._read = real_read  # type: ignore[assignment]
            purchase_amounts._Kept.from_day = real_from_day  # type: ignore[method-assign]
        pairs = list(kwargs["counted"])
        fresh = _fresh(session, kwargs["user_id"], kwargs["since"], pairs)
        for pair in pairs:
            expected = fresh.get(pair, (Counted(0, 0), []))[1]
            assert list(found[pair]) == expected, pair
        self.calls += len(pairs)
        self.kept += len(pairs) - sum(reads)
        return found


def test_kept_amounts_equal_a_fresh_read_through_random_posts(
    engine: Engine,
    make_user: Any,
    make_account: Any,
    monkeypatch: pytest.MonkeyPatch,
    random_posts: Any,
) -> None:
    user = make_user("kept-amounts@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=28)
    other = make_account(user.id, name="Second card", closing_day=10)
    checked = _Checked()
    monkeypatch.setattr(large_purchase, "sorted_amounts", checked)
    rng = random.Random(20261127)
    posts = random_posts(rng, start=NOW - timedelta(days=200), merchants=MERCHANTS, tag="k")
    for round_ in range(60):
        posts.now += timedelta(days=rng.choice([0, 3, 6]))  # windows move past earlier days
        items = posts.next_batch(round_)
        keep = rng.random() > 0.1  # some batches roll back after the scenarios ran
        posts.post(engine, rng.choice([account, other]), items, time_zone=TZ, keep=keep)
        posts.maybe_recategorise(engine, user.id)
    # Every way was taken many times (kept and brought up to date, moved on to a later first
    # day, read again), and every answer matched a fresh read.
    assert checked.kept > 10 and checked.moved > 5 and checked.calls - checked.kept > 10


def test_a_recount_forgets_what_was_kept_for_the_borrower(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user = make_user("kept-forget@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=28)
    _store(
        engine,
        account,
        [_coffee(f"f{i}", 400 + i, NOW - timedelta(hours=i)) for i in range(4)],
        scenarios=True,
    )
    assert any(key[0] == (id(engine), user.id) for key in purchase_amounts._KEPT)
    with Session(engine) as session:
        transaction = session.exec(
            select(Transaction).where(col(Transaction.external_id) == "f1")
        ).one()
        correct(
            session,
            user_id=user.id,
            transaction=transaction,
            sub_category="groceries",
            always=False,
            now=NOW,
        )
        session.commit()
    assert not any(key[0][1] == user.id for key in purchase_amounts._KEPT)


def test_the_least_recently_used_are_dropped_past_the_bound(
    engine: Engine, make_user: Any, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [make_user(f"kept-bound-{i}@example.com", time_zone=TZ) for i in range(3)]
    for i, user in enumerate(users):
        _store(
            engine,
            make_account(user.id, closing_day=28),
            [_coffee(f"b{i}", 700, NOW)],
            scenarios=False,
        )
    monkeypatch.setattr(purchase_amounts, "MAX_KEPT", 2)
    # A window for each borrower in turn: past the bound, the first one's is dropped.
    with Session(engine) as session:
        for user in users:
            found = purchase_amounts.sorted_amounts(
                session,
                user_id=user.id,
                since=NOW.date() - timedelta(days=1),
                counted={("coffee", "USD"): Counted(1, 700)},
                added={},
            )
            assert list(found[("coffee", "USD")]) == [700]
    assert len(purchase_amounts._KEPT) == 2
    assert list(purchase_amounts._KEPT) == [
        ((id(engine), user.id), "coffee", "USD") for user in users[1:]
    ]


def test_a_window_moved_on_is_brought_forward_without_a_read(
    engine: Engine, make_user: Any, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user("kept-forward@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=28)
    bought = [_coffee(f"w{d}", 100 * d, NOW - timedelta(days=d)) for d in range(1, 9)]
    _store(engine, account, bought, scenarios=False)
    purchase_amounts.forget(user.id)  # what earlier tests' databases left under these numbers
    owner, pair = (id(engine), user.id), ("coffee", "USD")
    with Session(engine) as session:
        day = NOW.date() - timedelta(days=10)
        (read,) = purchase_amounts._read(session, user.id, day, [pair]).values()
        assert list(read.amounts) == [100 * d for d in range(1, 9)]
        purchase_amounts._keep((owner, *pair), read)

        def no_read(*args: Any) -> Any:
            raise AssertionError("read again")

        monkeypatch.setattr(purchase_amounts, "_read", no_read)
        for since in (6, 3):  # later and later first days
            day = NOW.date() - timedelta(days=since)
            left = [100 * d for d in range(1, since + 1)]
            found = purchase_amounts.sorted_amounts(
                session,
                user_id=user.id,
                since=day,
                counted={pair: Counted(len(left), sum(left))},
                added={},
            )
            assert list(found[pair]) == sorted(left)
        # A window from an earlier first day than the one kept is read again.
        with pytest.raises(AssertionError, match="read again"):
            purchase_amounts.sorted_amounts(
                session,
                user_id=user.id,
                since=NOW.date() - timedelta(days=10),
                counted={pair: Counted(8, sum(100 * d for d in range(1, 9)))},
                added={},
            )
    # The borrower's one window now starts at the latest first day.
    assert purchase_amounts._KEPT[(owner, *pair)].first == day
