"""Installment and BNPL plans as stored objects: converting a statement or a purchase, the ledger.

Converting works like the issuer's books do:
- the amount converted (the plan's principal) is credited to the statement of the cycle open
  today (`converted_minor`), so it counts as paid against the statement before it (a statement
  conversion) or offsets the purchase in its own cycle;
- the plan's installments (`billbot.repayments.plans.installment_schedule`: the principal split
  exactly, the issuer's fee or interest added) post one a cycle, on the closing dates of the
  cycle open today and the ones after it; each lands on that cycle's statement and is due on its
  due date, counted in its balance and in full in its minimum due (`billbot.repayments.landing`).

So the installments of a plan always sum to its principal plus its stated cost, to the minor
unit. The ledger lists every active plan with its remaining schedule and the statements its
installments land on, projects installment totals for the next statements, and runs the
stacking guard (`billbot.repayments.ledger`) against the income the borrower declared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.cycles import Cycle, cycle_for, next_cycle
from billbot.bills.models import Statement, StatementStatus
from billbot.bills.queries import get_statement, newest_statement
from billbot.bills.service import advance_accounts, load_book, plan_of, roll_forward
from billbot.clock import local_date, zone
from billbot.errors import ConflictError, NotFoundError, ValidationFailed
from billbot.repayments.errors import RepaymentError, UnsupportedTerm
from billbot.repayments.landing import attach_installments
from billbot.repayments.ledger import (
    DEFAULT_INCOME_SHARE_BPS,
    ActivePlan,
    MonthLoad,
    PlanItem,
    ProjectedStatement,
    project_statements,
    stacking_guard,
)
from billbot.repayments.models import BorrowingProfile, InstallmentItem, InstallmentPlan
from billbot.repayments.nudges import cancel_paid_nudges
from billbot.repayments.plans import InstallmentOffer, ScheduleItem, installment_schedule
from billbot.transactions.models import Transaction, TransactionKind, TransactionStatus
from billbot.users.models import User

PROJECTED_STATEMENTS = 6


@dataclass(frozen=True, slots=True)
class PlannedInstallment:
    """One installment of a plan: the cycle it posts in (on its closing date) and what it pays."""

    seq: int
    post_date: date
    due_date: date
    amount_minor: int
    principal_minor: int
    interest_minor: int
    fee_minor: int


def plan_installments(
    principal_minor: int, offer: InstallmentOffer, cycles: Sequence[Cycle]
) -> tuple[PlannedInstallment, ...]:
    """`principal_minor` in `offer.term_months` installments posting on `cycles`' closing dates.

    The amounts are `installment_schedule`'s: they sum exactly to principal, fees and interest.
    """
    if len(cycles) < offer.term_months:
        raise ValueError("one cycle is needed for each installment")
    schedule: tuple[ScheduleItem, ...] = installment_schedule(
        principal_minor, offer, start_date=cycles[0].end_date
    )
    return tuple(
        PlannedInstallment(
            seq,
            cycle.end_date,
            cycle.due_date,
            entry.amount_minor,
            entry.principal_minor,
            entry.interest_minor,
            entry.fee_minor,
        )
        for seq, (entry, cycle) in enumerate(zip(schedule, cycles, strict=False), start=1)
    )


@dataclass(frozen=True, slots=True)
class PlanDraft:
    """A conversion as it would be stored, with its cost and the stacking guard's verdict."""

    account_id: int
    source: str
    statement_id: int | None
    transaction_id: int | None
    currency: str
    principal_minor: int
    offer: InstallmentOffer
    installments: tuple[PlannedInstallment, ...]
    fees_minor: int
    interest_minor: int
    total_minor: int
    guard: tuple[MonthLoad, ...]

    @property
    def extra_over_full_minor(self) -> int:
        """What converting costs over paying the same amount now."""
        return self.total_minor - self.principal_minor

    @property
    def over_limit(self) -> bool:
        """Whether, with this plan, some month's installments pass the borrower's chosen share."""
        return any(month.over_limit for month in self.guard)


