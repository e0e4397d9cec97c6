"""Categorisation in the core: the ingest hook, recategorising histories, rules and corrections.

The engine (`Categoriser`) is pure; this module feeds it stored rules and writes its decisions
back, set-wise: each distinct (description, MCC, kind) is decided once, and updates are grouped
by decision, so a whole history is recategorised in a handful of statements.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from billbot.categorize.engine import Categoriser, normalise_kind
from billbot.categorize.models import CategoryRule
from billbot.categorize.normalise import merchant_key, normalise_merchant
from billbot.categorize.rules import Rule, RuleError
from billbot.categorize.taxonomy import load_taxonomy
from billbot.errors import NotFoundError, ValidationFailed
from billbot.transactions import spending_days
from billbot.transactions.models import Transaction

MANUAL = "manual"  # the source of a category a borrower chose for one transaction
_OUTPUT = (
    "merchant_name",
    "category",
    "sub_category",
    "category_source",
    "category_rule",
    "category_detail",
)
_CHUNK = 900


class _CategoriserCache:
    """One compiled categoriser per process, rebuilt when the operator's rules change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: tuple[int, Any] | None = None
        self._categoriser: Categoriser | None = None

    def get(self, session: Session) -> Categoriser:
        operator = col(CategoryRule.user_id).is_(None)
        version_row = session.execute(
            sa_select(
                func.count(), func.max(CategoryRule.updated_at), func.max(CategoryRule.id)
            ).where(operator)
        ).one()
        version = (int(version_row[0]), (version_row[1], version_row[2]))
        with self._lock:
            if self._categoriser is None or version != self._version:
                records = session.exec(
                    select(CategoryRule).where(operator).order_by(col(CategoryRule.id))
                ).all()
                self._categoriser = Categoriser(operator_rules=[to_rule(r) for r in records])
                self._version = version
            return self._categoriser


categorisers = _CategoriserCache()


def to_rule(record: CategoryRule) -> Rule:
    """The engine's view of a stored rule."""
    return Rule(
        id=str(record.id),
        source="user" if record.user_id is not None else "operator",
        match=record.match,  # type: ignore[arg-type]
        pattern=record.pattern,
        sub_category=record.sub_category,
        label=record.label,
    )


def user_rules(session: Session, user_id: int) -> list[Rule]:
    """A borrower's rules, newest first (a later correction wins over an older one)."""
    records = session.exec(
        select(CategoryRule)
        .where(col(CategoryRule.user_id) == user_id)
        .order_by(col(CategoryRule.id).desc())
    ).all()
    return [to_rule(r) for r in records]


def _decide(
    session: Session, user_id: int, keys: Sequence[tuple[str, str | None, str]]
) -> list[dict[str, Any]]:
    """Decisions for distinct (description, mcc, kind) triples of one user, in order.

    A few triples (an issuer posting as purchases happen) are decided one by one; more go
    through the set-wise frame, whose set-up costs more than it saves on a handful.
    """
    if not keys:
        return []
    categoriser = categorisers.get(session)
    rules = user_rules(session, user_id)
    if len(keys) <= ONE_BY_ONE_UP_TO:
        return decide_each(categoriser, keys, rules)
    return decide_frame(categoriser, user_id, keys, rules)


ONE_BY_ONE_UP_TO = 16


def decide_each(
    categoriser: Categoriser, keys: Sequence[tuple[str, str | None, str]], rules: Sequence[Rule]
) -> list[dict[str, Any]]:
    """`decide_frame`'s decisions, made one triple at a time."""
    rule_set = categoriser.user_rule_set(rules)
    decided = []
    for description, mcc, kind in keys:
        name = normalise_merchant(str(description or ""))
        result = categoriser.decide(
            merchant_key(name), categoriser.mcc_table.lookup(mcc), normalise_kind(kind), rule_set
        )
        decided.append(
            {
                "merchant_name": name,
                "category": result.category,
                "sub_category": result.sub_category,
                "category_source": result.source,
                "category_rule": result.rule,
                "category_detail": result.detail,
            }
        )
    return decided


