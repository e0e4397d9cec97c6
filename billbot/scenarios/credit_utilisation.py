"""Credit utilisation: an account's balance passed 30% or 70% of its limit.

The limit is the borrower's own lower credit cap on the account when they set one, else the
issuer's credit limit. Once per statement and band; when the balance jumps past both bands at
once, only 70% is told.
"""

from __future__ import annotations

from billbot.db import raw_rows
from billbot.limits.models import LimitScope
from billbot.scenarios.events import EventContext

BANDS_BPS = (3000, 7000)


def evaluate(context: EventContext) -> int:
    """Tell the highest band the batch's account has passed, once per statement."""
    account = context.account
    if account is None or account.id is None:
        return 0
    caps = [
        limit.amount_minor
        for limit in context.limits
        if limit.scope == LimitScope.CREDIT_CAP
        and limit.account_id == account.id
        and limit.currency == account.currency
    ]
    own_cap = min(caps) if caps else None
    issuer = account.credit_limit_minor if account.credit_limit_minor > 0 else None
    bases = [b for b in (own_cap, issuer) if b is not None]
    if not bases:
        return 0
    base = min(bases)
    # What the account owes now: its newest statement's running balance (as limits count it),
    # as the batch left it when it fell in that statement's currency.
    batch = context.batch
    newest = batch.newest_statements.get(account.currency) if batch is not None else None
    if newest is None:
        rows = raw_rows(
            context.session,
            "SELECT id, statement_balance_minor FROM statements WHERE account_id = {mark} "
            "AND currency = {mark} ORDER BY cycle_start_date DESC LIMIT 1",
            [account.id, account.currency],
        )
        if not rows:
            return 0
        newest = (rows[0][0], int(rows[0][1]))
    statement_id, balance = newest
    used = balance * 10_000 // base if base > 0 else 0
    crossed = [band for band in BANDS_BPS if used >= band]
    if not crossed:
        return 0
    band = crossed[-1]
    return int(
        context.tell(
            "credit_utilisation",
            f"credit_utilisation:{account.id}:{statement_id}:{band}",
            priority=2 if band >= 7000 else 1,
            account=account.name,
            percent=used // 100,
            band=band // 100,
            own_cap=own_cap is not None and own_cap == base,
            details=lambda: {
                "balance": context.money(balance, account.currency),
                "base": context.money(base, account.currency),
            },
        )
    )
