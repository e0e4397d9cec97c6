"""Time-driven scenario: an installment falls due in the next few days.

One sweep reads the installments that have landed on a statement still owed and due within
`NOTICE_DAYS` (indexed by statement status and due date), never one job per borrower. Each message
has the dedupe key `installment_due:<installment id>`, so it is queued once however often the
sweep runs, and the debt key of its statement, so paying the statement calls it off
(`billbot.repayments.nudges`) and it counts towards that debt's contact ceiling.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.models import Statement, StatementStatus
from billbot.clock import local_date, zone
from billbot.outbox.service import enqueue
from billbot.repayments.models import InstallmentItem, InstallmentPlan
from billbot.repayments.nudges import debt_key
from billbot.scenarios.messages import money, render
from billbot.users.models import User

NOTICE_DAYS = 5
SCENARIO = "installment_due"
_UNPAID = (StatementStatus.CLOSED, StatementStatus.PARTIALLY_PAID)


def _when(days: int, locale: str) -> str:
    if locale == "zh-CN":
        return {0: "今天", 1: "明天"}.get(days, f"{days}天后")
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def sweep_installments_due(session: Session, *, now: datetime) -> int:
    """Queue one notice per installment due within `NOTICE_DAYS` on an unpaid statement."""
    # Due dates are local dates: a day's margin either side covers every time zone.
    first, last = (now - timedelta(days=1)).date(), (now + timedelta(days=NOTICE_DAYS + 1)).date()
    rows = session.exec(
        select(InstallmentItem, InstallmentPlan, Statement, User)
        .join(InstallmentPlan, col(InstallmentPlan.id) == col(InstallmentItem.plan_id))
        .join(Statement, col(Statement.id) == col(InstallmentItem.statement_id))
        .join(User, col(User.id) == col(Statement.user_id))
        .where(
            col(Statement.status).in_(_UNPAID),
            col(Statement.due_date) >= first,
            col(Statement.due_date) <= last,
        )
    ).all()
    queued = 0
    for entry, plan, statement, user in rows:
        if statement.statement_balance_minor - statement.paid_minor <= 0:
            continue
        days = (statement.due_date - local_date(now, zone(user.time_zone))).days
        if not 0 <= days <= NOTICE_DAYS:
            continue
        account = session.get(Account, statement.account_id)
        assert account is not None and user.id is not None
        assert entry.id is not None and statement.id is not None
        text = render(
            SCENARIO,
            user.locale,
            name=user.display_name,
            account=account.name,
            amount=money(entry.amount_minor, plan.currency, user.locale),
            seq=entry.seq,
            term=plan.term_months,
            due_date=statement.due_date.isoformat(),
            when=_when(days, user.locale),
        )
        message = enqueue(
            session,
            user_id=user.id,
            scenario=SCENARIO,
            dedupe_key=f"{SCENARIO}:{entry.id}",
            category="repayment",
            debt_key=debt_key(statement.id),
            body=text,
            now=now,
            expires_at=now + timedelta(days=NOTICE_DAYS + 1),
            foldable=True,
        )
        queued += message is not None
    return queued