def decide_frame(
    categoriser: Categoriser,
    user_id: int,
    keys: Sequence[tuple[str, str | None, str]],
    rules: Sequence[Rule],
) -> list[dict[str, Any]]:
    """Decisions for many triples at once, set-wise over distinct values."""
    frame = pd.DataFrame(
        {
            "description": [k[0] for k in keys],
            "mcc": [k[1] for k in keys],
            "kind": [k[2] for k in keys],
            "user_id": [user_id] * len(keys),
        }
    )
    decided = categoriser.categorise_frame(frame, user_rules={user_id: rules})
    columns = {name: decided[name].tolist() for name in _OUTPUT}
    return [{name: columns[name][i] for name in _OUTPUT} for i in range(len(keys))]


def categorise_rows(
    session: Session, user_id: int, keys: list[tuple[str, str | None, str]]
) -> list[tuple[Any, ...]]:
    """The ingest hook: a decision per distinct (raw description, mcc, kind), in `_OUTPUT` order."""
    return [tuple(d[name] for name in _OUTPUT) for d in _decide(session, user_id, keys)]


def recategorise(
    session: Session,
    *,
    user_id: int,
    merchant_names: Iterable[str] | None = None,
    include_manual: bool = False,
) -> int:
    """Re-run the engine over a user's history (or some merchants'); returns rows changed."""
    query = sa_select(
        col(Transaction.id),
        col(Transaction.merchant_raw),
        col(Transaction.mcc),
        col(Transaction.kind),
        col(Transaction.sub_category),
        col(Transaction.category_source),
        col(Transaction.category_rule),
        col(Transaction.local_date),
    ).where(col(Transaction.user_id) == user_id)
    if merchant_names is not None:
        names = sorted(set(merchant_names))
        if not names:
            return 0
        query = query.where(col(Transaction.merchant_name).in_(names))
    if not include_manual:
        query = query.where(func.coalesce(col(Transaction.category_source), "") != MANUAL)
    rows = session.execute(query).all()
    keys = list({(r[1], r[2], r[3]) for r in rows})
    decisions = dict(zip(keys, _decide(session, user_id, keys), strict=True))
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    days = set()
    for row in rows:
        decision = decisions[(row[1], row[2], row[3])]
        if (row[4], row[5], row[6]) != (
            decision["sub_category"],
            decision["category_source"],
            decision["category_rule"],
        ):
            groups[tuple(decision[name] for name in _OUTPUT)].append(row[0])
            days.add(row[7])
    for values, ids in groups.items():
        for start in range(0, len(ids), _CHUNK):
            session.execute(
                update(Transaction)
                .where(col(Transaction.id).in_(ids[start : start + _CHUNK]))
                .values(dict(zip(_OUTPUT, values, strict=True)))
            )
    spending_days.rebuild(session, user_id=user_id, days=days)
    return sum(len(ids) for ids in groups.values())


def _names_matching(session: Session, user_id: int, rule: Rule) -> list[str]:
    """The user's stored merchant names a rule matches (computed over distinct names only)."""
    names = session.exec(
        select(Transaction.merchant_name).where(col(Transaction.user_id) == user_id).distinct()
    ).all()
    key = rule.key
    if rule.match == "exact":
        return [n for n in names if merchant_key(n) == key]
    return [n for n in names if key in merchant_key(n)]


def _checked_sub_category(sub_category: str) -> str:
    taxonomy = load_taxonomy()
    if not taxonomy.is_sub_category(sub_category):
        raise ValidationFailed(
            f"unknown sub-category {sub_category!r}; GET /v1/categories lists them",
            code="category.unknown",
        )
    return sub_category


