"""Running per-day spending totals kept beside the transactions (the `spending_days` table).

One row per borrower, local day, account, currency, kind, category and sub-category: how many
transactions, their sum and every amount (comma-separated, for medians and amount thresholds).
Ingest adds each batch's new rows in its own database transaction (`add`); whatever rewrites
stored transactions (a pending entry posted, a recategorisation) rebuilds the days it touched
from the transactions themselves (`rebuild`). Both give the borrower a new stamp
(`kept_days`), so processes that keep their days know to read them again. Readers of weeks or
months of one borrower's spending (limit progress, the event scenarios' history) read these
rows, a few a day, instead of every transaction: a borrower with hundreds of purchases a day
costs them no more than one with three.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from billbot.db import comma_joined, raw_write
from billbot.transactions import kept_days, purchase_amounts

KEY = ("user_id", "local_date", "account_id", "currency", "kind", "category", "sub_category")
_GROUPED = (
    "user_id, local_date, account_id, currency, kind, "
    "COALESCE(category, ''), COALESCE(sub_category, '')"
)
_UPSERT = (
    f"INSERT INTO spending_days ({', '.join(KEY)}, entries, total_minor, amounts) "  # noqa: S608
    f"VALUES ({', '.join(['{mark}'] * (len(KEY) + 3))}) "
    f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
    "entries = spending_days.entries + excluded.entries, "
    "total_minor = spending_days.total_minor + excluded.total_minor, "
    "amounts = spending_days.amounts || ',' || excluded.amounts"
)


def parse_amounts(text: str) -> list[int]:
    """The amounts of a row's `amounts` column."""
    return list(map(int, text.split(","))) if text else []


def add(session: Session, columns: Mapping[str, Sequence[Any]], rows: Iterable[int]) -> None:
    """Count newly stored transactions (positions `rows` of the ingest's `columns`) in their days.

    The batch is summed per key in Python first, so each day and label is one upsert whatever
    the batch's size.
    """
    user, day, account = columns["user_id"], columns["local_date"], columns["account_id"]
    currency, kind, amount = columns["currency"], columns["kind"], columns["amount_minor"]
    category, sub = columns["category"], columns["sub_category"]
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i in rows:
        key = (user[i], day[i], account[i], currency[i], kind[i], category[i] or "", sub[i] or "")
        groups[key].append(amount[i])
    counted = [
        (*key, len(amounts), sum(amounts), ",".join(map(str, amounts)))
        for key, amounts in groups.items()
    ]
    raw_write(session, _UPSERT, counted)
    kept_days.added(session, groups)


def rebuild(session: Session, *, user_id: int, days: Iterable[date] | None = None) -> None:
    """Recount a borrower's days from their transactions (every day when `days` is None).

    Some days are rebuilt as the range from the first to the last: one indexed read either way.
    """
    picked = sorted(set(days)) if days is not None else None
    if picked == []:
        return
    where = "user_id = {mark}"
    params: list[Any] = [user_id]
    if picked is not None:
        where += " AND local_date >= {mark} AND local_date <= {mark}"
        params += [picked[0], picked[-1]]
    dialect = session.connection().dialect.name
    raw_write(session, f"DELETE FROM spending_days WHERE {where}", [params])  # noqa: S608
    raw_write(session, _recount_sql(dialect, where), [params])
    purchase_amounts.forget(user_id)
    kept_days.changed(session, user_id=user_id)


def _recount_sql(dialect: str, where: str) -> str:
    """The statement that counts the transactions matching `where` into `spending_days`."""
    concat = comma_joined(dialect, "CAST(amount_minor AS TEXT)")
    return (
        f"INSERT INTO spending_days ({', '.join(KEY)}, entries, total_minor, amounts) "  # noqa: S608
        f"SELECT {_GROUPED}, COUNT(*), SUM(amount_minor), {concat} "
        f"FROM transactions WHERE {where} GROUP BY {_GROUPED}"
    )
