"""A borrower's recent `spending_days` rows kept in the process, checked against a stamp.

The event scenarios read the same weeks of a borrower's per-day totals with every batch:
limit progress, and the history large purchase, spending spike and frequent small purchases
compare with. Rather than read and sum them in the database each time, this process keeps each
borrower's rows from a first day on, with the stamp they were read at (`spending_stamps`).

Whatever writes a borrower's `spending_days` gives them a new random stamp in the same database
transaction: ingest (`added`, which also applies the batch's own rows to what is kept, when the
stamp was the one kept) and recounts (`changed`, which forgets). Kept rows are used only while
the stored stamp is the one they were kept at; otherwise (another process wrote, a transaction
rolled back) they are read again. Kept rows that start later than a reader looks back are
extended by reading only the days before. Stamps are random, never counted up, so a
rolled-back stamp is never seen again.

Readers hold the kept rows only inside `reading`, under this module's lock (so they only sum
there, never call back into this module). The stored stamp is read at most once per database
transaction, and not at all after this process's batch wrote it.

Readers may also keep with the rows what they worked out from the borrower's transactions that
more transactions can only keep true ("this merchant was charged at least 7 times from that day
on": `lasting`, `remember`). It goes with the rows: whatever makes them be read again (a recount,
another process, a rollback) forgets it, and this process's own batches, which only add, keep it.
"""

from __future__ import annotations

import random
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from billbot.db import raw_count, raw_rows, raw_write

MAX_KEPT = 512  # borrowers (per database)
MAX_ROWS_KEPT = 200_000  # day rows across them (a few hundred bytes each)
MAX_LASTING = 4_096  # facts kept with one borrower's rows (`remember`)
# Days kept more than twice this before a reader's first are trimmed to this before it: the
# event scenarios' readers look back from 31 (limit periods) to about 100 days (history), so a
# trim never takes away a day another of them reads.
KEEP_BEFORE = timedelta(days=120)


class Cell(NamedTuple):
    """What a `spending_days` row is about, besides its borrower and day."""

    account_id: int
    currency: str
    kind: str
    category: str
    sub_category: str


class KeptDays:
    """One borrower's `spending_days` rows from `first_day` on, as of `stamp`.

    `cells` holds, per cell, each day's [entries, total_minor]. `sums` adds them up over a range
    of days; each range asked for is kept up to date by `add` until the rows are dropped. A new
    range is summed from each cell's running totals in day order (brought up to date when a
    batch adds to a cell's latest day or a later one, worked out again when it adds to an
    earlier one).
    """

    def __init__(self, stamp: int | None, first_day: date) -> None:
        self.stamp, self.first_day = stamp, first_day
        # The database transaction (innermost) in which `stamp` was last read or written: in it,
        # the stamp is not read again.
        self.checked_in: weakref.ref[SessionTransaction] | None = None
        self.cells: dict[Cell, dict[date, list[int]]] = {}
        self.rows = 0  # day rows held
        self._sums: dict[tuple[date, date], dict[Cell, list[int]]] = {}
        self._holding: dict[date, list[dict[Cell, list[int]]]] = {}  # the ranges holding a day
        self._running: dict[Cell, tuple[list[date], list[int], list[int]]] = {}
        self._lasting: dict[Hashable, Any] = {}

    def lasting(self, key: Hashable) -> Any:
        """What a reader remembered under `key` (None if nothing)."""
        return self._lasting.get(key)

    def remember(self, key: Hashable, fact: Any) -> None:
        """Keep `fact`, worked out from the borrower's transactions as they stand in this
        transaction, that only a change other than adding transactions can make untrue (at most
        `MAX_LASTING`; past that, the older ones are forgotten)."""
        if key not in self._lasting and len(self._lasting) >= MAX_LASTING:
            self._lasting.clear()
        self._lasting[key] = fact

    def add(self, cell: Cell, day: date, entries: int, total_minor: int) -> None:
        """Count a group of transactions in (as `spending_days.add` upserts them)."""
        if day < self.first_day:
            return
        days = self.cells.setdefault(cell, {})
        self.rows += day not in days
        _plus(days, day, entries, total_minor)
        running = self._running.get(cell)
        if running is not None:  # brought up to date for the latest day, else worked out again
            in_order, entries_before, totals_before = running
            if in_order and day == in_order[-1]:
                entries_before[-1] += entries
                totals_before[-1] += total_minor
            elif not in_order or day > in_order[-1]:
                in_order.append(day)
                entries_before.append(entries_before[-1] + entries)
                totals_before.append(totals_before[-1] + total_minor)
            else:
                del self._running[cell]
        holding = self._holding.get(day)
        if holding is None:
            holding = self._holding[day] = [
                sums for (since, until), sums in self._sums.items() if since <= day <= until
            ]
        for sums in holding:
            _plus(sums, cell, entries, total_minor)

    def sums(self, since: date, until: date) -> Mapping[Cell, Sequence[int]]:
        """Each cell's [entries, total_minor] over the days from `since` to `until`, for the
        cells with a row in them (read only: kept and updated as batches are added)."""
        if since < self.first_day:
            raise ValueError(f"days from {since} are not kept (from {self.first_day} on)")
        found = self._sums.get((since, until))
        if found is None:
            if len(self._sums) >= _MAX_RANGES:
                self._sums.clear()  # yesterday's ranges, most likely
            self._holding.clear()
            found = self._sums[(since, until)] = {}
            for cell in self.cells:
                days, entries, totals = self._running_totals(cell)
                first, last = bisect_left(days, since), bisect_right(days, until)
                if last > first:
                    found[cell] = [entries[last] - entries[first], totals[last] - totals[first]]
        return found

    def trim(self, first_day: date) -> None:
        """Drop the days before `first_day` (and the ranges and running totals that held
        them)."""
        for days in self.cells.values():
            for day in [day for day in days if day < first_day]:
                del days[day]
                self.rows -= 1
        self.cells = {cell: days for cell, days in self.cells.items() if days}
        self.first_day = first_day
        self._sums = {key: sums for key, sums in self._sums.items() if key[0] >= first_day}
        self._holding.clear()
        self._running.clear()

    def _running_totals(self, cell: Cell) -> tuple[list[date], list[int], list[int]]:
        """The cell's days in order, with the entries and totals of the days before each (and,
        last, of all of them)."""
        found = self._running.get(cell)
        if found is None:
            days = sorted(self.cells[cell])
            entries, totals = [0], [0]
            for day in days:
                day_entries, day_total = self.cells[cell][day]
                entries.append(entries[-1] + day_entries)
                totals.append(totals[-1] + day_total)
            found = self._running[cell] = (days, entries, totals)
        return found


