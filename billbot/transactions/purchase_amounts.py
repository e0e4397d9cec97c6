"""A borrower's purchase amounts in one sub-category over a window of days, sorted and kept.

Large purchase compares each new purchase with the median of the borrower's purchases in its
sub-category and currency over the last 90 days, every amount of them. Reading and sorting those
for every batch would cost a heavy borrower more than everything else the event scenarios do, so
this process keeps them sorted, one window per database, borrower, sub-category and currency,
with its first day, the count and sum (`spending_days` entries and total) it stands for, and
the same amounts in day order with their days.

When the window moves on (its first day is a later one), it is brought forward: the amounts of
the days that left are found in day order and taken out, without a read; a window asked for
from an earlier first day than the one kept is read again. Each batch adds its own purchases to
what is kept, with the count and sum the window should then hold; when asked for, kept amounts
are used if the stored count and sum are exactly those, and read again otherwise (another
process's batch, a pending entry posted for another amount, a transaction rolled back).
Recounting a borrower's days (`spending_days.rebuild`) also forgets what this process kept for
them.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from sqlmodel import Session

from billbot.db import raw_rows
from billbot.transactions import kept_days

Pair = tuple[str, str]  # (sub-category, currency)

MAX_KEPT = 512  # windows: database and borrower, sub-category and currency

Owner = tuple[int, int]  # which database (`kept_days.database_key`), which borrower


class Counted(NamedTuple):
    """How many purchases the window holds and their sum, as `spending_days` says now."""

    entries: int
    total_minor: int


class _Kept(NamedTuple):
    """A window's amounts; never changed once kept (a batch makes a new one)."""

    first: date  # the window's first day
    counted: Counted
    amounts: array  # sorted
    days: array  # each purchase's day (as an ordinal), ascending
    in_day_order: array  # the amounts in the order of `days`

    def with_added(self, fresh: Sequence[tuple[date, int]]) -> _Kept:
        """A copy with `fresh` (day, amount) purchases in their places."""
        amounts, days, in_day_order = (
            array("q", self.amounts),
            array("l", self.days),
            array("q", self.in_day_order),
        )
        for day, amount in fresh:
            insort(amounts, amount)
            at = bisect_right(days, day.toordinal())
            days.insert(at, day.toordinal())
            in_day_order.insert(at, amount)
        return _Kept(self.first, _plus(self.counted, fresh), amounts, days, in_day_order)

    def from_day(self, since: date) -> _Kept | None:
        """The window from a later first day, `since` (None if the days that left are not all
        where kept)."""
        cut = bisect_left(self.days, since.toordinal())
        if not cut:
            return self._replace(first=since)
        gone = self.in_day_order[:cut]
        amounts = array("q", self.amounts)
        for amount in gone:
            at = bisect_left(amounts, amount)
            if at == len(amounts) or amounts[at] != amount:
                return None
            del amounts[at]
        counted = Counted(self.counted.entries - len(gone), self.counted.total_minor - sum(gone))
        return _Kept(since, counted, amounts, self.days[cut:], self.in_day_order[cut:])


_NONE = array("q")
_KEPT: OrderedDict[tuple[Owner, str, str], _Kept] = OrderedDict()
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
    this transaction stored, per pair (any day: those before the window's first are skipped).
    """
    owner = (kept_days.database_key(session), user_id)
    found: dict[Pair, Sequence[int]] = {}
    missing: list[Pair] = []
    for pair, now in counted.items():
        if now.entries == 0:
            found[pair] = _NONE
            continue
        key = (owner, *pair)
        with _LOCK:
            kept = _KEPT.get(key)
        kept = kept.from_day(since) if kept is not None and kept.first <= since else None
        fresh = [(day, amount) for day, amount in added.get(pair, ()) if day >= since]
        if kept is not None and kept.counted == now and not fresh:
            found[pair] = _keep(key, kept)
        elif kept is not None and fresh and now == _plus(kept.counted, fresh):
            found[pair] = _keep(key, kept.with_added(fresh))
        else:
            missing.append(pair)
    if missing:
        for pair, kept in _read(session, user_id, since, missing).items():
            found[pair] = _keep((owner, *pair), kept)
    # The batch's other pairs: what is kept for them takes its purchases too, counted as the
    # window should now hold them (checked against the count when next asked for).
    for pair, days in added.items():
        if pair in counted:
            continue
        key = (owner, *pair)
        with _LOCK:
            kept = _KEPT.get(key)
        if kept is not None:
            fresh = [(day, amount) for day, amount in days if day >= kept.first]
            if fresh:
                _keep(key, kept.with_added(fresh))
    return found


def _plus(counted: Counted, fresh: Sequence[tuple[date, int]]) -> Counted:
    return Counted(
        counted.entries + len(fresh), counted.total_minor + sum(amount for _, amount in fresh)
    )


def forget(user_id: int) -> None:
    """Drop what this process kept for the borrower (their days were recounted)."""
    with _LOCK:
        for key in [key for key in _KEPT if key[0][1] == user_id]:
            del _KEPT[key]


def _keep(key: tuple[Owner, str, str], kept: _Kept) -> array:
    with _LOCK:
        _KEPT[key] = kept
        _KEPT.move_to_end(key)
        while len(_KEPT) > MAX_KEPT:
            _KEPT.popitem(last=False)
    return kept.amounts


def _read(session: Session, user_id: int, since: date, pairs: list[Pair]) -> dict[Pair, _Kept]:
    """Each pair's amounts from `since` on, with the count and sum they were read at."""
    if not pairs:
        return {}
    subs = sorted({sub for sub, _ in pairs})
    # Only placeholders are joined into the text.
    sql = (
        "SELECT sub_category, currency, local_date, entries, total_minor, amounts "  # noqa: S608
        "FROM spending_days WHERE user_id = {mark} AND kind = 'purchase' "
        "AND local_date >= {mark} "
        f"AND sub_category IN ({','.join(['{mark}'] * len(subs))})"
    )
    wanted = set(pairs)
    rows: dict[Pair, list[tuple[int, list[int]]]] = {}
    totals: dict[Pair, list[int]] = {}
    for sub, currency, day, entries, total, text in raw_rows(session, sql, [user_id, since, *subs]):
        pair = (sub, currency)
        if pair in wanted:
            on = date.fromisoformat(day) if isinstance(day, str) else day
            amounts = (
                list(map(int, text.split(","))) if text else []
            )  # as `spending_days` keeps them
            rows.setdefault(pair, []).append((on.toordinal(), amounts))
            summed = totals.setdefault(pair, [0, 0])
            summed[0] += int(entries)
            summed[1] += int(total)
    found = {}
    for pair, held in rows.items():
        held.sort(key=lambda row: row[0])
        days, in_day_order = array("l"), array("q")
        for ordinal, amounts in held:
            days.extend([ordinal] * len(amounts))
            in_day_order.extend(amounts)
        entries, total = totals[pair]
        found[pair] = _Kept(
            since, Counted(entries, total), array("q", sorted(in_day_order)), days, in_day_order
        )
    return found
