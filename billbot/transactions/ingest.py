"""Ingestion: validate, de-duplicate, place in statement cycles and store transactions in bulk.

Used by the operator batch endpoint and by file imports. Idempotent on (account, external id):
re-posting a transaction creates nothing; a pending transaction re-posted as posted is updated.
The account row is locked first, so one writer at a time checks what exists, stores the new rows
(`bulk.insert_columns`, INSERT ... ON CONFLICT DO NOTHING as a second guard) and updates statement
totals: concurrent posts of the same batch create each transaction once.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any, Final, Literal, Protocol
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
from billbot.transactions import spending_days
from billbot.transactions.bulk import account_is_empty, existing_ids, insert_columns
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
    """Each item's outcome; rows created without their ids asked for are only counted."""

    outcomes: list[Outcome] = field(default_factory=list)
    uncounted: Counter[str] = field(default_factory=Counter)

    @cached_property
    def _counts(self) -> Counter[str]:
        return Counter(o.outcome for o in self.outcomes) + self.uncounted

    def count(self, outcome: str) -> int:
        """How many items had `outcome`."""
        return self._counts[outcome]


# Hook for categorisation: for a user and distinct (raw description, mcc, kind) triples, return per
# triple (merchant name, category, sub-category, source, rule, detail).
Decision = tuple[str, str | None, str | None, str | None, str | None, str | None]
Categorise = Callable[[Session, int, list[tuple[str, str | None, str]]], list[Decision]]


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """The rows one ingest stored (new or updated), column by column, for event scenarios, and
    the newest statement of each currency the rows fell in, as (id, running balance) after them."""

    account_id: int
    columns: dict[str, list[Any]]
    newest_statements: dict[str, tuple[int, int]] = field(default_factory=dict)
    account: Account | None = None  # the account, as the ingest's session holds it


# Hook for event-driven scenarios, run in the same transaction once new rows are stored:
# (session, user id, now, the stored rows).
AfterStore = Callable[[Session, int, datetime, StoredBatch], Any]

# One prepared row: what `_Preparer.row` makes of an item, in this order.
Prepared = tuple[str, datetime, date, int, str, str, str | None, str, str]
_EXT: Final = 0
_DAY: Final = 2
_STATUS: Final = 8


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

    def row(self, item: Incoming) -> Prepared | str:
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
        return (
            external_id,
            posted_at,
            day,
            amount,
            currency,
            description[:255],
            mcc,
            kind,
            item.status,
        )


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
    after_store: AfterStore | None = None,
    want_ids: bool = True,
) -> IngestResult:
    """Store `items` on `account`; with `strict`, any invalid item aborts the whole batch.

    Items without a currency take `default_currency` (a file's own), else the account's.
    """
    assert account.id is not None
    tz = zone(time_zone)
    prepare = _Preparer(account, tz, now, default_currency).row
    outcomes: list[Outcome | None] = [None] * len(items)
    accepted: list[tuple[int, Prepared]] = []
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
        position = first_seen.get(row[_EXT])
        if position is None:
            first_seen[row[_EXT]] = len(accepted)
            accepted.append((index, row))
            continue
        earlier_index, earlier = accepted[position]
        if earlier[_STATUS] == _PENDING and row[_STATUS] == _POSTED:
            # The posted entry supersedes a pending one earlier in the same batch.
            accepted[position] = (index, row)
            index, reason = earlier_index, "superseded by a posted entry later in this batch"
        else:
            reason = "repeated in this batch"
        outcomes[index] = Outcome(index, row[_EXT], "duplicate", reason=reason)

    lock_account(session, account.id)
    existing = (
        {}
        if account_is_empty(session, account.id)
        else existing_ids(session, account.id, [row[_EXT] for _, row in accepted])
    )
    fresh: list[tuple[int, Prepared]] = []
    upgrades: list[tuple[int, Prepared, int]] = []
    upgraded_from: list[date] = []  # the days the upgraded pending entries were stored on
    for index, row in accepted:
        known = existing.get(row[_EXT])
        if known is None:
            fresh.append((index, row))
        elif known.status == _PENDING and row[_STATUS] == _POSTED:
            upgrades.append((index, row, known.id))
            upgraded_from.append(known.local_date)
        else:
            outcomes[index] = Outcome(index, row[_EXT], "duplicate", id=known.id)
    uncounted: Counter[str] = Counter()
    if fresh or upgrades:
        _store(
            session,
            account,
            time_zone,
            fresh,
            upgrades,
            outcomes,
            uncounted,
            upgraded_from=upgraded_from,
            now=now,
            categorise=categorise,
            after_store=after_store,
            want_ids=want_ids,
        )
    return IngestResult(outcomes=[o for o in outcomes if o is not None], uncounted=uncounted)


