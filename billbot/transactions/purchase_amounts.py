"""A borrower's purchase amounts in one sub-category over a window of days, sorted and kept.

Large purchase compares each new purchase with the median of the borrower's purchases in its
sub-category and currency over the last 90 days, every amount of them. Reading and sorting those
for every batch would cost a heavy borrower more than everything else the event scenarios do, so
this process keeps them sorted, per database, borrower, sub-category, currency and first day,
with the count and sum (`spending_days` entries and total) they were read at.

When the window moves on (its first day is a day later each day), the amounts kept for the
day before are brought forward: the days that left are read and taken out. Each batch adds its
own purchases to what is kept, with the count and sum the window should then
hold; when asked for, kept amounts are used if the stored count and sum are exactly those, and
read again otherwise (another process's batch, a pending entry posted for another amount, a
transaction rolled back). Recounting a borrower's days (`spending_days.rebuild`) also forgets
what this process kept for them.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, insort
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from sqlmodel import Session

from billbot.db import comma_joined, raw_rows
from billbot.transactions import kept_days

Pair = tuple[str, str]  # (sub-category, currency)

MAX_KEPT = 512  # database and borrower, sub-category, currency and first day

Owner = tuple[int, int]  # which database (`kept_days.database_key`), which borrower


class Counted(NamedTuple):
    """How many purchases the window holds and their sum, as `spending_days` says now."""

    entries: int
    total_minor: int


class _Kept(NamedTuple):
    counted: Counted
    amounts: array  # sorted; never changed once kept (a batch makes a new one)


_NONE = array("q")
_KEPT: OrderedDict[tuple[Owner, str, str, date], _Kept] = OrderedDict()
# The first day last kept per borrower, sub-category and currency: where a window that moved
# on a day (or a few) starts from, rather than reading all of it again.
_FIRST_DAY: dict[tuple[Owner, str, str], date] = {}
_MOVE_AT_MOST = timedelta(days=7)
_LOCK = threading.Lock()


def sorted_amounts(
    session: Session,
    *,
    user_id: int,
    since: date,
    counted: Mapping[Pair, Counted],
    added: Mapping[Pair, Iterable[tuple[date, int]]],
) -> dict[Pair, Sequence[int]]:
    """The sorted amounts of each pair of `counted` from `since` on.

    `counted` is what the window holds now, per pair; `added` the (day, amount) of the purchases
    this transaction stored, per pair (any day: those before `since` are skipped).
    """
    owner = (kept_days.database_key(session), user_id)
    found: dict[Pair, Sequence[int]] = {}
    missing: list[Pair] = []
    for pair, now in counted.items():
        if now.entries == 0:
            found[pair] = _NONE
            continue
        key = (owner, *pair, since)
        with _LOCK:
            kept = _KEPT.get(key)
            if kept is not None:
                _KEPT.move_to_end(key)
        fresh = [amount for day, amount in added.get(pair, ()) if day >= since]
        if kept is not None and kept.counted == now and not fresh:
            found[pair] = kept.amounts
        elif kept is not None and fresh and now == _plus(kept.counted, fresh):
            found[pair] = _keep(key, _Kept(now, _with(kept.amounts, fresh)))
        else:
            missing.append(pair)
    if missing:
        moved = _moved_on(session, owner, since, missing, counted, added)
        found.update(moved)
        unread = [pair for pair in missing if pair not in moved]
        for pair, (now, amounts) in _read(session, user_id, since, unread).items():
            found[pair] = _keep((owner, *pair, since), _Kept(now, amounts))
    # The batch's other pairs: what is kept for them takes its purchases too, counted as the
    # window should now hold them (checked against the count when next asked for).
    for pair, days in added.items():
        if pair in counted:
            continue
        key = (owner, *pair, since)
        with _LOCK:
            kept = _KEPT.get(key)
        fresh = [amount for day, amount in days if day >= since] if kept is not None else []
        if kept is not None and fresh:
            _keep(key, _Kept(_plus(kept.counted, fresh), _with(kept.amounts, fresh)))
    return found


def _moved_on(
    session: Session,
    owner: Owner,
    since: date,
    pairs: list[Pair],
    counted: Mapping[Pair, Counted],
    added: Mapping[Pair, Iterable[tuple[date, int]]],
) -> dict[Pair, array]:
    """The pairs whose window moved on from a recent first day kept before: the amounts of the
    days that left it are read and taken out, the batch's put in, and the result kept if it
    counts what the window holds now."""
    earlier: dict[Pair, tuple[date, _Kept]] = {}
    with _LOCK:
        for pair in pairs:
            first = _FIRST_DAY.get((owner, *pair))
            kept = _KEPT.get((owner, *pair, first)) if first is not None else None
            if first is not None and kept is not None and since - _MOVE_AT_MOST <= first < since:
                earlier[pair] = (first, kept)
    if not earlier:
        return {}
    left = _left(session, owner[1], min(first for first, _ in earlier.values()), since, earlier)
    found = {}
    for pair, (first, kept) in earlier.items():
        fresh = [amount for day, amount in added.get(pair, ()) if day >= first]
        gone = [amount for day, amount in left.get(pair, ()) if day >= first]
        amounts = _with(kept.amounts, fresh)
        for amount in gone:
            at = bisect_left(amounts, amount)
            if at == len(amounts) or amounts[at] != amount:
                break  # not what was kept: read the window again
            del amounts[at]
        else:
            moved = Counted(
                kept.counted.entries + len(fresh) - len(gone),
                kept.counted.total_minor + sum(fresh) - sum(gone),
            )
            if moved == counted[pair]:
                found[pair] = _keep((owner, *pair, since), _Kept(moved, amounts))
    return found


def _left(
    session: Session, user_id: int, first: date, since: date, pairs: Iterable[Pair]
) -> dict[Pair, list[tuple[date, int]]]:
    """The (day, amount) of each pair's purchases from `first` to the day before `since`."""
    wanted = set(pairs)
    subs = sorted({sub for sub, _ in wanted})
    # Only placeholders are joined into the text.
    sql = (
        "SELECT sub_category, currency, local_date, amounts FROM spending_days "  # noqa: S608
        "WHERE user_id = {mark} AND kind = 'purchase' "
        "AND local_date >= {mark} AND local_date < {mark} "
        f"AND sub_category IN ({','.join(['{mark}'] * len(subs))})"
    )
    found: dict[Pair, list[tuple[date, int]]] = {}
    for sub, currency, day, text in raw_rows(session, sql, [user_id, first, since, *subs]):
        if (sub, currency) in wanted:
            on = date.fromisoformat(day) if isinstance(day, str) else day
            found.setdefault((sub, currency), []).extend((on, int(a)) for a in text.split(","))
    return found