def _plus(counts: dict[Any, list[int]], key: Any, entries: int, total_minor: int) -> None:
    found = counts.get(key)
    if found is None:
        counts[key] = [entries, total_minor]
    else:
        found[0] += entries
        found[1] += total_minor


_MAX_RANGES = 32
_KEPT: OrderedDict[tuple[int, int], KeptDays] = OrderedDict()
_LOCK = threading.Lock()

_READ_STAMP = "SELECT stamp FROM spending_stamps WHERE user_id = {mark}"
_NEW_STAMP = (
    "INSERT INTO spending_stamps (user_id, stamp) VALUES ({mark}, {mark}) "
    "ON CONFLICT (user_id) DO UPDATE SET stamp = excluded.stamp"
)
_FIRST_STAMP = (
    "INSERT INTO spending_stamps (user_id, stamp) VALUES ({mark}, {mark}) "
    "ON CONFLICT (user_id) DO NOTHING"
)
_NEXT_STAMP = "UPDATE spending_stamps SET stamp = {mark} WHERE user_id = {mark} AND stamp = {mark}"


def database_key(session: Session) -> int:
    """Which database `session` reads: only so that processes holding several (tests,
    benchmarks) keep what each holds apart. A number reused by a later engine is harmless:
    what is kept is checked against the database before it is used."""
    return id(session.get_bind())


def new_stamp() -> int:
    """A random stamp (63 bits, so it fits a signed BIGINT); not a secret."""
    return random.getrandbits(63)


