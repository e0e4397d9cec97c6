"""What the weekly report needs besides transactions, for a chunk of borrowers at once.

Limits with what was spent in their period up to each borrower's week end, dues and installments
in the 14 days after it, and each credit account's balance against its limit and the borrower's
own cap: a few set-wise reads per chunk, never one per borrower, handed to `insights.weekly` as
frames. Limits, caps and what is still owed are read as they stand when the report is made (a
raise or removal whose cooling-off has ended counts, as the limits API settles it); spending and
balances are counted up to the week's end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

from billbot.accounts.models import Account, AccountKind
from billbot.categorize.normalise import merchant_key
from billbot.db import raw_rows
from billbot.limits.models import Limit, LimitPeriod, LimitScope
from billbot.limits.progress import period_bounds
from billbot.locales import language_of
from billbot.scenarios.recurring_charge import ALIKE_PERCENT, MONTHLY
from insights.weekly_plans import UPCOMING_DAYS
from insights.weekly_recurring import RecurringRules

# What the event scenario calls a new monthly charge, so the report and the nudge agree.
RECURRING_RULES = RecurringRules(
    monthly_days=(MONTHLY[0].days, MONTHLY[1].days), similar_bps=ALIKE_PERCENT * 100
)
# A statement cycle is at most 31 days: the one holding a week end started within this.
_CYCLE_REACH = timedelta(days=62)

_SPENT = (
    "SELECT user_id, local_date, currency, category, sub_category, merchant_name, account_id, "
    "SUM(amount_minor) FROM transactions "
    "WHERE user_id IN ({users}) AND local_date >= {mark} AND local_date <= {mark} "
    "AND kind <> 'repayment' "
    "GROUP BY user_id, local_date, currency, category, sub_category, merchant_name, account_id"
)
_STATEMENTS = (
    "SELECT s.id, s.user_id, s.currency, s.due_date, s.cycle_end_date, "
    "s.statement_balance_minor - s.paid_minor, s.status, a.name "
    "FROM statements s JOIN accounts a ON a.id = s.account_id "
    "WHERE s.user_id IN ({users}) AND s.due_date >= {mark} AND s.due_date <= {mark}"
)
_INSTALLMENTS = (
    "SELECT i.statement_id, s.user_id, p.currency, s.due_date, i.amount_minor, i.seq, "
    "p.term_months, a.name "
    "FROM installment_items i JOIN installment_plans p ON p.id = i.plan_id "
    "JOIN statements s ON s.id = i.statement_id JOIN accounts a ON a.id = i.account_id "
    "WHERE s.user_id IN ({users}) AND s.due_date >= {mark} AND s.due_date <= {mark}"
)
_BALANCES = (
    "SELECT account_id, user_id, currency, cycle_start_date, statement_balance_minor "
    "FROM statements WHERE user_id IN ({users}) "
    "AND cycle_start_date >= {mark} AND cycle_start_date <= {mark}"
)
_LABELS = {
    "en": {"statement": "{account} statement", "installment": "{account} installment {seq}/{term}"},
    "zh-CN": {"statement": "{account}账单", "installment": "{account}分期 {seq}/{term}"},
}


@dataclass(frozen=True)
class ReportInputs:
    """The core's frames for `insights.weekly.weekly_reports` (see `insights.weekly_plans`)."""

    limits: pd.DataFrame
    upcoming: pd.DataFrame
    accounts: pd.DataFrame


def load_inputs(
    session: Session,
    *,
    user_ids: Sequence[int],
    week_ends: Sequence[date],
    locales: Sequence[str],
    now: datetime,
) -> ReportInputs:
    """Read the limits, dues and accounts of these borrowers, each week ending on its date."""
    people = pd.DataFrame(
        {
            "user_id": np.asarray(user_ids, dtype=np.int64),
            "week_end": pd.to_datetime(pd.Series(list(week_ends), dtype=object)),
            "locale": list(locales),
        }
    )
    ids = [int(user_id) for user_id in user_ids]
    accounts = (
        list(session.exec(select(Account).where(col(Account.user_id).in_(ids))).all())
        if ids
        else []
    )
    limits = _live_limits(session, ids, now)
    return ReportInputs(
        limits=_limit_frame(session, people, limits, {a.id: a for a in accounts if a.id}),
        upcoming=_upcoming_frame(session, people),
        accounts=_account_frame(session, people, accounts, limits),
    )


def _in(sql: str, count: int) -> str:
    # Only placeholders are added to the text.
    return sql.replace("{users}", ",".join(["{mark}"] * count))


def _live_limits(session: Session, ids: list[int], now: datetime) -> list[Limit]:
    """The borrowers' limits as settled at `now`, read without changing them."""
    if not ids:
        return []
    rows = session.exec(
        select(Limit)
        .where(col(Limit.user_id).in_(ids), col(Limit.removed_at).is_(None))
        .order_by(col(Limit.id))
    ).all()
    live = []
    for limit in rows:
        due = limit.pending_effective_at is not None and limit.pending_effective_at <= now
        if due and limit.pending_removal:
            continue
        if due and limit.pending_amount_minor is not None:
            limit = limit.model_copy(update={"amount_minor": limit.pending_amount_minor})
        live.append(limit)
    return live


