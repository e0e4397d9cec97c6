"""Database engine, sessions and the migration check; one code path for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Dialect, Engine, Table, create_engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from billbot.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class NotMigratedError(RuntimeError):
    """The database schema is older than the code (run `billbot db upgrade`)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by `_sqlite_begin` instead of the driver's implicit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # 64 MiB of page cache: bulk imports touch index pages all over a large table.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock up front: SQLite has one writer, and a deferred transaction that reads
    # before it writes fails at once ("database is locked") when another writer got in between.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if path in ("", ":memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    """An Alembic config for `url`, independent of the working directory."""
    config = Config(str(ROOT / "alembic.ini")) if (ROOT / "alembic.ini").exists() else Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind `engine` to `revision`."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str | None:
    """The newest migration this code knows."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_migrated(engine: Engine) -> None:
    """Refuse to run against a database that is behind the code."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise NotMigratedError(
            f"database is at migration {current or 'none'} but the code needs {head}; "
            "run `billbot db upgrade`"
        )


def raw_rows(session: Session, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a read on the driver's own cursor, for hot paths where ORM rows cost too much.

    `sql` marks parameters as `{mark}` (written `?` for SQLite, `%s` for PostgreSQL); dates are
    passed as ISO text to SQLite, which stores them so.
    """
    cursor, is_sqlite = _driver_cursor(session)
    cursor.execute(_marked(sql, is_sqlite), _bound(params, is_sqlite))
    rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def raw_write(session: Session, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run a write once per row of parameters (one `executemany` on the driver's cursor).

    Parameters are marked and bound as `raw_rows` marks and binds them.
    """
    if not rows:
        return
    cursor, is_sqlite = _driver_cursor(session)
    try:
        cursor.executemany(_marked(sql, is_sqlite), [_bound(row, is_sqlite) for row in rows])
    finally:
        cursor.close()


def raw_count(session: Session, sql: str, params: Sequence[Any]) -> int:
    """Run one write and return how many rows it changed (marked and bound as `raw_rows`)."""
    cursor, is_sqlite = _driver_cursor(session)
    try:
        cursor.execute(_marked(sql, is_sqlite), _bound(params, is_sqlite))
        return int(cursor.rowcount)
    finally:
        cursor.close()


def comma_joined(dialect: str, text_expression: str) -> str:
    """SQL aggregating a text expression's values of a group into one comma-separated text
    (NULLs left out): `group_concat` on SQLite, `string_agg` on PostgreSQL."""
    if dialect == "sqlite":
        return f"group_concat({text_expression}, ',')"
    return f"string_agg({text_expression}, ',')"


def _driver_cursor(session: Session) -> tuple[Any, bool]:
    connection = session.connection()
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    return cursor, connection.dialect.name == "sqlite"


def _marked(sql: str, is_sqlite: bool) -> str:
    return sql.replace("{mark}", "?" if is_sqlite else "%s")


def _bound(params: Sequence[Any], is_sqlite: bool) -> list[Any]:
    if not is_sqlite:
        return list(params)
    return [
        v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else v for v in params
    ]


_M = TypeVar("_M", bound=SQLModel)
_Converters = list[tuple[int, Callable[[Any], Any]]]
_READING: dict[tuple[str, str], tuple[list[str], _Converters]] = {}


def _reading(table: Table, dialect: Dialect) -> tuple[list[str], _Converters]:
    """A table's column names and each column's result converter on `dialect` (worked out once
    per table and dialect)."""
    found = _READING.get((table.name, dialect.name))
    if found is None:
        names = [column.name for column in table.columns]
        convert: _Converters = []
        for i, column in enumerate(table.columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                convert.append((i, processor))
        found = _READING[(table.name, dialect.name)] = (names, convert)
    return found


def plain_instances(
    session: Session, model: type[_M], where: str, params: Sequence[Any]
) -> list[_M]:
    """`model`'s rows matching `where` as read-only instances the session does not track.

    For hot paths that only read a few rows: one plain query, each value converted as its column
    type converts it (dates, UTC datetimes, booleans), and instances built without the ORM's
    loading or validation. They carry no ORM state: read them, never add, refresh or change them
    through a session. `where` marks parameters as `{mark}`, as `raw_rows` does.
    """
    table: Table = model.__table__  # type: ignore[attr-defined]
    sql = f"SELECT {', '.join(column_names(model))} FROM {table.name} WHERE {where}"  # noqa: S608
    return instances_of(session, model, raw_rows(session, sql, params))


def column_names(model: type[SQLModel]) -> list[str]:
    """The names of `model`'s table columns, in the order `instances_of` takes their values."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return [column.name for column in table.columns]


def instances_of(session: Session, model: type[_M], rows: Iterable[Sequence[Any]]) -> list[_M]:
    """Read-only instances of `model` (as `plain_instances` makes them) from raw rows holding
    its columns in `column_names` order."""
    names, convert = _reading(model.__table__, session.connection().dialect)  # type: ignore[attr-defined]
    found: list[_M] = []
    for row in rows:
        values = list(row)
        for i, processor in convert:
            values[i] = processor(values[i])
        found.append(cast(_M, model.model_construct(**dict(zip(names, values, strict=True)))))
    return found


def json_object_text(dialect: str, key_expression: str, value_expression: str) -> str:
    """SQL aggregating a group's text keys and values into one JSON object's text (`{}` or NULL
    for no rows): `json_group_object` on SQLite, `json_object_agg` on PostgreSQL."""
    if dialect == "sqlite":
        return f"json_group_object({key_expression}, {value_expression})"
    return f"json_object_agg({key_expression}, {value_expression})::text"