def _with(amounts: array, fresh: list[int]) -> array:
    """A sorted copy of `amounts` with `fresh` in their places."""
    updated = array("q", amounts)
    for amount in fresh:
        insort(updated, amount)
    return updated


def _plus(counted: Counted, amounts: list[int]) -> Counted:
    return Counted(counted.entries + len(amounts), counted.total_minor + sum(amounts))


def forget(user_id: int) -> None:
    """Drop what this process kept for the borrower (their days were recounted)."""
    with _LOCK:
        for key in [key for key in _KEPT if key[0][1] == user_id]:
            del _KEPT[key]
        for first in [first for first in _FIRST_DAY if first[0][1] == user_id]:
            del _FIRST_DAY[first]


def _keep(key: tuple[Owner, str, str, date], kept: _Kept) -> array:
    with _LOCK:
        _KEPT[key] = kept
        _KEPT.move_to_end(key)
        owner, sub, currency, first = key
        _FIRST_DAY[(owner, sub, currency)] = first
        while len(_KEPT) > MAX_KEPT:
            (owner, sub, currency, first), _ = _KEPT.popitem(last=False)
            if _FIRST_DAY.get((owner, sub, currency)) == first:
                del _FIRST_DAY[(owner, sub, currency)]
    return kept.amounts


def _read(
    session: Session, user_id: int, since: date, pairs: list[Pair]
) -> dict[Pair, tuple[Counted, array]]:
    """Each pair's amounts from `since` on, with the count and sum they were read at."""
    if not pairs:
        return {}
    subs = sorted({sub for sub, _ in pairs})
    concat = comma_joined(session.connection().dialect.name, "amounts")
    # Only placeholders are joined into the text.
    sql = (
        f"SELECT sub_category, currency, SUM(entries), SUM(total_minor), {concat} "  # noqa: S608
        "FROM spending_days WHERE user_id = {mark} AND kind = 'purchase' "
        "AND local_date >= {mark} "
        f"AND sub_category IN ({','.join(['{mark}'] * len(subs))}) "
        "GROUP BY sub_category, currency"
    )
    wanted = set(pairs)
    found = {}
    for sub, currency, entries, total, text in raw_rows(session, sql, [user_id, since, *subs]):
        if (sub, currency) in wanted:
            amounts = array("q", sorted(map(int, text.split(",")))) if text else array("q")
            found[(sub, currency)] = (Counted(int(entries), int(total)), amounts)
    return found
