"""The history event scenarios share: one read per batch, and the usual amount kept exact."""

from __future__ import annotations

from array import array
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.outbox.models import OutboxMessage
from billbot.scenarios.large_purchase import MIN_HISTORY, median_without
from billbot.transactions.ingest import Decision, NewTransaction, ingest
from billbot.wiring import after_ingest_hook

NOW = datetime(2026, 11, 16, 12, tzinfo=UTC)


def _categorise(
    session: Session, user_id: int, triples: list[tuple[str, str | None, str]]
) -> list[Decision]:
    return [(d, "food", "coffee", "test", None, None) for d, _, _ in triples]


def _post(engine: Engine, account: Any, items: list[tuple[str, int, datetime]]) -> None:
    with Session(engine) as session:
        ingest(
            session,
            account=account,
            time_zone="UTC",
            items=[
                NewTransaction(
                    external_id=e, amount_minor=a, description="COFFEE Blue", posted_at=at
                )
                for e, a, at in items
            ],
            now=NOW,
            categorise=_categorise,
            after_store=after_ingest_hook(),
        )
        session.commit()


def _large(engine: Engine) -> list[str]:
    with Session(engine) as session:
        query = select(OutboxMessage.body).where(col(OutboxMessage.scenario) == "large_purchase")
        return list(session.exec(query.order_by(col(OutboxMessage.id))).all())


def test_large_purchase_at_the_edge_of_an_even_median(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user = make_user("edge@example.com", time_zone="UTC")
    account = make_account(user.id, currency="USD", closing_day=28)
    # Four earlier purchases: the median is 650, between the two middle ones.
    history = [
        (f"h{i}", amount, NOW - timedelta(days=5 + i))
        for i, amount in enumerate((500, 600, 700, 800))
    ]
    _post(engine, account, history)
    batch = [("at", 1950, NOW - timedelta(hours=2)), ("above", 1951, NOW - timedelta(hours=1))]
    _post(engine, account, batch)
    (told,) = _large(engine)  # 1950 is exactly 3x the median, not above it
    assert "$19.51" in told and "$6.50" in told


@given(
    stored=st.lists(
        # Small amounts repeat (runs of equal values); large ones test the arithmetic.
        st.one_of(st.integers(min_value=0, max_value=20), st.integers(0, 10**12)),
        max_size=80,
    ),
    data=st.data(),
)
def test_usual_amount_is_the_median_of_the_other_purchases(
    stored: list[int], data: st.DataObject
) -> None:
    # The batch's purchases are stored already: each is left out once, and an amount that is
    # not stored leaves nothing out.
    batch = data.draw(st.lists(st.sampled_from(stored), max_size=6)) if stored else []
    batch += data.draw(st.lists(st.integers(min_value=-5, max_value=-1), max_size=2))
    others = list(stored)
    for amount in batch:
        if amount in others:
            others.remove(amount)
    expected = int(median(others)) if len(others) >= MIN_HISTORY else None
    assert median_without(array("q", sorted(stored)), batch) == expected


def test_the_median_with_some_amounts_left_out() -> None:
    amounts = array("q", [100, 200, 300])
    assert median_without(amounts, [250, 900]) == 200  # neither is there: nothing left out
    assert median_without(array("q", [100, 200, 300, 400]), []) == 250
    assert median_without(array("q", [50, 100, 200, 300, 400]), [400]) == 150
    # Two 200s are held, so two of the three are left out: 100, 250, 300 remain.
    assert median_without(array("q", [100, 200, 200, 250, 300]), [200, 200, 200]) == 250
    assert median_without(array("q", [5, 6]), [5]) is None
