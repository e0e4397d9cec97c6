"""Setting, lowering and raising self-imposed limits.

A borrower's limit protects them from their future self, so the rules are asymmetric: lowering a
limit (or adding one) takes effect at once; raising or removing one waits out a cooling-off
period (default 24 hours) and can be cancelled meanwhile. Every change is recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from sqlmodel import Session, col, select

from billbot.accounts.service import get_account
from billbot.categorize.taxonomy import load_taxonomy
from billbot.errors import NotFoundError, ValidationFailed
from billbot.limits.models import Limit, LimitChange, LimitPeriod, LimitScope
from billbot.money import MoneyError, exponent


def _record(
    session: Session,
    limit: Limit,
    action: str,
    *,
    old: int | None,
    new: int | None,
    at: datetime,
    effective_at: datetime | None = None,
) -> None:
    assert limit.id is not None
    session.add(
        LimitChange(
            user_id=limit.user_id,
            limit_id=limit.id,
            action=action,
            old_amount_minor=old,
            new_amount_minor=new,
            at=at,
            effective_at=effective_at or at,
        )
    )


def _set_pending(
    limit: Limit, *, amount: int | None, removal: bool, effective_at: datetime | None
) -> None:
    limit.pending_amount_minor, limit.pending_removal = amount, removal
    limit.pending_effective_at = effective_at


def _clear_pending(limit: Limit) -> None:
    _set_pending(limit, amount=None, removal=False, effective_at=None)


def parse_thresholds(text: str) -> list[int]:
    """Threshold basis points, ascending ("5000,8000,10000" → [5000, 8000, 10000])."""
    return list(_thresholds(text))


@lru_cache(maxsize=1024)
def _thresholds(text: str) -> tuple[int, ...]:
    # Parsed once per text: limit progress reads every limit's thresholds with every batch.
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError as exc:
        raise ValidationFailed(
            "thresholds are whole basis points, e.g. 5000,8000,10000", code="limit.thresholds"
        ) from exc
    if not values or values[0] <= 0 or values[-1] > 20_000:
        raise ValidationFailed(
            "thresholds must lie between 1 and 20000 basis points", code="limit.thresholds"
        )
    return tuple(values)


def _check_target(
    session: Session,
    *,
    user_id: int,
    scope: str,
    target: str | None,
    period: str | None,
    account_id: int | None,
) -> None:
    taxonomy = load_taxonomy()
    if scope == LimitScope.CATEGORY and not (target and taxonomy.is_category(target)):
        raise ValidationFailed(
            f"unknown category {target!r}; GET /v1/categories lists them", code="limit.target"
        )
    if scope == LimitScope.SUB_CATEGORY and not (target and taxonomy.is_sub_category(target)):
        raise ValidationFailed(f"unknown sub-category {target!r}", code="limit.target")
    if scope == LimitScope.MERCHANT and not (target and target.strip()):
        raise ValidationFailed(
            "a merchant limit needs the merchant's name as its target", code="limit.target"
        )
    if scope in (LimitScope.IDEAL_BILL, LimitScope.CREDIT_CAP) and target:
        raise ValidationFailed(f"a {scope} limit takes no target", code="limit.target")
    if scope == LimitScope.CREDIT_CAP:
        if account_id is None:
            raise ValidationFailed(
                "a credit cap belongs to one account: give account_id", code="limit.account"
            )
        if period is not None:
            raise ValidationFailed("a credit cap has no period", code="limit.period")
    elif period is None:
        raise ValidationFailed("give a period: week, month or cycle", code="limit.period")
    if period == LimitPeriod.CYCLE and account_id is None:
        raise ValidationFailed(
            "a per-cycle limit follows one account's statements: give account_id",
            code="limit.account",
        )
    if account_id is not None:
        get_account(session, user_id=user_id, account_id=account_id)


def create_limit(
    session: Session,
    *,
    user_id: int,
    scope: str,
    amount_minor: int,
    currency: str,
    now: datetime,
    target: str | None = None,
    period: str | None = None,
    account_id: int | None = None,
    thresholds_bps: str = "5000,8000,10000",
    hard: bool = False,
) -> Limit:
    """A new limit, effective at once (setting a limit only ever protects)."""
    try:
        exponent(currency)
    except MoneyError as exc:
        raise ValidationFailed(str(exc), code="limit.currency") from exc
    if amount_minor < 0:
        raise ValidationFailed("a limit cannot be negative", code="limit.amount")
    _check_target(
        session, user_id=user_id, scope=scope, target=target, period=period, account_id=account_id
    )
    if scope == LimitScope.CREDIT_CAP:
        account = get_account(session, user_id=user_id, account_id=account_id or 0)
        if account.credit_limit_minor and amount_minor > account.credit_limit_minor:
            raise ValidationFailed(
                "a self-set cap must be below the issuer's credit limit", code="limit.amount"
            )
    parse_thresholds(thresholds_bps)
    limit = Limit(
        user_id=user_id,
        account_id=account_id,
        scope=scope,
        target=target.strip() if target else None,
        period=period,
        currency=currency.upper(),
        amount_minor=amount_minor,
        thresholds_bps=thresholds_bps,
        hard=hard,
        created_at=now,
        updated_at=now,
    )
    session.add(limit)
    session.flush()
    _record(session, limit, "created", old=None, new=amount_minor, at=now)
    return limit


def settle(session: Session, limit: Limit, *, now: datetime) -> Limit:
    """Apply a raise or removal whose cooling-off has ended."""
    if limit.pending_effective_at is None or now < limit.pending_effective_at:
        return limit
    if limit.pending_removal:
        limit.removed_at = limit.pending_effective_at
        _record(
            session,
            limit,
            "removed",
            old=limit.amount_minor,
            new=None,
            at=now,
            effective_at=limit.pending_effective_at,
        )
    elif limit.pending_amount_minor is not None:
        _record(
            session,
            limit,
            "raise_applied",
            old=limit.amount_minor,
            new=limit.pending_amount_minor,
            at=now,
            effective_at=limit.pending_effective_at,
        )
        limit.amount_minor = limit.pending_amount_minor
    _clear_pending(limit)
    limit.updated_at = now
    session.flush()
    return limit


def get_limit(session: Session, *, user_id: int, limit_id: int, now: datetime) -> Limit:
    """One of the user's live limits, settled as of `now`; anyone else's looks absent."""
    limit = session.get(Limit, limit_id)
    if limit is None or limit.user_id != user_id:
        raise NotFoundError("no such limit", code="limit.not_found")
    settle(session, limit, now=now)
    if limit.removed_at is not None:
        raise NotFoundError("this limit was removed", code="limit.not_found")
    return limit


def list_limits(session: Session, *, user_id: int, now: datetime) -> list[Limit]:
    """The user's live limits, settled as of `now`."""
    rows = session.exec(
        select(Limit)
        .where(col(Limit.user_id) == user_id, col(Limit.removed_at).is_(None))
        .order_by(col(Limit.id))
    ).all()
    return [
        limit for limit in (settle(session, r, now=now) for r in rows) if limit.removed_at is None
    ]


