"""The demo borrower: two accounts and six months of realistic spending, via the real paths."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from billbot.accounts.models import AccountKind, DueRule
from billbot.accounts.schemas import AccountCreate
from billbot.accounts.service import open_account
from billbot.demo.merchants import CNY_MERCHANTS, USD_MERCHANTS, DemoMerchant
from billbot.outbox.models import ContactPreferences
from billbot.transactions.ingest import Categorise, NewTransaction, ingest
from billbot.transactions.models import Transaction, TransactionKind, TransactionStatus
from billbot.users.schemas import UserBase
from billbot.users.service import OPERATOR_SCOPES, create_api_key, create_user

DEMO_EMAIL = "mei@demo.billbot.dev"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class DemoSeed:
    user_id: int
    account_ids: list[int]
    transactions: int
    api_key: str


def _spending(
    rng: random.Random,
    merchants: tuple[DemoMerchant, ...],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    prefix: str,
) -> list[NewTransaction]:
    items: list[NewTransaction] = []
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    n = 0
    while day <= last:
        for merchant in merchants:
            if rng.random() < merchant.per_week / 7:
                hour = rng.choice([8, 9, 12, 13, 18, 19, 20, 21, 22, 23, 0, 1])
                at = datetime.combine(day, time(hour, rng.randrange(60)), tzinfo=tz)
                if at >= end:
                    continue
                amount = rng.randint(merchant.low, merchant.high)
                n += 1
                items.append(
                    NewTransaction(
                        external_id=f"{prefix}-{n:06d}",
                        amount_minor=amount,
                        description=merchant.raw,
                        mcc=merchant.mcc,
                        kind=TransactionKind.PURCHASE,
                        posted_at=at,
                        status=TransactionStatus.PENDING
                        if end - at < timedelta(days=1)
                        else TransactionStatus.POSTED,
                    )
                )
                if rng.random() < 0.02:  # the odd return
                    items.append(
                        NewTransaction(
                            external_id=f"{prefix}-{n:06d}-r",
                            amount_minor=-amount,
                            description=merchant.raw,
                            mcc=merchant.mcc,
                            kind=TransactionKind.REFUND,
                            posted_at=at + timedelta(days=3),
                        )
                    )
        day += timedelta(days=1)
    return [i for i in items if i.posted_at is not None and i.posted_at < end]


def _repayments(
    items: list[NewTransaction], closing_day: int, tz: ZoneInfo, end: datetime, prefix: str
) -> list[NewTransaction]:
    """Pay most of each month's spending around the 20th, leaving the latest statement due."""
    by_month: dict[tuple[int, int], int] = {}
    for item in items:
        assert item.posted_at is not None
        local = item.posted_at.astimezone(tz)
        by_month[(local.year, local.month)] = (
            by_month.get((local.year, local.month), 0) + item.amount_minor
        )
    payments = []
    for (year, month), total in sorted(by_month.items())[:-2]:
        next_month = datetime(
            year + month // 12, month % 12 + 1, min(closing_day + 3, 28), 10, tzinfo=tz
        )
        if next_month < end and total > 0:
            payments.append(
                NewTransaction(
                    external_id=f"{prefix}-pay-{year}{month:02d}",
                    amount_minor=-(total * 9 // 10),
                    description="PAYMENT - THANK YOU 还款",
                    kind=TransactionKind.REPAYMENT,
                    posted_at=next_month,
                )
            )
    return payments


def _learn_a_rule(session: Session, *, user_id: int, now: datetime) -> None:
    """Mei buys gifts on Etsy: she recategorised one purchase "always", and billbot learned it."""
    from billbot.categorize.service import correct  # the demo shows the learning path

    etsy = session.exec(
        select(Transaction)
        .where(col(Transaction.user_id) == user_id, col(Transaction.merchant_raw).contains("ETSY"))
        .limit(1)
    ).first()
    if etsy is not None:
        correct(
            session,
            user_id=user_id,
            transaction=etsy,
            sub_category="gifts_flowers",
            always=True,
            now=now,
        )


def _set_limits(session: Session, *, user_id: int, travel_card: int, now: datetime) -> None:
    """Mei's own limits: an ideal monthly bill, two habits to watch, a lowered travel-card cap."""
    from billbot.limits.service import create_limit

    create_limit(
        session,
        user_id=user_id,
        scope="ideal_bill",
        period="month",
        currency="CNY",
        amount_minor=1_200_000,
        now=now,
    )
    create_limit(
        session,
        user_id=user_id,
        scope="sub_category",
        target="food_delivery",
        period="month",
        currency="CNY",
        amount_minor=80_000,
        now=now,
    )
    create_limit(
        session,
        user_id=user_id,
        scope="sub_category",
        target="coffee",
        period="week",
        currency="CNY",
        amount_minor=15_000,
        hard=True,
        now=now,
    )
    create_limit(
        session,
        user_id=user_id,
        scope="credit_cap",
        account_id=travel_card,
        currency="USD",
        amount_minor=200_000,
        now=now,
    )


def _plan_installments(session: Session, *, user_id: int, account_id: int, now: datetime) -> None:
    """Mei spread this cycle's biggest purchase over six months, and told billbot her income."""
    from billbot.bills.models import Statement
    from billbot.repayments.installments import create_installment_plan, set_income
    from billbot.repayments.statement_options import parse_offers
    from billbot.settings import Settings
    from billbot.users.models import User

    user = session.get(User, user_id)
    assert user is not None
    set_income(session, user_id=user_id, monthly_income_minor=2_000_000, currency="CNY", now=now)
    today = now.astimezone(ZoneInfo(DEMO_ZONE)).date()
    current = session.exec(
        select(Statement).where(
            col(Statement.account_id) == account_id,
            col(Statement.cycle_start_date) <= today,
            col(Statement.cycle_end_date) >= today,
        )
    ).first()
    if current is None:
        return
    biggest = session.exec(
        select(Transaction)
        .where(
            col(Transaction.statement_id) == current.id,
            col(Transaction.kind) == TransactionKind.PURCHASE,
            col(Transaction.status) == TransactionStatus.POSTED,
        )
        .order_by(col(Transaction.amount_minor).desc())
        .limit(1)
    ).first()
    if biggest is None or biggest.amount_minor < 600:
        return
    create_installment_plan(
        session,
        user=user,
        term_months=6,
        offers=parse_offers(Settings.model_fields["installment_offers"].default),
        now=now,
        transaction_id=biggest.id,
    )


def seed_demo(
    session: Session, *, now: datetime, categorise: Categorise | None, seed: int = 2026
) -> DemoSeed:
    """Create the demo borrower and their history up to `now` (fixed seed: the same every time)."""
    rng = random.Random(seed)
    tz = ZoneInfo(DEMO_ZONE)
    user = create_user(
        session,
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        profile=UserBase(display_name="Mei", locale="en", time_zone=DEMO_ZONE, currency="CNY"),
        now=now,
    )
    assert user.id is not None
    cards = [
        (
            AccountCreate(
                name="Everyday Card",
                issuer="Demo Bank",
                kind=AccountKind.CREDIT_CARD,
                currency="CNY",
                last4="4821",
                credit_limit_minor=3_000_000,
                closing_day=5,
                due_rule=DueRule.FIXED_DAY,
                due_value=25,
                apr_bps=1825,
                min_payment_bps=1000,
                min_payment_floor_minor=10_000,
            ),
            CNY_MERCHANTS,
        ),
        (
            AccountCreate(
                name="Travel Card",
                issuer="Demo Bank",
                kind=AccountKind.CREDIT_CARD,
                currency="USD",
                last4="7730",
                credit_limit_minor=500_000,
                # Closed 18 days ago, due in 21: a statement due in three days whenever the
                # demo runs, so every repayment option can be tried on it.
                closing_day=(now.astimezone(tz) - timedelta(days=18)).day,
                due_rule=DueRule.DAYS_AFTER_CLOSE,
                due_value=21,
                apr_bps=2399,
                min_payment_bps=200,
                min_payment_floor_minor=2_500,
            ),
            USD_MERCHANTS,
        ),
    ]
    start = (now - timedelta(days=183)).astimezone(UTC)
    account_ids, total = [], 0
    for data, merchants in cards:
        account = open_account(session, user_id=user.id, data=data, now=now)
        assert account.id is not None
        prefix = f"demo{account.id}"
        items = _spending(rng, merchants, start, now, tz, prefix)
        items += _repayments(items, data.closing_day, tz, now, prefix)
        result = ingest(
            session,
            account=account,
            time_zone=DEMO_ZONE,
            items=items,
            now=now,
            strict=True,
            categorise=categorise,
        )
        account_ids.append(account.id)
        total += result.count("created")
    # Mei lets reminders through at any hour, so the demo shows them whenever it is run.
    session.add(ContactPreferences(user_id=user.id, quiet_enabled=False, updated_at=now))
    if categorise is not None:
        _learn_a_rule(session, user_id=user.id, now=now)
    _set_limits(session, user_id=user.id, travel_card=account_ids[1], now=now)
    _plan_installments(session, user_id=user.id, account_id=account_ids[0], now=now)
    _, key = create_api_key(session, name="demo-issuer", scopes=set(OPERATOR_SCOPES), now=now)
    return DemoSeed(user_id=user.id, account_ids=account_ids, transactions=total, api_key=key)