@contextmanager
def reading(session: Session, *, user_id: int, since: date) -> Iterator[KeptDays]:
    """The borrower's rows from `since` on (at least), as the database holds them now in this
    transaction; kept rows when their stamp is current (extended back to `since` if they start
    later), else read (and kept).

    The stored stamp is read once per database transaction (or after this process's batch gave
    a new one in it): within it, a change from elsewhere would wait for this transaction's
    own, or would be seen no sooner than a snapshot taken at its first read.
    """
    key = (database_key(session), user_id)
    transaction = _transaction(session)
    with _LOCK:
        kept = _KEPT.get(key)
        checked_in = kept.checked_in() if kept is not None and kept.checked_in else None
        stamp = kept.stamp if kept is not None and checked_in is transaction else None
    if checked_in is not transaction:
        rows = raw_rows(session, _READ_STAMP, [user_id])
        stamp = int(rows[0][0]) if rows else None
    with _LOCK:
        kept = _KEPT.get(key)
        if kept is not None and kept.stamp == stamp and kept.first_day <= since:
            kept.checked_in = weakref.ref(transaction)
            _KEPT.move_to_end(key)
            if kept.first_day < since - 2 * KEEP_BEFORE:
                kept.trim(since - KEEP_BEFORE)
            yield kept
            return
        # Current, but starting too late for this reader: only the days before are read.
        current = kept if kept is not None and kept.stamp == stamp else None
        first = kept.first_day if kept is not None else since
    if current is not None:
        earlier = _rows(session, user_id, since, before=first)
        with _LOCK:
            if _KEPT.get(key) is current and current.stamp == stamp and current.first_day == first:
                current.first_day = since
                for day, cell, entries, total in earlier:
                    current.add(cell, day, entries, total)
                current.checked_in = weakref.ref(transaction)
                _KEPT.move_to_end(key)
                yield current
                return
    fresh = KeptDays(stamp, since)
    for day, cell, entries, total in _rows(session, user_id, since):
        fresh.add(cell, day, entries, total)
    fresh.checked_in = weakref.ref(transaction)
    with _LOCK:
        _KEPT[key] = fresh
        _KEPT.move_to_end(key)
        held = sum(kept.rows for kept in _KEPT.values())
        while len(_KEPT) > 1 and (len(_KEPT) > MAX_KEPT or held > MAX_ROWS_KEPT):
            _, dropped = _KEPT.popitem(last=False)
            held -= dropped.rows
        yield fresh


def _transaction(session: Session) -> SessionTransaction:
    """The session's innermost database transaction (begun if none is)."""
    session.connection()
    found = session.get_nested_transaction() or session.get_transaction()
    assert found is not None
    return found


def _rows(
    session: Session, user_id: int, since: date, *, before: date | None = None
) -> list[tuple[date, Cell, int, int]]:
    """The borrower's `spending_days` rows from `since` on (and before `before`, if given)."""
    where = "user_id = {mark} AND local_date >= {mark}"
    params: list[Any] = [user_id, since]
    if before is not None:
        where += " AND local_date < {mark}"
        params.append(before)
    rows = raw_rows(
        session,
        "SELECT local_date, account_id, currency, kind, category, sub_category, entries, "  # noqa: S608
        f"total_minor FROM spending_days WHERE {where}",
        params,
    )
    return [
        (
            date.fromisoformat(day) if isinstance(day, str) else day,
            Cell(account_id, currency, kind, category, sub),
            int(entries),
            int(total),
        )
        for day, account_id, currency, kind, category, sub, entries, total in rows
    ]


def added(session: Session, groups: Mapping[tuple[Any, ...], Sequence[int]]) -> None:
    """Give the borrowers of newly counted `groups` a new stamp, and apply the groups to what is
    kept for them when it was kept at the stamp they had.

    `groups` maps a `spending_days` key (user, day, account, currency, kind, category,
    sub-category) to the amounts counted into it (as `spending_days.add` upserts them).
    """
    by_user: dict[int, list[tuple[tuple[Any, ...], Sequence[int]]]] = {}
    for key, amounts in groups.items():
        by_user.setdefault(key[0], []).append((key, amounts))
    database = database_key(session)
    for user_id, counted in by_user.items():
        stamp = new_stamp()
        with _LOCK:
            kept = _KEPT.get((database, user_id))
            was = kept.stamp if kept is not None else None
        moved = False
        if kept is not None:
            if was is None:  # the borrower had no stamp: the first one, if still none
                moved = raw_count(session, _FIRST_STAMP, [user_id, stamp]) == 1
            else:
                moved = raw_count(session, _NEXT_STAMP, [stamp, user_id, was]) == 1
        if not moved:
            raw_write(session, _NEW_STAMP, [[user_id, stamp]])
        with _LOCK:
            # Kept rows take the groups only if nothing replaced or changed them meanwhile
            # (another thread's batch for the borrower, perhaps one that then rolled back).
            current = _KEPT.get((database, user_id))
            if not moved or kept is None or current is not kept or kept.stamp != was:
                _KEPT.pop((database, user_id), None)
                continue
            for (_, day, account, currency, kind, category, sub), amounts in counted:
                cell = Cell(account, currency, kind, category, sub)
                kept.add(cell, day, len(amounts), sum(amounts))
            kept.stamp = stamp
            kept.checked_in = weakref.ref(_transaction(session))


def changed(session: Session, *, user_id: int) -> None:
    """The borrower's days were recounted: a new stamp, and nothing kept for them here."""
    raw_write(session, _NEW_STAMP, [[user_id, new_stamp()]])
    with _LOCK:
        _KEPT.pop((database_key(session), user_id), None)


def forget_all() -> None:
    """Drop everything kept (tests)."""
    with _LOCK:
        _KEPT.clear()