def _upcoming_cycles(
    session: Session, account: Account, currency: str, today: date, count: int
) -> list[Cycle]:
    """The cycle open today and the ones after it, with stored statements' due dates."""
    plan = plan_of(account)
    cycles = [cycle_for(today, plan)]
    while len(cycles) < count:
        cycles.append(next_cycle(cycles[-1], plan))
    stored = {
        s.cycle_start_date: s.due_date
        for s in session.exec(
            select(Statement).where(
                col(Statement.account_id) == account.id,
                col(Statement.currency) == currency,
                col(Statement.cycle_start_date) >= cycles[0].start_date,
            )
        ).all()
    }
    return [Cycle(c.start_date, c.end_date, stored.get(c.start_date, c.due_date)) for c in cycles]


def _offer(offers: Sequence[InstallmentOffer], term_months: int) -> InstallmentOffer:
    for offer in offers:
        if offer.term_months == term_months:
            return offer
    raise UnsupportedTerm(
        f"the issuer offers installments over {', '.join(str(o.term_months) for o in offers)} "
        f"months, not {term_months}",
        term_months=term_months,
        offered=[o.term_months for o in offers],
    )


def _source(
    session: Session,
    user: User,
    *,
    statement_id: int | None,
    transaction_id: int | None,
    amount_minor: int | None,
    today: date,
    now: datetime,
) -> tuple[Account, str, int, Statement | None, Transaction | None]:
    """The account, currency and amount a conversion takes, after checking it may be made."""
    if (statement_id is None) == (transaction_id is None):
        raise ValidationFailed(
            "convert either a statement or a purchase", code="installments.source"
        )
    if statement_id is not None:
        statement = get_statement(session, user=user, statement_id=statement_id, now=now)
        account = session.get(Account, statement.account_id)
        assert account is not None
        if statement.status == StatementStatus.OPEN:
            raise ValidationFailed(
                "this statement's cycle is still open; convert its purchases instead",
                code="installments.statement_open",
            )
        newest = newest_statement(
            session, account.id or 0, currency=statement.currency, closed=True
        )
        if newest is None or newest.id != statement.id:
            raise ValidationFailed(
                "only the newest statement can be converted (older ones are carried in it)",
                code="installments.statement_not_newest",
                newest_statement_id=newest.id if newest else None,
            )
        if today > statement.due_date:
            raise ValidationFailed(
                "this statement is past its due date and can no longer be converted",
                code="installments.past_due",
            )
        remaining = statement.statement_balance_minor - statement.paid_minor
        amount = remaining if amount_minor is None else amount_minor
        if remaining <= 0 or amount > remaining:
            raise ValidationFailed(
                "that is more than remains to pay on this statement",
                code="installments.too_much",
                remaining_minor=max(remaining, 0),
            )
        return account, statement.currency, amount, statement, None
    purchase = session.get(Transaction, transaction_id)
    if purchase is None or purchase.user_id != user.id:
        raise NotFoundError("no such transaction", code="transaction.not_found")
    if purchase.kind != TransactionKind.PURCHASE or purchase.status != TransactionStatus.POSTED:
        raise ValidationFailed(
            "only posted purchases can be converted to installments",
            code="installments.not_a_purchase",
        )
    existing = session.exec(
        select(InstallmentPlan.id).where(col(InstallmentPlan.transaction_id) == purchase.id)
    ).first()
    if existing is not None:
        raise ConflictError(
            "this purchase is already in installments",
            code="installments.already_converted",
            plan_id=existing,
        )
    account = session.get(Account, purchase.account_id)
    assert account is not None
    advance_accounts(session, [(account, user.time_zone)], now=now)
    home = session.get(Statement, purchase.statement_id) if purchase.statement_id else None
    newest = newest_statement(session, account.id or 0, currency=purchase.currency, closed=True)
    if (
        home is not None
        and home.status != StatementStatus.OPEN
        and (newest is None or home.id != newest.id or today > home.due_date)
    ):
        raise ValidationFailed(
            "this purchase's statement is already due or carried forward; convert the "
            "statement instead",
            code="installments.purchase_too_old",
        )
    amount = purchase.amount_minor if amount_minor is None else amount_minor
    if amount > purchase.amount_minor:
        raise ValidationFailed(
            "that is more than the purchase",
            code="installments.too_much",
            remaining_minor=purchase.amount_minor,
        )
    return account, purchase.currency, amount, None, purchase