def _limit_frame(
    session: Session, people: pd.DataFrame, limits: list[Limit], accounts: dict[int, Account]
) -> pd.DataFrame:
    """Each limit's period holding the borrower's week end, and what was spent in it by then."""
    week_end = dict(zip(people["user_id"], people["week_end"].dt.date, strict=True))
    bounds: dict[tuple[str | None, date, int | None], tuple[date, date] | None] = {}
    records = []
    for limit in limits:
        if limit.scope == LimitScope.CREDIT_CAP or limit.user_id not in week_end:
            continue
        account = limit.account_id if limit.period == LimitPeriod.CYCLE else None
        if account is not None and account not in accounts:
            continue
        end = week_end[limit.user_id]
        # Periods depend only on the kind, the day and (for cycles) the account.
        key = (limit.period, end, account)
        if key not in bounds:
            bounds[key] = period_bounds(limit, today=end, accounts=accounts)
        found = bounds[key]
        if found is None:
            continue
        records.append(
            {
                "limit_id": limit.id,
                "user_id": limit.user_id,
                "currency": limit.currency,
                "scope": str(limit.scope),
                "target": limit.target,
                "period_start": found[0],
                "period_end": found[1],
                "limit_minor": limit.amount_minor,
                "account_id": -1 if account is None else account,
                "counted_until": min(found[1], end),
            }
        )
    frame = pd.DataFrame.from_records(
        records,
        columns=[
            "limit_id",
            "user_id",
            "currency",
            "scope",
            "target",
            "period_start",
            "period_end",
            "limit_minor",
            "account_id",
            "counted_until",
        ],
    )
    for column in ("period_start", "period_end", "counted_until"):
        frame[column] = pd.to_datetime(frame[column])
    frame = frame.astype({"limit_id": "int64", "user_id": "int64", "limit_minor": "int64"})
    frame["spent_minor_so_far"] = _spent(session, frame)
    return frame


def _spent(session: Session, limits: pd.DataFrame) -> np.ndarray:
    """What counts against each limit from its period's start to the week's end (one read).

    Counted as `billbot.limits.progress` counts it: every kind but repayments, refunds netted,
    pending included, a cycle's limit only on its own account.
    """
    if limits.empty:
        return np.zeros(0, dtype=np.int64)
    users = sorted({int(user) for user in limits["user_id"]})
    since, until = limits["period_start"].min().date(), limits["counted_until"].max().date()
    rows = raw_rows(session, _in(_SPENT, len(users)), [*users, since, until])
    spend = pd.DataFrame.from_records(
        rows,
        columns=[
            "user_id",
            "local_date",
            "currency",
            "category",
            "sub_category",
            "merchant_name",
            "spent_account",
            "amount_minor",
        ],
    )
    spend["amount_minor"] = spend["amount_minor"].map(int).astype("int64")
    spend["local_date"] = pd.to_datetime(spend["local_date"])
    names = spend["merchant_name"].fillna("")
    keys = {name: merchant_key(name) for name in names.unique()}
    spend["merchant_key"] = names.map(keys)
    merchant = (limits["scope"] == "merchant").to_numpy()
    target_keys = pd.Series(
        [
            merchant_key(str(name)) if chosen else None
            for name, chosen in zip(limits["target"], merchant, strict=True)
        ],
        index=limits.index,
        dtype=object,
    )
    pairs = limits.assign(target_key=target_keys).merge(
        spend, on=["user_id", "currency"], how="inner"
    )
    scope = pairs["scope"]
    matched = (
        (scope == "ideal_bill")
        | ((scope == "category") & (pairs["category"] == pairs["target"]))
        | ((scope == "sub_category") & (pairs["sub_category"] == pairs["target"]))
        | ((scope == "merchant") & (pairs["merchant_key"] == pairs["target_key"]))
    )
    matched &= (pairs["account_id"] < 0) | (pairs["spent_account"] == pairs["account_id"])
    matched &= (pairs["local_date"] >= pairs["period_start"]) & (
        pairs["local_date"] <= pairs["counted_until"]
    )
    spent = pairs[matched].groupby("limit_id")["amount_minor"].sum()
    return limits["limit_id"].map(spent).fillna(0).to_numpy(dtype=np.int64)