def _store(
    session: Session,
    account: Account,
    time_zone: str,
    fresh: list[tuple[int, Prepared]],
    upgrades: list[tuple[int, Prepared, int]],
    outcomes: list[Outcome | None],
    uncounted: Counter[str],
    *,
    upgraded_from: list[date],
    now: datetime,
    categorise: Categorise | None,
    after_store: AfterStore | None,
    want_ids: bool,
) -> None:
    """Place rows in statements, categorise, insert or update them, and roll statements forward.

    Works column by column: the rows are transposed once, and every later step (statement
    assignment, categorisation of each distinct description, the insert) runs over columns.
    """
    assert account.id is not None
    prepared = [row for _, row in fresh] + [row for _, row, _ in upgrades]
    ext, posted_at, days, amounts, currencies, merchants, mccs, kinds, statuses = (
        list(column) for column in zip(*prepared, strict=True)
    )
    today = now.astimezone(zone(time_zone)).date()
    statement_ids, books = _place_in_statements(
        session, account, time_zone, days, currencies, today=today
    )
    size = len(prepared)
    if categorise is not None:
        triples = list(zip(merchants, mccs, kinds, strict=True))
        distinct = list(set(triples))
        decided = dict(zip(distinct, categorise(session, account.user_id, distinct), strict=True))
        names, categories, subs, sources, rules, details = (
            list(column) for column in zip(*map(decided.__getitem__, triples), strict=True)
        )
    else:
        names = merchants
        categories = subs = sources = rules = details = [None] * size
    columns: dict[str, list[Any]] = {
        "user_id": [account.user_id] * size,
        "account_id": [account.id] * size,
        "statement_id": statement_ids,
        "external_id": ext,
        "posted_at": posted_at,
        "local_date": days,
        "amount_minor": amounts,
        "currency": currencies,
        "merchant_raw": merchants,
        "merchant_name": names,
        "mcc": mccs,
        "kind": kinds,
        "status": statuses,
        "category": categories,
        "sub_category": subs,
        "category_source": sources,
        "category_rule": rules,
        "category_detail": details,
        "created_at": [now] * size,
    }
    new = len(fresh)
    created = insert_columns(
        session, {name: values[:new] for name, values in columns.items()}, want_ids=want_ids
    )
    if not want_ids and len(created) == new:
        uncounted["created"] += new  # a file import: counts are all it reports
    else:
        for index, row in fresh:
            stored = row[_EXT] in created
            outcome: Literal["created", "duplicate"] = "created" if stored else "duplicate"
            outcomes[index] = Outcome(index, row[_EXT], outcome, id=created.get(row[_EXT]))
    stored_ids: dict[str, int | None] = dict(created)
    spending_days.add(session, columns, (i for i in range(new) if ext[i] in created))
    if upgrades:
        # A pending entry posted may move day, amount or labels: its days are recounted.
        for position, (index, row, tid) in enumerate(upgrades, start=new):
            skip = ("created_at", "external_id")
            values = {
                name: column[position] for name, column in columns.items() if name not in skip
            }
            session.execute(update(Transaction).where(col(Transaction.id) == tid).values(**values))
            outcomes[index] = Outcome(index, row[_EXT], "updated", id=tid)
            stored_ids[row[_EXT]] = tid
        spending_days.rebuild(
            session,
            user_id=account.user_id,
            days=[*upgraded_from, *(row[_DAY] for _, row, _ in upgrades)],
        )

    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    repaid = []
    for position, (statement_id, amount, status, external_id) in enumerate(
        zip(statement_ids, amounts, statuses, ext, strict=True)
    ):
        if status != _POSTED or external_id not in stored_ids:
            continue
        delta = deltas[statement_id]
        if amount > 0:
            delta[0] += amount
        else:
            delta[1] -= amount
        if kinds[position] == "repayment":
            repaid.append(
                {
                    "user_id": account.user_id,
                    "account_id": account.id,
                    "external_id": external_id,
                    "amount_minor": amount,
                    "currency": currencies[position],
                    "posted_at": posted_at[position],
                    "statement_id": statement_id,
                    "kind": "repayment",
                }
            )
    for book in books:
        apply_deltas(book, [(sid, c, cr) for sid, (c, cr) in deltas.items()], now=now)
    if repaid:
        unknown = [r["external_id"] for r in repaid if stored_ids.get(r["external_id"]) is None]
        found = existing_ids(session, account.id, unknown) if unknown else {}
        ids = {key: value for key, value in stored_ids.items() if value is not None}
        ids.update({key: value.id for key, value in found.items()})
        record_repayments(session, rows=repaid, ids=ids, books=books, now=now)
    session.flush()
    if after_store is not None:
        if len(stored_ids) < size:  # a few were stored meanwhile by a concurrent post
            keep = [i for i, e in enumerate(ext) if e in stored_ids]
            columns = {name: [values[i] for i in keep] for name, values in columns.items()}
        newest = {}
        for book in books:
            last = book.statements[-1] if book.statements else None
            if last is not None and last.id is not None:
                newest[book.currency] = (last.id, last.statement_balance_minor)
        after_store(
            session, account.user_id, now, StoredBatch(account.id, columns, newest, account)
        )


def _place_in_statements(
    session: Session,
    account: Account,
    time_zone: str,
    days: list[date],
    currencies: list[str],
    *,
    today: date,
) -> tuple[list[int], list[StatementBook]]:
    """The statement of each row's cycle in its currency, creating statements as needed."""
    positions: dict[str, list[int]] = defaultdict(list)
    for position, currency in enumerate(currencies):
        positions[currency].append(position)
    statement_ids = [0] * len(days)
    books = []
    for currency, where in positions.items():
        book = load_book(session, account, time_zone, currency)
        group_days = [days[p] for p in where]
        cover(session, book, min(group_days), max(max(group_days), today))
        ids = [s.id for s in book.statements]
        for position, cycle_index in zip(
            where, assign_cycles(group_days, book.cycles), strict=True
        ):
            statement_id = ids[cycle_index]
            assert statement_id is not None
            statement_ids[position] = statement_id
        books.append(book)
    return statement_ids, books