def _plans_of(
    session: Session, user_id: int, *, account_id: int | None = None
) -> list[tuple[InstallmentPlan, list[InstallmentItem]]]:
    query = select(InstallmentPlan).where(col(InstallmentPlan.user_id) == user_id)
    if account_id is not None:
        query = query.where(col(InstallmentPlan.account_id) == account_id)
    plans = list(session.exec(query.order_by(col(InstallmentPlan.id))).all())
    if not plans:
        return []
    items = session.exec(
        select(InstallmentItem)
        .where(col(InstallmentItem.plan_id).in_([p.id for p in plans]))
        .order_by(col(InstallmentItem.plan_id), col(InstallmentItem.seq))
    ).all()
    by_plan: dict[int, list[InstallmentItem]] = {}
    for entry in items:
        by_plan.setdefault(entry.plan_id, []).append(entry)
    return [(plan, by_plan.get(plan.id or 0, [])) for plan in plans]


def _profile(session: Session, user_id: int) -> BorrowingProfile | None:
    return session.get(BorrowingProfile, user_id)


def _guard(
    session: Session,
    user: User,
    projected: Sequence[ProjectedStatement],
    currency: str,
) -> tuple[MonthLoad, ...]:
    assert user.id is not None
    profile = _profile(session, user.id)
    if (
        profile is None
        or not profile.monthly_income_minor
        or (profile.income_currency or "").upper() != currency.upper()
    ):
        return ()
    return tuple(
        stacking_guard(
            projected,
            monthly_income_minor=profile.monthly_income_minor,
            threshold_bps=profile.income_share_bps,
        )
    )


def _active_plans(
    rows: Sequence[tuple[InstallmentPlan, list[InstallmentItem]]], currency: str, first: date
) -> list[ActivePlan]:
    return [
        ActivePlan(
            str(plan.id),
            plan.currency,
            tuple(PlanItem(i.post_date, i.amount_minor) for i in items if i.post_date >= first),
        )
        for plan, items in rows
        if plan.currency == currency
    ]


def _projection(
    session: Session,
    user: User,
    account: Account,
    currency: str,
    today: date,
    extra: Sequence[ActivePlan] = (),
) -> list[ProjectedStatement]:
    assert user.id is not None and account.id is not None
    cycles = _upcoming_cycles(session, account, currency, today, PROJECTED_STATEMENTS)
    rows = _plans_of(session, user.id, account_id=account.id)
    plans = _active_plans(rows, currency, cycles[0].start_date) + list(extra)
    return project_statements(plans, cycles, today=today, count=PROJECTED_STATEMENTS)


def draft_installment_plan(
    session: Session,
    *,
    user: User,
    term_months: int,
    offers: Sequence[InstallmentOffer],
    now: datetime,
    statement_id: int | None = None,
    transaction_id: int | None = None,
    amount_minor: int | None = None,
) -> PlanDraft:
    """What converting a statement (or part of it) or a purchase would give, without storing it."""
    assert user.id is not None
    if amount_minor is not None and amount_minor <= 0:
        raise ValidationFailed("the amount must be positive", code="installments.amount")
    today = local_date(now, zone(user.time_zone))
    account, currency, principal, statement, purchase = _source(
        session,
        user,
        statement_id=statement_id,
        transaction_id=transaction_id,
        amount_minor=amount_minor,
        today=today,
        now=now,
    )
    offer = _offer(offers, term_months)
    cycles = _upcoming_cycles(session, account, currency, today, offer.term_months)
    if principal < offer.term_months:
        raise RepaymentError(
            f"too small to repay in {offer.term_months} installments",
            principal_minor=principal,
            term_months=offer.term_months,
        )
    planned = plan_installments(principal, offer, cycles)
    new_plan = ActivePlan(
        "new", currency, tuple(PlanItem(p.post_date, p.amount_minor) for p in planned)
    )
    projected = _projection(session, user, account, currency, today, [new_plan])
    fees = sum(p.fee_minor for p in planned)
    interest = sum(p.interest_minor for p in planned)
    assert account.id is not None
    return PlanDraft(
        account_id=account.id,
        source="statement" if statement is not None else "purchase",
        statement_id=statement.id if statement is not None else None,
        transaction_id=purchase.id if purchase is not None else None,
        currency=currency,
        principal_minor=principal,
        offer=offer,
        installments=planned,
        fees_minor=fees,
        interest_minor=interest,
        total_minor=sum(p.amount_minor for p in planned),
        guard=_guard(session, user, projected, currency),
    )


