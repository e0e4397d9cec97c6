"""The pre-purchase check: would this purchase break the borrower's own limits?

It sits on the issuer's payment path, so it reads little: the borrower's live limits, one grouped
read of the current periods' spending, and the account balance for a credit cap. The purchase
is categorised with the same engine (and the borrower's own rules) as stored transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.categorize.normalise import merchant_key, normalise_merchant
from billbot.categorize.service import categorisers, user_rules
from billbot.limits.models import LimitScope
from billbot.limits.progress import progress_for, used_bps
from billbot.limits.service import list_limits, parse_thresholds
from billbot.users.models import User

Decision = Literal["allow", "warn", "decline"]


@dataclass(frozen=True)
class Purchase:
    amount_minor: int
    currency: str
    merchant: str
    mcc: str | None = None
    account_id: int | None = None


def check_purchase(
    session: Session, *, user: User, purchase: Purchase, now: datetime
) -> dict[str, Any]:
    """allow / warn / decline-by-user-choice, with each limit involved and what would remain."""
    assert user.id is not None
    decided = categorisers.get(session).categorise(
        purchase.merchant,
        mcc=purchase.mcc,
        kind="purchase",
        user_rules=user_rules(session, user.id),
    )
    key = merchant_key(normalise_merchant(purchase.merchant))
    limits = [
        limit
        for limit in list_limits(session, user_id=user.id, now=now)
        if limit.currency == purchase.currency
        and (
            limit.scope == LimitScope.IDEAL_BILL
            or (limit.scope == LimitScope.CATEGORY and limit.target == decided.category)
            or (limit.scope == LimitScope.SUB_CATEGORY and limit.target == decided.sub_category)
            or (limit.scope == LimitScope.MERCHANT and merchant_key(limit.target or "") == key)
            or (limit.scope == LimitScope.CREDIT_CAP and limit.account_id == purchase.account_id)
        )
        and (limit.account_id is None or limit.account_id == purchase.account_id)
    ]
    accounts = {
        a.id: a
        for a in session.exec(select(Account).where(col(Account.user_id) == user.id)).all()
        if a.id is not None
    }
    progress = progress_for(
        session, limits=limits, accounts=accounts, time_zone=user.time_zone, now=now
    )
    involved = []
    overall: Decision = "allow"
    for limit in limits:
        assert limit.id is not None
        before = progress[limit.id][0]
        after_spent = before.spent_minor + purchase.amount_minor
        after_bps = used_bps(after_spent, limit.amount_minor)
        before_bps = before.used_bps
        newly = [t for t in parse_thresholds(limit.thresholds_bps) if before_bps < t <= after_bps]
        outcome: Decision = "allow"
        if after_spent > limit.amount_minor:
            outcome = "decline" if limit.hard else "warn"
        elif newly:
            outcome = "warn"
        if outcome == "decline" or (outcome == "warn" and overall == "allow"):
            overall = outcome
        involved.append(
            {
                "limit_id": limit.id,
                "scope": limit.scope,
                "target": limit.target,
                "limit_minor": limit.amount_minor,
                "spent_minor": before.spent_minor,
                "remaining_after_minor": limit.amount_minor - after_spent,
                "used_after_bps": after_bps,
                "thresholds_crossed_bps": newly,
                "hard": limit.hard,
                "outcome": outcome,
            }
        )
    return {
        "decision": overall,
        "category": decided.category,
        "sub_category": decided.sub_category,
        "limits": involved,
    }
