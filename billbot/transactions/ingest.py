"""Ingestion: validate, de-duplicate, place in statement cycles and store transactions in bulk.

Used by the operator batch endpoint and by file imports. Idempotent on (account, external id):
re-posting a transaction creates nothing; a pending transaction re-posted as posted is updated.
Rows are written with one multi-row INSERT ... ON CONFLICT DO NOTHING per chunk, so concurrent
posts of the same batch create each transaction once, and the account row is locked so that
statement totals are updated by one writer at a time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from sqlalchemy import update
from sqlmodel import Session, col

from billbot.accounts.models import Account
from billbot.accounts.service import lock_account
from billbot.bills.cycles import assign_cycles
from billbot.bills.service import StatementBook, apply_deltas, cover, load_book
from billbot.clock import zone
from billbot.errors import ValidationFailed
from billbot.money import MoneyError, exponent
from billbot.repayments.service import record_repayments
from billbot.transactions.bulk import existing_ids, insert_new
from billbot.transactions.models import (
    CREDIT_KINDS,
    Transaction,
    TransactionKind,
    TransactionStatus,
)

_CHUNK = 1000
_KINDS = frozenset(k.value for k in TransactionKind)
_STATUSES = frozenset(s.value for s in TransactionStatus)
_REPAYMENT_WORDS = re.compile(
    r"\b(payment|thank you|autopay|auto-pay|direct debit|repayment)\b|还款|自动还款", re.IGNORECASE
)


@dataclass(slots=True)
class NewTransaction:
    """A transaction to store, from the API or a file; `kind=None` is inferred from the sign."""

    external_id: str
    amount_minor: int
    currency: str | None = None
    merchant_raw: str = ""
    mcc: str | None = None
    kind: str | None = None
    status: str = TransactionStatus.POSTED
    posted_at: datetime | None = None
    posted_date: date | None = None
    line: int | None = None


@dataclass(slots=True)
class Outcome:
    index: int
    external_id: str
    outcome: Literal["created", "duplicate", "updated", "rejected"]
    id: int | None = None
    reason: str | None = None


@dataclass
class IngestResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


# Hook for categorisation: given the rows about to be stored (dicts with merchant_raw, mcc, kind,
# user_id), fill merchant_name and the category columns in place.
Categorise = Callable[[Session, int, list[dict[str, Any]]], None]


def infer_kind(amount_minor: int, description: str) -> str:
    """Purchases add to the balance; a credit is a repayment if it says so, else a refund."""
    if amount_minor >= 0:
        return TransactionKind.PURCHASE
    return (
        TransactionKind.REPAYMENT
        if _REPAYMENT_WORDS.search(description)
        else TransactionKind.REFUND
    )


def _check(item: NewTransaction, account: Account) -> str | None:
    """Why `item` cannot be stored, or None; normalises kind and currency in place."""
    if not item.external_id or len(item.external_id) > 128:
        return "external_id must be 1 to 128 characters"
    if item.posted_at is None and item.posted_date is None:
        return "a posting time or date is required"
    if item.posted_at is not None and item.posted_at.tzinfo is None:
        return "posted_at must carry a time zone offset"
    item.currency = (item.currency or account.currency).upper()
    try:
        exponent(item.currency)
    except MoneyError as exc:
        return str(exc)
    if item.kind is None:
        item.kind = infer_kind(item.amount_minor, item.merchant_raw)
    if item.kind not in _KINDS:
        return f"unknown kind {item.kind!r}"
    if item.status not in _STATUSES:
        return f"unknown status {item.status!r}"
    if item.kind in CREDIT_KINDS and item.amount_minor > 0:
        return f"a {item.kind} reduces the balance, so amount_minor must be negative"
    if item.kind not in CREDIT_KINDS and item.amount_minor < 0:
        return f"a {item.kind} adds to the balance, so amount_minor must be positive"
    if item.mcc is not None and not (len(item.mcc) == 4 and item.mcc.isdigit()):
        return "mcc must be four digits"
    return None


def ingest(
    session: Session,
    *,
    account: Account,
    time_zone: str,
    items: Sequence[NewTransaction],
    now: datetime,
    strict: bool = False,
    categorise: Categorise | None = None,
) -> IngestResult:
    """Store `items` on `account`; with `strict`, any invalid item aborts the whole batch."""
    assert account.id is not None
    tz = zone(time_zone)
    result = IngestResult()
    outcomes: list[Outcome | None] = [None] * len(items)
    accepted: list[tuple[int, NewTransaction]] = []
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        reason = _check(item, account)
        if reason is not None:
            if strict:
                where = f"line {item.line}" if item.line is not None else f"item {index}"
                raise ValidationFailed(
                    f"{where}: {reason}", code="ingest.invalid", index=index, line=item.line
                )
            outcomes[index] = Outcome(index, item.external_id, "rejected", reason=reason)
        elif item.external_id in first_seen:
            position = first_seen[item.external_id]
            earlier_index, earlier = accepted[position]
            if (
                earlier.status == TransactionStatus.PENDING
                and item.status == TransactionStatus.POSTED
            ):
                # The posted entry supersedes a pending one earlier in the same batch.
                accepted[position] = (index, item)
                index, reason = earlier_index, "superseded by a posted entry later in this batch"
            else:
                reason = "repeated in this batch"
            outcomes[index] = Outcome(index, item.external_id, "duplicate", reason=reason)
        else:
            first_seen[item.external_id] = len(accepted)
            accepted.append((index, item))

    lock_account(session, account.id)
    existing = existing_ids(session, account.id, [item.external_id for _, item in accepted])
    fresh: list[tuple[int, NewTransaction]] = []
    upgrades: list[tuple[int, NewTransaction, int]] = []
    for index, item in accepted:
        known = existing.get(item.external_id)
        if known is None:
            fresh.append((index, item))
        elif known[1] == TransactionStatus.PENDING and item.status == TransactionStatus.POSTED:
            upgrades.append((index, item, known[0]))
        else:
            outcomes[index] = Outcome(index, item.external_id, "duplicate", id=known[0])

    rows = [_row(item, account, tz, now) for _, item in fresh]
    update_rows = [_row(item, account, tz, now) for _, item, _ in upgrades]
    if rows or update_rows:
        books = _place_in_statements(
            session, account, time_zone, rows + update_rows, today=now.astimezone(tz).date()
        )
        if categorise is not None:
            categorise(session, account.user_id, rows + update_rows)

        created = insert_new(session, rows)
        for index, item in fresh:
            new_id = created.get(item.external_id)
            outcome: Literal["created", "duplicate"] = (
                "created" if new_id is not None else "duplicate"
            )
            outcomes[index] = Outcome(index, item.external_id, outcome, id=new_id)
        for (index, item, tid), row in zip(upgrades, update_rows, strict=True):
            values = {k: v for k, v in row.items() if k not in ("created_at", "external_id")}
            session.execute(update(Transaction).where(col(Transaction.id) == tid).values(**values))
            outcomes[index] = Outcome(index, item.external_id, "updated", id=tid)

        deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        counted = [r for r in rows if r["external_id"] in created] + update_rows
        for row in counted:
            if row["status"] == TransactionStatus.POSTED:
                amount = row["amount_minor"]
                delta = deltas[row["statement_id"]]
                if amount > 0:
                    delta[0] += amount
                else:
                    delta[1] -= amount
        for book in books:
            apply_deltas(book, [(sid, c, cr) for sid, (c, cr) in deltas.items()], now=now)
        posted = [r for r in counted if r["status"] == TransactionStatus.POSTED]
        new_ids = created | {
            row["external_id"]: tid for (_, _, tid), row in zip(upgrades, update_rows, strict=True)
        }
        record_repayments(session, rows=posted, ids=new_ids, books=books, now=now)
        session.flush()

    result.outcomes = [o for o in outcomes if o is not None]
    return result


def _place_in_statements(
    session: Session, account: Account, time_zone: str, rows: list[dict[str, Any]], *, today: date
) -> list[StatementBook]:
    """Give each row the statement of its cycle in its currency, creating statements as needed."""
    by_currency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_currency[row["currency"]].append(row)
    books = []
    for currency, group in by_currency.items():
        book = load_book(session, account, time_zone, currency)
        dates = [r["local_date"] for r in group]
        cover(session, book, min(dates), max(max(dates), today))
        ids = [s.id for s in book.statements]
        for row, cycle_index in zip(group, assign_cycles(dates, book.cycles), strict=True):
            row["statement_id"] = ids[cycle_index]
        books.append(book)
    return books


def _row(item: NewTransaction, account: Account, tz: Any, now: datetime) -> dict[str, Any]:
    if item.posted_at is not None:
        posted_at = item.posted_at.astimezone(UTC)
        day = item.posted_at.astimezone(tz).date()
    else:
        assert item.posted_date is not None
        day = item.posted_date
        # A date without a time is taken as local noon: far from any midnight or DST change.
        posted_at = datetime.combine(day, time(12), tzinfo=tz).astimezone(UTC)
    merchant = item.merchant_raw.strip()
    return {
        "user_id": account.user_id,
        "account_id": account.id,
        "external_id": item.external_id,
        "posted_at": posted_at,
        "local_date": day,
        "amount_minor": item.amount_minor,
        "currency": item.currency,
        "merchant_raw": merchant[:255],
        "merchant_name": merchant[:255],
        "mcc": item.mcc,
        "kind": item.kind,
        "status": item.status,
        "category": None,
        "sub_category": None,
        "category_source": None,
        "category_rule": None,
        "category_detail": None,
        "created_at": now,
    }
