"""The hot path of ingestion: multi-row statements on the driver's own cursor.

Going below SQLAlchemy's per-row parameter processing is what lets an import store 50,000+
transactions a second. Only two statements live here, each written for both SQLite and
PostgreSQL; values are converted to what the column types would have produced (`UTCDateTime`
stores naive UTC text on SQLite), so the ORM reads these rows like any other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlmodel import Session

from billbot.db import raw_rows

COLUMNS = (
    "user_id",
    "account_id",
    "statement_id",
    "external_id",
    "posted_at",
    "local_date",
    "amount_minor",
    "currency",
    "merchant_raw",
    "merchant_name",
    "mcc",
    "kind",
    "status",
    "category",
    "sub_category",
    "category_source",
    "category_rule",
    "category_detail",
    "created_at",
)
ROWS_PER_STATEMENT = 1000
_IDS_PER_QUERY = 1000


@lru_cache(maxsize=8192)  # rows of one import share days and the batch's creation time
def sqlite_datetime(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DATETIME stores: naive UTC with microseconds."""
    text = value.astimezone(UTC).isoformat(" ")[:-6]  # drop the "+00:00"
    return text if len(text) == 26 else text + ".000000"


@lru_cache(maxsize=8192)
def _iso_day(day: date) -> str:
    return day.isoformat()


def _cursor(session: Session) -> tuple[Any, bool]:
    connection = session.connection()
    is_sqlite = connection.dialect.name == "sqlite"
    return connection.connection.driver_connection.cursor(), is_sqlite  # type: ignore[union-attr]


def account_is_empty(session: Session, account_id: int) -> bool:
    """Whether the account has no transactions yet (its first import has nothing to compare)."""
    return not raw_rows(
        session, "SELECT 1 FROM transactions WHERE account_id = {mark} LIMIT 1", [account_id]
    )


class Existing(NamedTuple):
    """A transaction already stored on the account, as ingest compares it."""

    id: int
    status: str
    local_date: date


def existing_ids(
    session: Session, account_id: int, external_ids: Sequence[str]
) -> dict[str, Existing]:
    """External id → (id, status, local day) for those of `external_ids` already stored."""
    found: dict[str, Existing] = {}
    for start in range(0, len(external_ids), _IDS_PER_QUERY):
        chunk = list(external_ids[start : start + _IDS_PER_QUERY])
        placeholders = ",".join(["{mark}"] * len(chunk))
        sql = "SELECT external_id, id, status, local_date FROM transactions "
        sql += f"WHERE account_id = {{mark}} AND external_id IN ({placeholders})"  # placeholders
        for external_id, tid, status, day in raw_rows(session, sql, [account_id, *chunk]):
            parsed = date.fromisoformat(day) if isinstance(day, str) else day
            found[external_id] = Existing(tid, status, parsed)
    return found


def insert_columns(
    session: Session, columns: Mapping[str, Sequence[Any]], *, want_ids: bool = True
) -> dict[str, int | None]:
    """Insert rows given column by column (the keys of `COLUMNS`); returns new ids by external id.

    Rows that are already stored are skipped (INSERT ... ON CONFLICT DO NOTHING), so the result
    names only the rows this call created. Without `want_ids` (a file import needs only counts),
    SQLite skips reading the new ids back when every row went in: the ids are then None.
    """
    ordered = [columns[name] for name in COLUMNS]
    if not ordered[0]:
        return {}
    account_id = ordered[COLUMNS.index("account_id")][0]
    cursor, is_sqlite = _cursor(session)
    if is_sqlite:
        # Stored as SQLAlchemy stores them: naive UTC text for datetimes, ISO text for dates.
        for name in ("posted_at", "created_at"):
            ordered[COLUMNS.index(name)] = list(map(sqlite_datetime, columns[name]))
        ordered[COLUMNS.index("local_date")] = list(map(_iso_day, columns["local_date"]))
        return _insert_sqlite(
            cursor, zip(*ordered, strict=True), account_id, columns["external_id"], want_ids
        )
    one_row = "(" + ",".join(["%s"] * len(COLUMNS)) + ")"
    head = f"INSERT INTO transactions ({', '.join(COLUMNS)}) VALUES "  # noqa: S608
    tail = " ON CONFLICT (account_id, external_id) DO NOTHING RETURNING id, external_id"
    rows = list(zip(*ordered, strict=True))
    created: dict[str, int | None] = {}
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        params = [value for row in chunk for value in row]
        cursor.execute(head + ",".join([one_row] * len(chunk)) + tail, params)
        created.update({external_id: new_id for new_id, external_id in cursor.fetchall()})
    return created


def _insert_sqlite(
    cursor: Any,
    rows: Iterator[tuple[Any, ...]],
    account_id: int,
    external_ids: Sequence[str],
    want_ids: bool,
) -> dict[str, int | None]:
    # SQLite has one writer and this transaction holds the write lock (BEGIN IMMEDIATE), so
    # every row with an id above the current maximum is one of ours: executemany, the fastest
    # path the driver has, then one range read for the new ids.
    cursor.execute("SELECT coalesce(max(id), 0) FROM transactions")
    (before,) = cursor.fetchone()
    marks = ",".join(["?"] * len(COLUMNS))
    cursor.executemany(
        f"INSERT INTO transactions ({', '.join(COLUMNS)}) VALUES ({marks}) "  # noqa: S608
        "ON CONFLICT (account_id, external_id) DO NOTHING",
        rows,
    )
    if not want_ids and cursor.rowcount == len(external_ids):
        return dict.fromkeys(external_ids)
    cursor.execute(
        "SELECT external_id, id FROM transactions WHERE id > ? AND account_id = ?",
        (before, account_id),
    )
    return dict(cursor.fetchall())