def _upcoming_frame(session: Session, people: pd.DataFrame) -> pd.DataFrame:
    """Statements still owed and installments falling due in the 14 days after each week."""
    columns = ["user_id", "due_date", "kind", "amount_minor", "currency", "label"]
    empty = pd.DataFrame(
        {
            "user_id": pd.Series([], dtype="int64"),
            "due_date": pd.Series([], dtype="datetime64[ns]"),
            "kind": pd.Series([], dtype=object),
            "amount_minor": pd.Series([], dtype="int64"),
            "currency": pd.Series([], dtype=object),
            "label": pd.Series([], dtype=object),
            "part_of_statement": pd.Series([], dtype=bool),
        }
    )
    if people.empty:
        return empty
    ids = people["user_id"].tolist()
    first = (people["week_end"].min() + pd.Timedelta(days=1)).date()
    last = (people["week_end"].max() + pd.Timedelta(days=UPCOMING_DAYS)).date()
    statements = pd.DataFrame.from_records(
        raw_rows(session, _in(_STATEMENTS, len(ids)), [*ids, first, last]),
        columns=[
            "statement_id",
            "user_id",
            "currency",
            "due_date",
            "cycle_end",
            "amount_minor",
            "status",
            "account",
        ],
    )
    installments = pd.DataFrame.from_records(
        raw_rows(session, _in(_INSTALLMENTS, len(ids)), [*ids, first, last]),
        columns=[
            "statement_id",
            "user_id",
            "currency",
            "due_date",
            "amount_minor",
            "seq",
            "term",
            "account",
        ],
    )
    context = people.set_index("user_id")
    for frame in (statements, installments):
        frame["due_date"] = pd.to_datetime(frame["due_date"])
        frame["amount_minor"] = frame["amount_minor"].map(int).astype("int64")
        frame["locale"] = frame["user_id"].map(context["locale"])
    statements["cycle_end"] = pd.to_datetime(statements["cycle_end"])
    # A statement is a due once its cycle closed by the week's end and something is still owed.
    closed = statements["cycle_end"] <= statements["user_id"].map(context["week_end"])
    listed = statements[closed & (statements["amount_minor"] > 0)].copy()
    listed["kind"] = "statement"
    listed["label"] = [
        _LABELS[language_of(locale)]["statement"].format(account=account)
        for locale, account in zip(listed["locale"], listed["account"], strict=True)
    ]
    listed["part_of_statement"] = False
    # An installment is due with its statement: inside it once it is listed, on its own while
    # its cycle is still open, nothing once the statement is paid.
    paid = set(statements.loc[statements["status"] == "paid", "statement_id"])
    installments = installments[~installments["statement_id"].isin(paid)].copy()
    installments["kind"] = "installment"
    installments["label"] = [
        _LABELS[language_of(locale)]["installment"].format(account=account, seq=seq, term=term)
        for locale, account, seq, term in zip(
            installments["locale"],
            installments["account"],
            installments["seq"],
            installments["term"],
            strict=True,
        )
    ]
    installments["part_of_statement"] = installments["statement_id"].isin(
        set(listed["statement_id"])
    )
    keep = [*columns, "part_of_statement"]
    parts = [part[keep] for part in (listed, installments) if not part.empty]
    if not parts:
        return empty
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype({"user_id": "int64", "amount_minor": "int64", "part_of_statement": bool})


def _account_frame(
    session: Session, people: pd.DataFrame, accounts: list[Account], limits: list[Limit]
) -> pd.DataFrame:
    """Each credit account's balance at the week's end, its credit limit and the borrower's cap."""
    credit = [a for a in accounts if a.kind != AccountKind.DEBIT and a.id is not None]
    frame = pd.DataFrame(
        {
            "user_id": pd.Series([a.user_id for a in credit], dtype="int64"),
            "account_id": pd.Series([a.id for a in credit], dtype="int64"),
            "currency": pd.Series([a.currency for a in credit], dtype=object),
            "credit_limit_minor": pd.Series([a.credit_limit_minor for a in credit], dtype="int64"),
        }
    )
    caps: dict[int, int] = {}
    currency = {a.id: a.currency for a in credit}
    for limit in limits:
        account = limit.account_id
        if (
            limit.scope == LimitScope.CREDIT_CAP
            and account is not None
            and account in currency
            and limit.currency == currency[account]
        ):
            caps[account] = min(caps.get(account, limit.amount_minor), limit.amount_minor)
    frame["own_cap_minor"] = frame["account_id"].map(caps).astype("Int64")
    frame["balance_minor"] = _balances(session, people, frame)
    return frame


def _balances(session: Session, people: pd.DataFrame, accounts: pd.DataFrame) -> np.ndarray:
    """The running balance of each account's newest statement begun by the week's end."""
    if accounts.empty:
        return np.zeros(0, dtype=np.int64)
    ids = sorted({int(user) for user in accounts["user_id"]})
    since = (people["week_end"].min() - _CYCLE_REACH).date()
    until = people["week_end"].max().date()
    rows = pd.DataFrame.from_records(
        raw_rows(session, _in(_BALANCES, len(ids)), [*ids, since, until]),
        columns=["account_id", "user_id", "currency", "cycle_start", "balance_minor"],
    )
    rows["cycle_start"] = pd.to_datetime(rows["cycle_start"])
    rows["balance_minor"] = rows["balance_minor"].map(int).astype("int64")
    week_end = rows["user_id"].map(people.set_index("user_id")["week_end"])
    rows = rows[rows["cycle_start"] <= week_end]
    own = rows.merge(accounts[["account_id", "currency"]], on=["account_id", "currency"])
    newest = own.sort_values("cycle_start").drop_duplicates("account_id", keep="last")
    balance = newest.set_index("account_id")["balance_minor"]
    return accounts["account_id"].map(balance).fillna(0).to_numpy(dtype=np.int64)
