"""A borrower's purchase amounts in one sub-category over a window of days, sorted and kept.

Large purchase compares each new purchase with the median of the borrower's purchases in its
sub-category and currency over the last 90 days, every amount of them. Reading and sorting those
for every batch would cost a heavy borrower more than everything else the event scenarios do, so
this process keeps them sorted, per borrower, sub-category, currency and first day, with the
count and sum (`spending_days` entries and total) they were read at.

Each batch adds its own purchases to what is kept, with the count and sum the window should then
hold; when asked for, kept amounts are used if the stored count and sum are exactly those, and
read again otherwise (another process's batch, a pending entry posted for another amount, a
transaction rolled back). Recounting a borrower's days (`spending_days.rebuild`) also forgets
what this process kept for them.
"""

from __future__ import annotations

import threading
from array import array
from bisect import insort
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from sqlmodel import Session

from billbot.db import comma_joined, raw_rows

Pair = tuple[str, str]  # (sub-category, currency)

MAX_KEPT = 512  # borrower, sub-category, currency and first day


class Counted(NamedTuple):
    """How many purchases the window holds and their sum, as `spending_days` says now."""

    entries: int
    total_minor: int


class _Kept(NamedTuple):
    counted: Counted
    amounts: array  # sorted; never changed once kept (a batch makes a new one)


_NONE = array("q")
_KEPT: OrderedDict[tuple[int, str, str, date], _Kept] = OrderedDict()
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
    found: dict[Pair, Sequence[int]] = {}
    missing: list[Pair] = []
    for pair, now in counted.items():
        if now.entries == 0:
            found[pair] = _NONE
            continue
        key = (user_id, *pair, since)
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
        for pair, (now, amounts) in _read(session, user_id, since, missing).items():
            found[pair] = _keep((user_id, *pair, since), _Kept(now, amounts))
    # The batch's other pairs: what is kept for them takes its purchases too, counted as the
    # window should now hold them (checked against the count when next asked for).
    for pair, days in added.items():
        key = (user_id, *pair, since)
        if pair in counted or key not in _KEPT:
            continue
        fresh = [amount for day, amount in days if day >= since]
        with _LOCK:
            kept = _KEPT.get(key)
        if kept is not None and fresh:
            _keep(key, _Kept(_plus(kept.counted, fresh), _with(kept.amounts, fresh)))
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
        for key in [key for key in _KEPT if key[0] == user_id]:
            del _KEPT[key]


def _keep(key: tuple[int, str, str, date], kept: _Kept) -> array:
    with _LOCK:
        _KEPT[key] = kept
        _KEPT.move_to_end(key)
        while len(_KEPT) > MAX_KEPT:
            _KEPT.popitem(last=False)
    return kept.amounts


def _read(
    session: Session, user_id: int, since: date, pairs: list[Pair]
) -> dict[Pair, tuple[Counted, array]]:
    """Each pair's amounts from `since` on, with the count and sum they were read at."""
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
