"""Ingestion: validate, de-duplicate, place in statement cycles and store transactions in bulk.

Used by the operator batch endpoint and by file imports. Idempotent on (account, external id):
re-posting a transaction creates nothing; a pending transaction re-posted as posted is updated.
The account row is locked first, so one writer at a time checks what exists, stores the new rows
(`bulk.insert_new`, INSERT ... ON CONFLICT DO NOTHING as a second guard) and updates statement
totals: concurrent posts of the same batch create each transaction once.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

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

_KINDS = frozenset(k.value for k in TransactionKind)
_PENDING, _POSTED = TransactionStatus.PENDING.value, TransactionStatus.POSTED.value
_STATUSES = frozenset(s.value for s in TransactionStatus)
_REPAYMENT_WORDS = re.compile(
    r"\b(payment|thank you|autopay|auto-pay|direct debit|repayment)\b|还款|自动还款", re.IGNORECASE
)


class Incoming(Protocol):
    """What ingestion reads from each item: `NewTransaction`, or a parsed file's records."""

    @property
    def external_id(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def mcc(self) -> str | None: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def posted_at(self) -> datetime | None: ...
    @property
    def posted_date(self) -> date | None: ...
    @property
    def line(self) -> int | None: ...


@dataclass(slots=True)
class NewTransaction:
    """A transaction to store; `description` is the raw merchant text, `kind=None` is inferred."""

    external_id: str
    amount_minor: int
    currency: str | None = None
    description: str = ""
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

    @cached_property
    def _counts(self) -> Counter[str]:
        return Counter(o.outcome for o in self.outcomes)

    def count(self, outcome: str) -> int:
        """How many items had `outcome`."""
        return self._counts[outcome]


# Hook for categorisation: given the rows about to be stored (dicts with merchant_raw, mcc, kind,
# user_id), fill merchant_name and the category columns in place.
Categorise = Callable[[Session, int, list[dict[str, Any]]], None]


def infer_kind(amount_minor: int, description: str) -> str:
    """Purchases add to the balance; a credit is a repayment if it says so, else a refund."""
    if amount_minor >= 0:
        return "purchase"
    return "repayment" if _REPAYMENT_WORDS.search(description) else "refund"


class _Preparer:
    """Turns incoming items into rows to store, or a reason each cannot be: one pass, cached."""

    def __init__(
        self, account: Account, tz: ZoneInfo, now: datetime, default_currency: str | None
    ) -> None:
        assert account.id is not None
        self.user_id, self.account_id = account.user_id, account.id
        self.currency = default_currency or account.currency
        self.tz, self.now = tz, now
        self._known_currencies: set[str] = set()
        self._noon: dict[date, datetime] = {}

    def _currency_problem(self, code: str) -> str | None:
        if code in self._known_currencies:
            return None
        try:
            exponent(code)
        except MoneyError as exc:
            return str(exc)
        self._known_currencies.add(code)
        return None

    def row(self, item: Incoming) -> dict[str, Any] | str:
        """The row for `item`, or why it cannot be stored."""
        external_id, amount = item.external_id, item.amount_minor
        if not external_id or len(external_id) > 128:
            return "external_id must be 1 to 128 characters"
        currency = (item.currency or self.currency).upper()
        problem = self._currency_problem(currency)
        if problem is not None:
            return problem
        description = item.description.strip()
        kind = item.kind or infer_kind(amount, description)
        if kind not in _KINDS:
            return f"unknown kind {kind!r}"
        if item.status not in _STATUSES:
            return f"unknown status {item.status!r}"
        if kind in CREDIT_KINDS:
            if amount > 0:
                return f"a {kind} reduces the balance, so amount_minor must be negative"
        elif amount < 0:
            return f"a {kind} adds to the balance, so amount_minor must be positive"
        mcc = item.mcc
        if mcc is not None and not (len(mcc) == 4 and mcc.isdigit()):
            return "mcc must be four digits"
        posted_at = item.posted_at
        if posted_at is not None:
            if posted_at.tzinfo is None:
                return "posted_at must carry a time zone offset"
            day = posted_at.astimezone(self.tz).date()
            posted_at = posted_at.astimezone(UTC)
        elif item.posted_date is not None:
            day = item.posted_date
            posted_at = self._noon.get(day)
            if posted_at is None:
                # A date without a time is taken as local noon: far from any midnight or DST change.
                posted_at = datetime.combine(day, time(12), tzinfo=self.tz).astimezone(UTC)
                self._noon[day] = posted_at
        else:
            return "a posting time or date is required"
        merchant = description[:255]
        return {
            "user_id": self.user_id,
            "account_id": self.account_id,
            "statement_id": None,
            "external_id": external_id,
            "posted_at": posted_at,
            "local_date": day,
            "amount_minor": amount,
            "currency": currency,
            "merchant_raw": merchant,
            "merchant_name": merchant,
            "mcc": mcc,
            "kind": kind,
            "status": item.status,
            "category": None,
            "sub_category": None,
            "category_source": None,
            "category_rule": None,
            "category_detail": None,
            "created_at": self.now,
        }


def ingest(
    session: Session,
    *,
    account: Account,
    time_zone: str,
    items: Sequence[Incoming],
    now: datetime,
    strict: bool = False,
    categorise: Categorise | None = None,
    default_currency: str | None = None,
) -> IngestResult:
    """Store `items` on `account`; with `strict`, any invalid item aborts the whole batch.

    Items without a currency take `default_currency` (a file's own), else the account's.
    """
    assert account.id is not None
    tz = zone(time_zone)
    prepare = _Preparer(account, tz, now, default_currency).row
    outcomes: list[Outcome | None] = [None] * len(items)
    accepted: list[tuple[int, dict[str, Any]]] = []
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        row = prepare(item)
        if isinstance(row, str):
            if strict:
                where = f"line {item.line}" if item.line is not None else f"item {index}"
                raise ValidationFailed(
                    f"{where}: {row}", code="ingest.invalid", index=index, line=item.line
                )
            outcomes[index] = Outcome(index, item.external_id, "rejected", reason=row)
            continue
        position = first_seen.get(row["external_id"])
        if position is None:
            first_seen[row["external_id"]] = len(accepted)
            accepted.append((index, row))
            continue
        earlier_index, earlier = accepted[position]
        if earlier["status"] == _PENDING and row["status"] == _POSTED:
            # The posted entry supersedes a pending one earlier in the same batch.
            accepted[position] = (index, row)
            index, reason = earlier_index, "superseded by a posted entry later in this batch"
        else:
            reason = "repeated in this batch"
        outcomes[index] = Outcome(index, row["external_id"], "duplicate", reason=reason)

    lock_account(session, account.id)
    existing = existing_ids(session, account.id, [row["external_id"] for _, row in accepted])
    fresh: list[tuple[int, dict[str, Any]]] = []
    upgrades: list[tuple[int, dict[str, Any], int]] = []
    for index, row in accepted:
        known = existing.get(row["external_id"])
        if known is None:
            fresh.append((index, row))
        elif known[1] == _PENDING and row["status"] == _POSTED:
            upgrades.append((index, row, known[0]))
        else:
            outcomes[index] = Outcome(index, row["external_id"], "duplicate", id=known[0])

    rows = [row for _, row in fresh]
    update_rows = [row for _, row, _ in upgrades]
    if rows or update_rows:
        _store(
            session,
            account,
            time_zone,
            rows,
            update_rows,
            upgrades,
            fresh,
            outcomes,
            now=now,
            categorise=categorise,
        )
    return IngestResult(outcomes=[o for o in outcomes if o is not None])


def _store(
    session: Session,
    account: Account,
    time_zone: str,
    rows: list[dict[str, Any]],
    update_rows: list[dict[str, Any]],
    upgrades: list[tuple[int, dict[str, Any], int]],
    fresh: list[tuple[int, dict[str, Any]]],
    outcomes: list[Outcome | None],
    *,
    now: datetime,
    categorise: Categorise | None,
) -> None:
    """Place rows in statements, categorise, insert or update them, and roll statements forward."""
    today = now.astimezone(zone(time_zone)).date()
    books = _place_in_statements(session, account, time_zone, rows + update_rows, today=today)
    if categorise is not None:
        categorise(session, account.user_id, rows + update_rows)

    created = insert_new(session, rows)
    for index, row in fresh:
        new_id = created.get(row["external_id"])
        outcome: Literal["created", "duplicate"] = "created" if new_id is not None else "duplicate"
        outcomes[index] = Outcome(index, row["external_id"], outcome, id=new_id)
    for index, row, tid in upgrades:
        values = {k: v for k, v in row.items() if k not in ("created_at", "external_id")}
        session.execute(update(Transaction).where(col(Transaction.id) == tid).values(**values))
        outcomes[index] = Outcome(index, row["external_id"], "updated", id=tid)

    stored = rows if len(created) == len(rows) else [r for r in rows if r["external_id"] in created]
    posted = [r for r in stored if r["status"] == _POSTED]
    posted += [r for r in update_rows if r["status"] == _POSTED]
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in posted:
        amount = row["amount_minor"]
        delta = deltas[row["statement_id"]]
        if amount > 0:
            delta[0] += amount
        else:
            delta[1] -= amount
    for book in books:
        apply_deltas(book, [(sid, c, cr) for sid, (c, cr) in deltas.items()], now=now)
    new_ids = created | {row["external_id"]: tid for _, row, tid in upgrades}
    record_repayments(session, rows=posted, ids=new_ids, books=books, now=now)
    session.flush()


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
