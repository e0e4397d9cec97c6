"""Kept days: brought up to date by this process's own batches, read again whenever anything
else changed them (another process, a rollback, a recount), and always equal to a fresh read.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.db import make_engine, raw_rows
from billbot.limits.progress import period_bounds, spent_in_kept, spent_in_sql
from billbot.limits.service import create_limit, list_limits
from billbot.scenarios.history import Window, read_history
from billbot.transactions import kept_days
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.transactions.kept_days import Cell, KeptDays
from billbot.transactions.models import Transaction
from billbot.transactions.spending_days import parse_amounts
from billbot.wiring import after_ingest_hook, categoriser_hook

NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
TZ = "America/New_York"
MERCHANTS = [
    ("STARBUCKS STORE 123 SEATTLE WA", "5814"),
    ("SHELL OIL 5 HOUSTON TX", "5541"),
    ("WHOLEFDS MKT 7 AUSTIN TX", "5411"),
    ("TST* SHAKE SHACK 9 NEW YORK NY", "5812"),
    ("DOORDASH*THAI PALACE", "5812"),
]
KINDS = ("purchase",) * 8 + ("refund", "fee", "repayment")


def _bought(
    external_id: str, amount: int, merchant: tuple[str, str] = MERCHANTS[0], *, hours_ago: int = 1
) -> NewTransaction:
    """A purchase at `merchant` (a description and its MCC), `hours_ago` before `NOW`."""
    description, mcc = merchant
    return NewTransaction(
        external_id=external_id,
        amount_minor=amount,
        description=description,
        mcc=mcc,
        posted_at=NOW - timedelta(hours=hours_ago),
    )


def _store(session: Session, account: Any, items: list[NewTransaction]) -> None:
    """Ingest `items` in `session`'s transaction, without the event scenarios."""
    ingest(
        session,
        account=account,
        time_zone=TZ,
        items=items,
        now=NOW,
        categorise=categoriser_hook(),
    )


def _fresh(session: Session, user_id: int, since: date) -> dict[Cell, dict[date, list[int]]]:
    """The borrower's `spending_days` rows from `since` on, read now."""
    found: dict[Cell, dict[date, list[int]]] = {}
    for day, *cell, entries, total in raw_rows(
        session,
        "SELECT local_date, account_id, currency, kind, category, sub_category, entries, "
        "total_minor FROM spending_days WHERE user_id = {mark} AND local_date >= {mark}",
        [user_id, since],
    ):
        on = date.fromisoformat(day) if isinstance(day, str) else day
        found.setdefault(Cell(*cell), {})[on] = [int(entries), int(total)]
    return found


def _summed(rows: dict[Cell, dict[date, list[int]]], since: date, until: date) -> dict[Cell, Any]:
    found: dict[Cell, list[int]] = {}
    for cell, days in rows.items():
        for day, (entries, total) in days.items():
            if since <= day <= until:
                counts = found.setdefault(cell, [0, 0])
                counts[0] += entries
                counts[1] += total
    return found