def change_amount(
    session: Session, *, limit: Limit, amount_minor: int, now: datetime, cooling_off: timedelta
) -> Limit:
    """Lower at once (cancelling any pending raise); raise only after the cooling-off."""
    if amount_minor < 0:
        raise ValidationFailed("a limit cannot be negative", code="limit.amount")
    if amount_minor <= limit.amount_minor:
        if limit.pending_effective_at is not None:
            _record(
                session,
                limit,
                "raise_cancelled",
                old=limit.amount_minor,
                new=limit.pending_amount_minor,
                at=now,
            )
        if amount_minor < limit.amount_minor:
            _record(session, limit, "lowered", old=limit.amount_minor, new=amount_minor, at=now)
        limit.amount_minor = amount_minor
        _clear_pending(limit)
    else:
        effective = now + cooling_off
        _set_pending(limit, amount=amount_minor, removal=False, effective_at=effective)
        _record(
            session,
            limit,
            "raise_requested",
            old=limit.amount_minor,
            new=amount_minor,
            at=now,
            effective_at=effective,
        )
    limit.updated_at = now
    session.flush()
    return limit


def request_removal(
    session: Session, *, limit: Limit, now: datetime, cooling_off: timedelta
) -> Limit:
    """Removing a limit is the biggest raise of all: it waits out the cooling-off too."""
    effective = now + cooling_off
    _set_pending(limit, amount=None, removal=True, effective_at=effective)
    limit.updated_at = now
    _record(
        session,
        limit,
        "removal_requested",
        old=limit.amount_minor,
        new=None,
        at=now,
        effective_at=effective,
    )
    session.flush()
    return settle(session, limit, now=now)


def cancel_pending(session: Session, *, limit: Limit, now: datetime) -> Limit:
    """Keep the limit as it is: drop a pending raise or removal."""
    if limit.pending_effective_at is None:
        raise ValidationFailed(
            "nothing is waiting to take effect on this limit", code="limit.nothing_pending"
        )
    _record(
        session,
        limit,
        "raise_cancelled",
        old=limit.amount_minor,
        new=limit.pending_amount_minor,
        at=now,
    )
    _clear_pending(limit)
    limit.updated_at = now
    session.flush()
    return limit


def history(session: Session, *, limit: Limit) -> list[LimitChange]:
    """Every change to the limit, oldest first."""
    return list(
        session.exec(
            select(LimitChange)
            .where(col(LimitChange.limit_id) == limit.id)
            .order_by(col(LimitChange.id))
        ).all()
    )
