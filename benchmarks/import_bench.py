"""Import benchmark: synthetic CSV rows through the real import path into SQLite.

Prints transactions per second, peak memory, the ratio to raw `sqlite3.executemany` of the same
rows in the same run, and the rate into a database that already holds `--prefill` transactions.

    .venv/bin/python benchmarks/import_bench.py                  # 200,000 rows, 1,000,000 prefill
    .venv/bin/python benchmarks/import_bench.py --rows 20000 --prefill 100000
    .venv/bin/python benchmarks/import_bench.py --rows 50000 --prefill 0   # scenarios on/off only
    .venv/bin/python benchmarks/import_bench.py --rows 50000 --prefill 0 \
        --postgres postgresql://postgres@127.0.0.1:5432/postgres         # issuer posts on PostgreSQL

Event scenarios on vs off is measured for a file import of the year up to today (the newest
days are recent purchases every scenario looks at; best of `--repeats` alternating rounds), and
for the issuer posting: a heavy borrower's purchases of the last two weeks in random order,
100 at a time, and borrowers who already have 90 days of history posting day by day as they buy
(a heavy one, 350 a day, 100 at a time; an everyday one, 10 a day, 5 and 1 at a time). Each
issuer post goes to a database with the scenarios on and to one with them off, alternately
first, so the machine's drift falls on both; every one of `--repeats` runs is printed, with
what the scenarios add to each post in ms. A post that takes `STALL` times its side's median
(the server or the machine stalled: a new WAL segment, a checkpoint) is counted at the median,
and how many were is printed. `--postgres` runs the issuer posts on a PostgreSQL server instead
of SQLite files.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine, create_engine, make_url, text
from sqlmodel import Session

from billbot.accounts.schemas import AccountCreate
from billbot.accounts.service import open_account
from billbot.db import make_engine, upgrade
from billbot.imports.service import import_parsed, parse_upload
from billbot.limits.service import create_limit
from billbot.scenarios.messages import load_templates
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.users.schemas import UserBase
from billbot.users.service import create_user
from billbot.wiring import after_ingest_hook, categoriser_hook

MERCHANTS = [
    ("SQ *BLUE BOTTLE COFFEE #{n} SAN FRANCISCO CA", "5814"),
    ("STARBUCKS STORE {n} SEATTLE WA", "5814"),
    ("SHELL OIL {n} HOUSTON TX", "5541"),
    ("WHOLEFDS MKT {n} AUSTIN TX", "5411"),
    ("UBER *TRIP HELP.UBER.COM", "4121"),
    ("AMZN Mktp US*{n}K3LM0QZ", "5942"),
    ("NETFLIX.COM 866-579-7172", "4899"),
    ("TST* SHAKE SHACK {n} NEW YORK NY", "5812"),
    ("CVS/PHARMACY #{n}", "5912"),
    ("美团外卖 MEITUAN {n}", "5812"),
    ("PAYPAL *EBAY {n}", "5999"),
    ("TRADER JOE'S #{n}", "5411"),
]


def make_csv(rows: int, start: date, seed: int, tag: str = "") -> bytes:
    """A CSV export of `rows` purchases from `start` onwards (fixed seed)."""
    rng = random.Random(seed)
    lines = ["date,description,amount,mcc"]
    per_day = max(1, rows // 365 + 1)
    for i in range(rows):
        day = start + timedelta(days=i // per_day)
        template, mcc = MERCHANTS[rng.randrange(len(MERCHANTS))]
        amount = rng.randint(100, 25_000)
        lines.append(
            f"{day.isoformat()},{template.format(n=rng.randint(1, 999))}{tag},{amount // 100}.{amount % 100:02d},{mcc}"
        )
    return ("\n".join(lines) + "\n").encode()


def import_rate(
    engine_url: str, data: bytes, *, account_id: int, user_tz: str, scenarios: bool = True
) -> tuple[float, int]:
    """Seconds and rows created for one import through the service (parse, categorise, store, commit)."""
    engine = make_engine(engine_url)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        from billbot.accounts.models import Account

        account = session.get(Account, account_id)
        assert account is not None
        parsed = parse_upload(
            data,
            account=account,
            filename="bench.csv",
            profile=None,
            date_order=None,
            max_bytes=1 << 31,
        )
        summary = import_parsed(
            session,
            account=account,
            time_zone=user_tz,
            parsed=parsed,
            now=datetime.now(UTC),
            categorise=categoriser_hook(),
            after_store=after_ingest_hook() if scenarios else None,
        )
        session.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, summary.created


BATCH = 100


def purchases(
    count: int, *, now: datetime, back: tuple[int, int], seed: int, tag: str
) -> list[NewTransaction]:
    """`count` purchases posted between `back` minutes before `now` (fixed seed)."""
    rng = random.Random(seed)
    items = []
    for i in range(count):
        template, mcc = MERCHANTS[rng.randrange(len(MERCHANTS))]
        items.append(
            NewTransaction(
                external_id=f"{tag}{i}",
                amount_minor=rng.randint(100, 25_000),
                description=template.format(n=rng.randint(1, 30)),
                mcc=mcc,
                posted_at=now - timedelta(minutes=rng.randint(*back)),
            )
        )
    return items


Post = tuple[datetime, list[NewTransaction]]  # when the issuer posts, and what


def post_once(
    engine: Engine,
    *,
    account_id: int,
    now: datetime,
    items: list[NewTransaction],
    scenarios: bool,
    want_ids: bool = True,
) -> float:
    """Seconds for one issuer post (its own session and commit), scenarios on or off."""
    from billbot.accounts.models import Account

    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        account = session.get(Account, account_id)
        assert account is not None
        ingest(
            session,
            account=account,
            time_zone="America/New_York",
            items=items,
            now=now,
            categorise=categoriser_hook(),
            after_store=after_ingest_hook() if scenarios else None,
            want_ids=want_ids,
        )
        session.commit()
    return time.perf_counter() - started


def interleaved(
    root: Path,
    name: str,
    *,
    history: list[NewTransaction],
    posts: list[Post],
    postgres: str | None = None,
) -> tuple[Took, str]:
    """Seconds the same posts take with scenarios on and off, into two databases that hold the
    same `history` (stored first, not timed): each post goes to both, the order alternating, so
    the machine's drift falls on both sides alike. Also returns the "on" database's URL."""
    targets = {}
    on_url = ""
    # The earlier cases' PostgreSQL databases go first: their autovacuum would run meanwhile.
    drop_case_databases()
    for scenarios in (True, False):
        url, account_id = fresh_database(case_database(root, f"{name}-{scenarios}", postgres))
        engine = make_engine(url)
        if history:  # stored as a file import would store it, without scenarios
            post_once(
                engine,
                account_id=account_id,
                now=posts[0][0],
                items=history,
                scenarios=False,
                want_ids=False,
            )
        targets[scenarios] = (engine, account_id)
        on_url = url if scenarios else on_url
    gc.collect()  # what earlier cases left to collect falls on neither side
    times: dict[bool, list[float]] = {True: [], False: []}
    for number, (now, items) in enumerate(posts):
        if postgres and number % ANALYZE_EVERY == 0:
            _analyze(engine for engine, _ in targets.values())
        for scenarios in (True, False) if number % 2 == 0 else (False, True):
            engine, account_id = targets[scenarios]
            times[scenarios].append(
                post_once(engine, account_id=account_id, now=now, items=items, scenarios=scenarios)
            )
    for engine, _ in targets.values():
        engine.dispose()
    return Took(*without_stalls(times[True]), *without_stalls(times[False])), on_url


class Took(NamedTuple):
    """Seconds the posts took with the scenarios on and off, and the stalls counted out."""

    on: float
    on_stalls: int
    off: float
    off_stalls: int


# A post taking this many times its side's median is a stall of the machine or the server (a
# new WAL segment, a checkpoint: a PostgreSQL post of 8 ms now and then takes 95), which falls
# on one side at random and would swing a run's ratio by 0.3: it is counted at the median.
STALL = 5.0


def without_stalls(seconds: list[float]) -> tuple[float, int]:
    """The total of `seconds`, each stall counted at the median; and how many were."""
    middle = statistics.median(seconds)
    stalls = [s for s in seconds if s > STALL * middle]
    return sum(seconds) - sum(stalls) + middle * len(stalls), len(stalls)


# PostgreSQL plans by its statistics, which a live database's autovacuum keeps current; these
# databases are new and small, so they are analysed (untimed) before the posts and every few.
ANALYZE_EVERY = 10


def _analyze(engines: Iterable[Engine]) -> None:
    for engine in engines:
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()


def operator_posts(total: int, *, batch: int, seed: int) -> list[Post]:
    """A heavy borrower's purchases of the last two weeks, in random order, posted `batch` at a
    time (late-posted purchases change older days with every post)."""
    now = datetime.now(UTC)
    # Minutes back over two weeks, some at night: late-night has work too.
    items = purchases(total, now=now, back=(0, 14 * 24 * 60), seed=seed, tag=f"op{seed}-")
    return [(now, items[start : start + batch]) for start in range(0, total, batch)]


def daily_posts(days: int, *, per_day: int, batch: int, start: datetime) -> list[Post]:
    """`per_day` purchases a day for `days` days from `start`, each day's posted in time order
    `batch` at a time as the day goes on."""
    posts: list[Post] = []
    for day in range(days):
        end_of_day = start + timedelta(days=day + 1)
        bought = purchases(
            per_day, now=end_of_day, back=(0, 1439), seed=1_000 + day, tag=f"d{day}-"
        )
        bought.sort(key=lambda item: item.posted_at or end_of_day)
        for first in range(0, per_day, batch):
            chunk = bought[first : first + batch]
            posts.append((chunk[-1].posted_at or end_of_day, chunk))
    return posts


def queued_by_scenario(engine_url: str) -> dict[str, int]:
    """How many messages each scenario queued in a benchmark database."""
    engine = make_engine(engine_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT scenario, COUNT(*) FROM outbox_messages GROUP BY scenario ORDER BY 1")
        ).all()
    engine.dispose()
    return {scenario: count for scenario, count in rows}


def raw_rate(path: Path, data: bytes) -> float:
    """Seconds for plain sqlite3.executemany of the same rows into the same table and indexes."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    lines = data.decode().splitlines()[1:]
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    started = time.perf_counter()
    rows = []
    for i, line in enumerate(lines):
        day, description, amount, mcc = line.split(",")
        major, minor = amount.split(".")
        rows.append(
            (
                1,
                1,
                f"raw{i}",
                day + " 12:00:00",
                day,
                int(major) * 100 + int(minor),
                "USD",
                description,
                description,
                mcc,
                "purchase",
                "posted",
                now,
            )
        )
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=OFF")
    connection.executemany(
        "INSERT INTO transactions (user_id, account_id, external_id, posted_at, local_date, amount_minor, currency,"
        " merchant_raw, merchant_name, mcc, kind, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def case_database(root: Path, name: str, postgres: str | None = None) -> str:
    """A new, empty database for one case: a SQLite file under `root`, or, given the URL of a
    PostgreSQL server, a database created there (dropped by `drop_case_databases`)."""
    if postgres is None:
        return f"sqlite:///{root / f'{name}.db'}"
    server = make_url(postgres)
    database = "billbot_bench_" + "".join(c if c.isalnum() else "_" for c in name)
    _on_server(postgres, f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"')
    _CREATED.append((postgres, database))
    return server.set(database=database).render_as_string(hide_password=False)


_CREATED: list[tuple[str, str]] = []


def drop_case_databases() -> None:
    """Drop the PostgreSQL databases the cases created."""
    while _CREATED:
        server, database = _CREATED.pop()
        _on_server(server, f'DROP DATABASE IF EXISTS "{database}"')


def _on_server(server: str, *statements: str) -> None:
    """Run `statements` on the PostgreSQL server itself (outside any transaction)."""
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    admin.dispose()


def fresh_database(url: str) -> tuple[str, int]:
    """`url`'s database migrated, with a borrower, a card and three limits; the card's id."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(
            session,
            email="bench@example.com",
            password=None,
            profile=UserBase(display_name="Bench", time_zone="America/New_York"),
            now=now,
        )
        assert user.id is not None
        account = open_account(
            session,
            user_id=user.id,
            data=AccountCreate(
                name="Card", currency="USD", closing_day=28, credit_limit_minor=10_000_000
            ),
            now=now,
        )
        # The borrower's own limits, so the event scenarios have work to do.
        for scope, target in (
            ("ideal_bill", None),
            ("sub_category", "coffee"),
            ("category", "food"),
        ):
            create_limit(
                session,
                user_id=user.id,
                scope=scope,
                target=target,
                period="month",
                currency="USD",
                amount_minor=500_000,
                now=now,
            )
        session.commit()
        assert account.id is not None
        account_id = account.id
    engine.dispose()
    return url, account_id


def report(label: str, count: int, took: Took, posts: int) -> None:
    """One case's rates and ratio, and what the scenarios add to each post (ms): a post of a
    few purchases is mostly the scenarios' fixed cost per post (a handful of small reads)."""
    stalls = (
        f" ({took.on_stalls} on, {took.off_stalls} off counted at the median as stalls)"
        if took.on_stalls or took.off_stalls
        else ""
    )
    print(
        f"{label}: on {count / took.on:,.0f} tx/s, off {count / took.off:,.0f} tx/s; "
        f"on/off ratio = {took.off / took.on:.2f} (target >= 0.8); per post "
        f"{took.off / posts * 1000:.2f} ms off, +{(took.on - took.off) / posts * 1000:.2f}"
        f" ms with the scenarios{stalls}",
        flush=True,
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--prefill",
        type=int,
        default=1_000_000,
        help="transactions already in the database (0 to skip)",
    )
    parser.add_argument("--repeats", type=int, default=2, help="on/off rounds (best is kept)")
    parser.add_argument(
        "--batch-rows", type=int, default=5_000, help="recent purchases posted in batches"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run the issuer posts on this PostgreSQL server (a database per case is created "
        "and dropped), e.g. postgresql://postgres@127.0.0.1:5432/postgres",
    )
    args = parser.parse_args()
    try:
        run(args)
    finally:
        drop_case_databases()


def run(args: argparse.Namespace) -> None:
    """Every case `main` was asked for."""
    postgres: str | None = args.postgres

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # The year up to today, so the newest days are recent purchases every event scenario
        # looks at (older ones are history they compare with).
        data = make_csv(args.rows, datetime.now(UTC).date() - timedelta(days=364), seed=1)
        # Warm up as a running service would be (categoriser compiled, caches filled).
        url, account_id = fresh_database(case_database(root, "warm"))
        import_rate(
            url,
            make_csv(2_000, date(2024, 1, 1), seed=2),
            account_id=account_id,
            user_tz="America/New_York",
        )
        # ... and the scenarios' messages rendered once (templates compiled, as the service
        # compiles them at start; locale data read).
        load_templates()
        interleaved(root, "warm", history=[], posts=operator_posts(500, batch=BATCH, seed=3))
        rss_before = peak_rss_mib()
        url, account_id = fresh_database(case_database(root, "empty"))
        seconds, created = import_rate(url, data, account_id=account_id, user_tz="America/New_York")
        assert created == args.rows, created
        empty_rate = created / seconds
        raw_seconds = raw_rate(root / "raw.db", data)
        raw = args.rows / raw_seconds
        print(
            f"import into an empty database: {created} rows in {seconds:.2f} s = {empty_rate:,.0f} tx/s"
        )
        print(
            f"raw sqlite3.executemany, same rows: {raw:,.0f} rows/s; ratio import/raw = {empty_rate / raw:.3f}"
        )
        print(
            f"peak RSS {peak_rss_mib():.0f} MiB (+{peak_rss_mib() - rss_before:.0f} MiB during the import)"
        )
        # All event scenarios on vs off, alternating, best of `--repeats` each (a shared machine).
        best: dict[bool, float] = {True: float("inf"), False: float("inf")}
        on_url = ""
        for round_ in range(args.repeats):
            for scenarios in (True, False):
                url, account_id = fresh_database(
                    case_database(root, f"scenarios-{scenarios}-{round_}")
                )
                took, _ = import_rate(
                    url,
                    data,
                    account_id=account_id,
                    user_tz="America/New_York",
                    scenarios=scenarios,
                )
                best[scenarios] = min(best[scenarios], took)
                on_url = url if scenarios else on_url
        print(
            f"file import, all event scenarios on: {args.rows / best[True]:,.0f} tx/s, "
            f"off: {args.rows / best[False]:,.0f} tx/s; "
            f"on/off ratio = {best[False] / best[True]:.2f} (target >= 0.8)"
        )
        print(f"  messages the scenarios queued: {queued_by_scenario(on_url)}")
        # The issuer posting in batches: each post goes to a database with the scenarios on and
        # to one with them off, alternately first; `--repeats` runs, each on fresh databases.
        if postgres:
            print(f"issuer posts on PostgreSQL ({make_url(postgres).host}):")
        for round_ in range(args.repeats):
            posts = operator_posts(args.batch_rows, batch=BATCH, seed=7 + round_)
            timed, on_url = interleaved(
                root, f"batches-{round_}", history=[], posts=posts, postgres=postgres
            )
            report(
                f"operator batches of {BATCH}, heavy borrower (two weeks, random order)",
                args.batch_rows,
                timed,
                len(posts),
            )
        print(f"  messages the scenarios queued (last run): {queued_by_scenario(on_url)}")
        # Borrowers who already have 90 days of history, posted day by day as they buy: a heavy
        # one 100 at a time, an everyday one a few at a time (each post pays the scenarios'
        # fixed cost). The first post of each day reads the day's new window.
        start = datetime.now(UTC) - timedelta(days=30)
        for label, per_day, batch, days in (
            ("heavy borrower, 350 purchases a day", 350, 100, 15),
            ("everyday borrower, 10 purchases a day", 10, 5, 30),
            ("everyday borrower, 10 purchases a day", 10, 1, 30),
        ):
            history = purchases(90 * per_day, now=start, back=(0, 90 * 1440), seed=11, tag="h")
            for round_ in range(args.repeats):
                posts = daily_posts(days, per_day=per_day, batch=batch, start=start)
                timed, on_url = interleaved(
                    root,
                    f"history-{per_day}-{batch}-{round_}",
                    history=history,
                    posts=posts,
                    postgres=postgres,
                )
                report(
                    f"{label} with 90 days of history, posts of {batch} over {days} days",
                    per_day * days,
                    timed,
                    len(posts),
                )
            print(f"  messages the scenarios queued (last run): {queued_by_scenario(on_url)}")

        if args.prefill:
            url, account_id = fresh_database(case_database(root, "full"))
            chunk = args.rows
            filled = 0
            started = time.perf_counter()
            while filled < args.prefill:
                size = min(chunk, args.prefill - filled)
                # Older dates, and a tag in the description so every row is a new transaction.
                start_day = date(2019, 1, 1) + timedelta(days=filled // 300)
                old = make_csv(size, start_day, seed=100 + filled, tag=f" P{filled}")
                _, made = import_rate(url, old, account_id=account_id, user_tz="America/New_York")
                filled += made
                print(
                    f"  prefill {filled:,}/{args.prefill:,} ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
            seconds, created = import_rate(
                url, data, account_id=account_id, user_tz="America/New_York"
            )
            full_rate = created / seconds
            print(
                f"import into a database holding {filled:,}: {created} rows in {seconds:.2f} s = {full_rate:,.0f} tx/s"
            )
            print(f"ratio full/empty = {full_rate / empty_rate:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