class _Checked:
    """Wraps `kept_days.reading`: once the reader is done, what it was given (every row, every
    range it summed) is compared with a fresh read in the same transaction; answers served
    without a read are counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.uses = self.reads = self.extended = 0
        real_reading, real_rows = kept_days.reading, kept_days._rows

        def counting_rows(*args: Any, before: date | None = None) -> Any:
            if before is None:
                self.reads += 1
            else:
                self.extended += 1  # kept rows started too late: only the days before are read
            return real_rows(*args, before=before)

        @contextmanager
        def checked(session: Session, *, user_id: int, since: date) -> Iterator[KeptDays]:
            self.uses += 1
            with real_reading(session, user_id=user_id, since=since) as kept:
                assert kept.first_day <= since
                yield kept
                fresh = _fresh(session, user_id, kept.first_day)
                assert kept.cells == fresh
                for (first, last), sums in kept._sums.items():
                    assert sums == _summed(fresh, first, last), (first, last)

        monkeypatch.setattr(kept_days, "_rows", counting_rows)
        monkeypatch.setattr(kept_days, "reading", checked)


def _expected_history(
    session: Session, user_id: int, window: Window, subs: set[str]
) -> dict[tuple[str, str], Any]:
    """What `read_history` should say, worked out from the transactions themselves."""
    weeks = window.weeks
    since = min(window.week_start - timedelta(days=7 * weeks), window.frequent_since)
    earliest = min(since, window.large_since)
    found: dict[tuple[str, str], Any] = {}
    rows = session.exec(
        select(Transaction).where(
            col(Transaction.user_id) == user_id, col(Transaction.kind) == "purchase"
        )
    ).all()
    for row in rows:
        day, sub = row.local_date, row.sub_category
        if sub not in subs or day < earliest:
            continue
        figures = found.setdefault((sub, row.currency), [0, 0, [0] * (weeks + 1), 0, 0, []])
        if day >= window.large_since:
            figures[0] += 1
            figures[1] += row.amount_minor
        if not since <= day <= window.today:
            continue
        for k in range(weeks + 1):
            first = window.week_start - timedelta(days=7 * k)
            last = window.today if k == 0 else first + timedelta(days=6)
            if first <= day <= last:
                figures[2][k] += row.amount_minor
        if day >= window.frequent_since:
            figures[3] += 1
            figures[4] += row.amount_minor
            figures[5].append(row.amount_minor)
    return found


def _check_readers(
    session: Session, rng: random.Random, user_id: int, now: datetime, accounts: Any
) -> None:
    """Limit progress and scenario history from kept days equal their fresh counterparts."""
    today = now.date() - timedelta(days=rng.choice([0, 0, 1]))
    limits = list_limits(session, user_id=user_id, now=now)
    bounds = {limit.id: period_bounds(limit, today=today, accounts=accounts) for limit in limits}
    kept = spent_in_kept(session, limits=limits, bounds=bounds, today=today)
    assert kept == spent_in_sql(session, limits=limits, bounds=bounds, today=today)
    week_start = today - timedelta(days=today.weekday())
    window = Window(
        today=today,
        week_start=week_start,
        large_since=today - timedelta(days=rng.choice([30, 93])),
        weeks=rng.randint(1, 5),
        frequent_since=today - timedelta(days=rng.randint(0, 30)),
        frequent_amounts=rng.random() < 0.3,
    )
    subs = set(rng.sample(["coffee", "groceries", "fuel", "fast_food", "food_delivery"], 3))
    history = read_history(session, user_id=user_id, window=window, sub_categories=subs)
    expected = _expected_history(session, user_id, window, subs)
    assert set(history) == set(expected)
    for pair, (large, large_total, weeks, count, total, amounts) in expected.items():
        got = history[pair]
        assert (got.large_entries, got.large_total_minor) == (large, large_total), pair
        assert got.week_totals == tuple(weeks), pair
        assert (got.frequent_count, got.frequent_total_minor) == (count, total), pair
        if window.frequent_amounts:
            assert sorted(parse_amounts(got.frequent_amounts)) == sorted(amounts), pair


def test_kept_days_equal_a_fresh_read_through_random_posts_from_two_processes(
    engine: Engine,
    make_user: Any,
    make_account: Any,
    monkeypatch: pytest.MonkeyPatch,
    random_posts: Any,
) -> None:
    user = make_user("kept-days@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=28)
    other = make_account(user.id, name="Second card", closing_day=10)
    for scope, target, period, account_id in (
        ("ideal_bill", None, "month", None),
        ("category", "food", "week", None),
        ("sub_category", "coffee", "cycle", other.id),
    ):
        with Session(engine) as session:
            create_limit(
                session,
                user_id=user.id,
                scope=scope,
                target=target,
                period=period,
                account_id=account_id,
                currency="USD",
                amount_minor=50_000,
                now=NOW - timedelta(days=40),
            )
            session.commit()
    # A second engine on the same database stands for another process: what it writes, this
    # one must notice.
    elsewhere = make_engine(engine.url.render_as_string(hide_password=False))
    checked = _Checked(monkeypatch)
    applied = 0  # groups a batch applied to kept rows (not counted in as rows were read)
    real_add = KeptDays.add

    def counting_add(self: KeptDays, *args: Any) -> None:
        nonlocal applied
        applied += self.stamp is not None and self in kept_days._KEPT.values()
        real_add(self, *args)

    monkeypatch.setattr(KeptDays, "add", counting_add)
    rng = random.Random(20261127)
    posts = random_posts(
        rng, start=NOW - timedelta(days=20), merchants=MERCHANTS, kinds=KINDS, tag="d"
    )
    for round_ in range(60):
        items = posts.next_batch(round_)
        writer = elsewhere if rng.random() < 0.15 else engine
        keep = rng.random() > 0.1  # some batches roll back after the scenarios ran
        posts.post(writer, rng.choice([account, other]), items, time_zone=TZ, keep=keep)
        posts.maybe_recategorise(engine, user.id)
        with Session(engine) as session:
            accounts = {a.id: a for a in session.exec(select(Account)).all()}
            _check_readers(session, rng, user.id, posts.now, accounts)
    elsewhere.dispose()
    # Both ways were taken many times (kept rows used, brought up to date by a batch; read
    # again), and every answer matched a fresh read.
    assert checked.uses - checked.reads > 100 and checked.reads > 20 and applied > 100
    assert checked.extended > 20


def test_rows_are_read_again_after_a_rollback_and_after_another_process_wrote(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user = make_user("kept-days-stale@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=28)
    since = NOW.date() - timedelta(days=30)

    def store(on: Engine, items: list[NewTransaction], *, commit: bool = True) -> None:
        with Session(on) as session:
            _store(session, account, items)
            with kept_days.reading(session, user_id=user.id, since=since) as kept:
                assert kept.sums(since, date.max) == _summed(
                    _fresh(session, user.id, since), since, date.max
                )
            session.commit() if commit else session.rollback()

    def coffee_total(on: Engine) -> int:
        with (
            Session(on) as session,
            kept_days.reading(session, user_id=user.id, since=since) as kept,
        ):
            return sum(
                total
                for cell, (_, total) in kept.sums(since, date.max).items()
                if cell.sub_category == "coffee"
            )

    store(engine, [_bought("s1", 400)])
    assert coffee_total(engine) == 400
    store(engine, [_bought("s2", 900)], commit=False)  # applied to what is kept, rolled back
    assert coffee_total(engine) == 400
    elsewhere = make_engine(engine.url.render_as_string(hide_password=False))
    store(elsewhere, [_bought("s3", 250)])
    assert coffee_total(engine) == 650
    elsewhere.dispose()


def test_a_batch_applies_to_kept_rows_only_if_nothing_changed_them_meanwhile(
    engine: Engine, make_user: Any, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user("kept-days-race@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=28)
    since = NOW.date() - timedelta(days=30)
    with Session(engine) as session:
        with kept_days.reading(session, user_id=user.id, since=since) as kept:
            pass
        real_count = kept_days.raw_count

        def meanwhile(*args: Any) -> int:
            changed = real_count(*args)
            # Another thread's batch for the borrower was applied to the same kept rows
            # between this stamp update and this batch's turn (and may yet roll back).
            kept.stamp = kept_days.new_stamp()
            return changed

        monkeypatch.setattr(kept_days, "raw_count", meanwhile)
        _store(session, account, [_bought("r1", 700, MERCHANTS[1], hours_ago=0)])
        session.commit()
    assert (id(engine), user.id) not in kept_days._KEPT  # dropped, not brought up to date
    monkeypatch.setattr(kept_days, "raw_count", real_count)
    with (
        Session(engine) as session,
        kept_days.reading(session, user_id=user.id, since=since) as again,
    ):
        assert again is not kept
        assert again.cells == _fresh(session, user.id, since)


def test_a_recount_forgets_and_a_bound_drops_the_least_used(
    engine: Engine, make_user: Any, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [make_user(f"kept-days-bound{i}@example.com", time_zone=TZ) for i in range(3)]
    since = NOW.date() - timedelta(days=30)
    monkeypatch.setattr(kept_days, "MAX_KEPT", 2)
    with Session(engine) as session:
        for user in users:
            with kept_days.reading(session, user_id=user.id, since=since):
                pass
    kept = [key[1] for key in kept_days._KEPT if key[0] == id(engine)]
    assert kept == [users[1].id, users[2].id]
    with Session(engine) as session:
        kept_days.changed(session, user_id=users[2].id)
        session.commit()
    assert (id(engine), users[2].id) not in kept_days._KEPT


def test_sums_refuse_days_before_those_kept() -> None:
    kept = KeptDays(None, date(2026, 11, 1))
    with pytest.raises(ValueError, match="not kept"):
        kept.sums(date(2026, 10, 31), date(2026, 11, 30))


def test_trimming_drops_old_days_and_keeps_later_sums_right() -> None:
    kept = KeptDays(1, date(2026, 1, 1))
    cells = [Cell(1, "USD", "purchase", "food", "coffee"), Cell(1, "USD", "fee", "fees", "")]
    for offset in range(0, 200, 3):
        for n, cell in enumerate(cells):
            kept.add(cell, date(2026, 1, 1) + timedelta(days=offset), 1 + n, 100 * offset + n)
    whole = kept.sums(date(2026, 1, 1), date.max)
    late = kept.sums(date(2026, 5, 1), date(2026, 6, 30))
    before = {cell: list(counts) for cell, counts in late.items()}
    kept.trim(date(2026, 4, 1))
    assert kept.first_day == date(2026, 4, 1)
    assert all(day >= date(2026, 4, 1) for days in kept.cells.values() for day in days)
    assert kept.rows == sum(len(days) for days in kept.cells.values())
    assert kept.sums(date(2026, 5, 1), date(2026, 6, 30)) == before
    assert (date(2026, 1, 1), date.max) not in kept._sums and whole  # the range before is gone
    # Ranges summed after the trim still take later batches.
    kept.add(cells[0], date(2026, 5, 2), 1, 7)
    assert kept.sums(date(2026, 5, 1), date(2026, 6, 30))[cells[0]][1] == before[cells[0]][1] + 7


def test_the_rows_bound_drops_the_least_used_borrowers(
    engine: Engine, make_user: Any, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user("kept-days-rows@example.com", time_zone=TZ)
    since = NOW.date() - timedelta(days=30)
    heavy, light = KeptDays(None, since), KeptDays(None, since)
    heavy.rows, light.rows = 900, 50
    kept_days.forget_all()
    kept_days._KEPT[(0, -1)] = heavy
    kept_days._KEPT[(0, -2)] = light
    monkeypatch.setattr(kept_days, "MAX_ROWS_KEPT", 100)
    with (
        Session(engine) as session,
        kept_days.reading(session, user_id=user.id, since=since),
    ):
        pass
    assert list(kept_days._KEPT) == [(0, -2), (id(engine), user.id)]


def test_range_sums_equal_a_recount_through_random_adds_in_and_out_of_day_order() -> None:
    rng = random.Random(11)
    first = date(2026, 8, 1)
    kept = KeptDays(1, first)
    cells = [
        Cell(1, "USD", "purchase", "food", "coffee"),
        Cell(1, "USD", "purchase", "food", "groceries"),
        Cell(2, "USD", "refund", "food", "coffee"),
    ]
    added: list[tuple[Cell, date, int, int]] = []
    latest = first
    for step in range(600):
        if rng.random() < 0.1:
            latest += timedelta(days=1)
        # Mostly on the latest day, sometimes days back, now and then before the kept days.
        day = latest - timedelta(days=rng.choice([0, 0, 0, 1, 5, 40, 120]))
        cell, amount = rng.choice(cells), rng.randint(-500, 5_000)
        kept.add(cell, day, 1, amount)
        if day >= first:
            added.append((cell, day, 1, amount))
        if step % 7 == 0:
            since = max(
                first, rng.choice([first, latest - timedelta(days=6), latest.replace(day=1)])
            )
            until = rng.choice([latest, date.max, since + timedelta(days=6)])
            expected: dict[Cell, list[int]] = {}
            for at_cell, at_day, entries, total in added:
                if since <= at_day <= until:
                    counts = expected.setdefault(at_cell, [0, 0])
                    counts[0] += entries
                    counts[1] += total
            assert kept.sums(since, until) == expected, (step, since, until)
    assert kept.rows == len({(cell, day) for cell, day, _, _ in added})


def test_a_batch_in_a_savepoint_rolled_back_is_not_kept_for_the_transaction_around_it(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    user = make_user("kept-days-savepoint@example.com", time_zone=TZ)
    account = make_account(user.id, closing_day=28)
    since = NOW.date() - timedelta(days=30)

    with Session(engine) as session:
        _store(session, account, [_bought("p1", 1_000, MERCHANTS[1], hours_ago=2)])
        with kept_days.reading(session, user_id=user.id, since=since):
            pass
        savepoint = session.begin_nested()
        # Applied to the kept rows, in the savepoint.
        _store(session, account, [_bought("p2", 2_500, MERCHANTS[1], hours_ago=2)])
        savepoint.rollback()
        with kept_days.reading(session, user_id=user.id, since=since) as kept:
            assert kept.cells == _fresh(session, user.id, since)
            assert sum(total for _, total in kept.sums(since, date.max).values()) == 1_000
        session.commit()


@pytest.mark.skipif(
    "postgresql" not in __import__("os").environ.get("BILLBOT_TEST_DATABASE_URL", ""),
    reason="concurrent writers are PostgreSQL's",
)
def test_two_threads_posting_for_one_borrower_keep_their_days_right_on_postgresql(
    engine: Engine, make_user: Any, make_account: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    user = make_user("kept-days-threads@example.com", time_zone=TZ)
    accounts = [make_account(user.id, name=f"Card {n}", closing_day=28) for n in range(2)]
    since = NOW.date() - timedelta(days=60)

    def post(n: int) -> None:
        rng = random.Random(n)
        for round_ in range(15):
            description, mcc = rng.choice(MERCHANTS)
            items = [
                NewTransaction(
                    external_id=f"t{n}-{round_}-{i}",
                    amount_minor=rng.randint(100, 9_000),
                    description=description,
                    mcc=mcc,
                    posted_at=NOW - timedelta(hours=rng.randint(0, 24 * 20)),
                )
                for i in range(rng.randint(1, 5))
            ]
            with Session(engine) as session:
                ingest(
                    session,
                    account=accounts[n],
                    time_zone=TZ,
                    items=items,
                    now=NOW,
                    categorise=categoriser_hook(),
                    after_store=after_ingest_hook(),
                )
                session.commit()
            # What this process keeps equals the database, in one snapshot (the other thread
            # commits meanwhile).
            with Session(engine) as session:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                with kept_days.reading(session, user_id=user.id, since=since) as kept:
                    assert kept.cells == _fresh(session, user.id, since)
                    compared.append(n)

    compared: list[int] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(post, range(2)))
    assert sorted(compared) == [0] * 15 + [1] * 15
    with (
        Session(engine) as session,
        kept_days.reading(session, user_id=user.id, since=since) as kept,
    ):
        assert kept.cells == _fresh(session, user.id, since)
        assert kept.sums(since, date.max) == _summed(kept.cells, since, date.max)