def create_installment_plan(
    session: Session,
    *,
    user: User,
    term_months: int,
    offers: Sequence[InstallmentOffer],
    now: datetime,
    statement_id: int | None = None,
    transaction_id: int | None = None,
    amount_minor: int | None = None,
) -> tuple[InstallmentPlan, PlanDraft]:
    """Convert and store: the plan, its installments on their statements, the credit today."""
    draft = draft_installment_plan(
        session,
        user=user,
        term_months=term_months,
        offers=offers,
        now=now,
        statement_id=statement_id,
        transaction_id=transaction_id,
        amount_minor=amount_minor,
    )
    assert user.id is not None
    account = session.get(Account, draft.account_id)
    assert account is not None and account.id is not None
    purchase = session.get(Transaction, transaction_id) if transaction_id is not None else None
    plan = InstallmentPlan(
        user_id=user.id,
        account_id=account.id,
        source=draft.source,
        statement_id=draft.statement_id,
        transaction_id=draft.transaction_id,
        currency=draft.currency,
        principal_minor=draft.principal_minor,
        term_months=draft.offer.term_months,
        pricing=draft.offer.pricing.value,
        rate_bps=draft.offer.rate_bps,
        fees_minor=draft.fees_minor,
        interest_minor=draft.interest_minor,
        total_minor=draft.total_minor,
        created_at=now,
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    session.add_all(
        InstallmentItem(
            plan_id=plan.id,
            account_id=account.id,
            seq=p.seq,
            post_date=p.post_date,
            amount_minor=p.amount_minor,
            principal_minor=p.principal_minor,
            interest_minor=p.interest_minor,
            fee_minor=p.fee_minor,
        )
        for p in draft.installments
    )
    session.flush()
    book = load_book(session, account, user.time_zone, draft.currency)
    today = local_date(now, zone(user.time_zone))
    current = next(s for s in book.statements if s.cycle_start_date <= today <= s.cycle_end_date)
    current.converted_minor += draft.principal_minor
    if statement_id is not None or (purchase is not None and purchase.statement_id != current.id):
        current.converted_previous_minor += draft.principal_minor
    plan.converted_statement_id = current.id
    attach_installments(
        session, account_id=account.id, currency=draft.currency, statements=book.statements
    )
    roll_forward(book, now=now)
    cancel_paid_nudges(session, book.statements[-15:], now=now)
    session.flush()
    return plan, draft


def set_income(
    session: Session,
    *,
    user_id: int,
    monthly_income_minor: int,
    currency: str,
    share_bps: int = DEFAULT_INCOME_SHARE_BPS,
    now: datetime,
) -> BorrowingProfile:
    """Record the borrower's declared monthly income and the share of it they allow for
    installments (the stacking guard's limit)."""
    if monthly_income_minor <= 0:
        raise ValidationFailed("the monthly income must be positive", code="installments.income")
    if not 0 < share_bps <= 10_000:
        raise ValidationFailed(
            "the share must be between 1 and 10000 basis points", code="installments.share"
        )
    profile = _profile(session, user_id) or BorrowingProfile(user_id=user_id, updated_at=now)
    profile.monthly_income_minor = monthly_income_minor
    profile.income_currency = currency.upper()
    profile.income_share_bps = share_bps
    profile.updated_at = now
    session.add(profile)
    session.flush()
    return profile


def _statement_refs(session: Session, ids: set[int]) -> dict[int, Statement]:
    if not ids:
        return {}
    rows = session.exec(select(Statement).where(col(Statement.id).in_(ids))).all()
    return {s.id: s for s in rows if s.id is not None}


def installment_ledger(session: Session, *, user: User, now: datetime) -> dict[str, Any]:
    """Every active plan with its remaining schedule and the statements its installments land
    on; installment totals of the next six statements per account; the stacking guard."""
    assert user.id is not None
    today = local_date(now, zone(user.time_zone))
    accounts = {
        a.id: a
        for a in session.exec(select(Account).where(col(Account.user_id) == user.id)).all()
        if a.id is not None
    }
    advance_accounts(session, [(a, user.time_zone) for a in accounts.values()], now=now)
    rows = _plans_of(session, user.id)
    refs = _statement_refs(
        session, {i.statement_id for _, items in rows for i in items if i.statement_id}
    )
    plans_out = []
    keys: set[tuple[int, str]] = set()
    for plan, items in rows:
        account = accounts[plan.account_id]
        cycles = _upcoming_cycles(session, account, plan.currency, today, len(items) + 1)
        due_by_end = {c.end_date: c.due_date for c in cycles}
        remaining = [i for i in items if i.post_date >= today]
        if not remaining:
            continue
        keys.add((plan.account_id, plan.currency))
        schedule = []
        for entry in items:
            statement = refs.get(entry.statement_id or 0)
            schedule.append(
                {
                    "seq": entry.seq,
                    "post_date": entry.post_date,
                    "due_date": statement.due_date
                    if statement is not None
                    else due_by_end.get(entry.post_date),
                    "amount_minor": entry.amount_minor,
                    "principal_minor": entry.principal_minor,
                    "interest_minor": entry.interest_minor,
                    "fee_minor": entry.fee_minor,
                    "statement_id": entry.statement_id,
                    "remaining": entry.post_date >= today,
                }
            )
        plans_out.append(
            {
                "id": plan.id,
                "user_id": plan.user_id,
                "account_id": plan.account_id,
                "source": plan.source,
                "statement_id": plan.statement_id,
                "transaction_id": plan.transaction_id,
                "currency": plan.currency,
                "principal_minor": plan.principal_minor,
                "term_months": plan.term_months,
                "pricing": plan.pricing,
                "rate_bps": plan.rate_bps,
                "fees_minor": plan.fees_minor,
                "interest_minor": plan.interest_minor,
                "total_minor": plan.total_minor,
                "remaining_minor": sum(i.amount_minor for i in remaining),
                "remaining_count": len(remaining),
                "created_at": plan.created_at,
                "schedule": schedule,
            }
        )
    projected_by_key = {
        (account_id, currency): _projection(session, user, accounts[account_id], currency, today)
        for account_id, currency in sorted(keys)
    }
    projections = []
    guards = []
    for (account_id, currency), projected in projected_by_key.items():
        projections.append(
            {
                "account_id": account_id,
                "currency": currency,
                "statements": [
                    {
                        "cycle_start_date": p.start_date,
                        "closing_date": p.end_date,
                        "due_date": p.due_date,
                        "installments_minor": p.installments_minor,
                        "plan_ids": sorted({int(i.plan_id) for i in p.items}),
                    }
                    for p in projected
                ],
            }
        )
    profile = _profile(session, user.id)
    if profile is not None and profile.monthly_income_minor and profile.income_currency:
        currency = profile.income_currency
        statements = [
            p
            for (_, cur), projected in projected_by_key.items()
            if cur == currency
            for p in projected
        ]
        if statements:
            guards = [
                {
                    "month": load.month_date.strftime("%Y-%m"),
                    "obligations_minor": load.obligations_minor,
                    "limit_minor": load.limit_minor,
                    "share_bps": load.share_bps,
                    "over_limit": load.over_limit,
                }
                for load in stacking_guard(
                    statements,
                    monthly_income_minor=profile.monthly_income_minor,
                    threshold_bps=profile.income_share_bps,
                )
            ]
    return {
        "plans": plans_out,
        "projected_statements": projections,
        "income": None
        if profile is None or not profile.monthly_income_minor
        else {
            "monthly_income_minor": profile.monthly_income_minor,
            "currency": profile.income_currency,
            "share_bps": profile.income_share_bps,
        },
        "guard": guards,
        "warning": any(g["over_limit"] for g in guards),
    }