def create_rule(
    session: Session,
    *,
    user_id: int | None,
    match: str,
    pattern: str,
    sub_category: str,
    label: str | None,
    now: datetime,
) -> CategoryRule:
    """Store a rule (a borrower's, or the operator's when `user_id` is None) after checking it."""
    record = CategoryRule(
        user_id=user_id,
        match=match,
        pattern=pattern.strip(),
        sub_category=_checked_sub_category(sub_category),
        label=(label or pattern).strip()[:255],
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    try:
        to_rule(record)
    except RuleError as exc:
        raise ValidationFailed(str(exc), code="rule.invalid") from exc
    return record


def get_rule(session: Session, *, user_id: int | None, rule_id: int) -> CategoryRule:
    """A rule owned by `user_id` (None: an operator rule); anyone else's looks absent."""
    record = session.get(CategoryRule, rule_id)
    if record is None or record.user_id != user_id:
        raise NotFoundError("no such rule", code="rule.not_found")
    return record


def list_rules(session: Session, *, user_id: int | None) -> list[CategoryRule]:
    """A borrower's rules (or the operator's), newest first."""
    owner = (
        col(CategoryRule.user_id).is_(None)
        if user_id is None
        else col(CategoryRule.user_id) == user_id
    )
    return list(
        session.exec(select(CategoryRule).where(owner).order_by(col(CategoryRule.id).desc())).all()
    )


def apply_user_rule(
    session: Session, *, user_id: int, record: CategoryRule, previous: Rule | None = None
) -> int:
    """Recategorise the user's history that the rule (and what it replaced) touches."""
    names = set(_names_matching(session, user_id, to_rule(record)))
    if previous is not None:
        names |= set(_names_matching(session, user_id, previous))
    return recategorise(session, user_id=user_id, merchant_names=names)


def update_rule(
    session: Session, *, record: CategoryRule, changes: dict[str, Any], now: datetime
) -> Rule:
    """Change a rule's fields; returns the rule as it was, so callers can recategorise both."""
    before = to_rule(record)
    if "sub_category" in changes:
        _checked_sub_category(changes["sub_category"])
    for name, value in changes.items():
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    record.updated_at = now
    try:
        to_rule(record)
    except RuleError as exc:
        raise ValidationFailed(str(exc), code="rule.invalid") from exc
    session.flush()
    return before


def delete_user_rule(session: Session, *, user_id: int, record: CategoryRule) -> int:
    """Delete a borrower's rule and recategorise what it decided."""
    before = to_rule(record)
    session.delete(record)
    session.flush()
    return recategorise(
        session, user_id=user_id, merchant_names=_names_matching(session, user_id, before)
    )


def correct(
    session: Session,
    *,
    user_id: int,
    transaction: Transaction,
    sub_category: str,
    always: bool,
    now: datetime,
) -> tuple[CategoryRule | None, int]:
    """A borrower recategorises one transaction; with `always`, every one from that merchant."""
    _checked_sub_category(sub_category)
    if not always:
        taxonomy = load_taxonomy()
        transaction.category = taxonomy.category_of(sub_category)
        transaction.sub_category = sub_category
        transaction.category_source = MANUAL
        transaction.category_rule = None
        transaction.category_detail = None
        session.flush()
        spending_days.rebuild(session, user_id=user_id, days=[transaction.local_date])
        return None, 1
    merchant = transaction.merchant_name or normalise_merchant(transaction.merchant_raw)
    if not merchant_key(merchant):
        raise ValidationFailed(
            "this transaction has no merchant name to make a rule from", code="rule.no_merchant"
        )
    record = create_rule(
        session,
        user_id=user_id,
        match="exact",
        pattern=merchant,
        sub_category=sub_category,
        label=merchant,
        now=now,
    )
    names = _names_matching(session, user_id, to_rule(record))
    changed = recategorise(session, user_id=user_id, merchant_names=names, include_manual=True)
    session.refresh(transaction)
    return record, changed
