"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when asked), a clock, an app."""

from __future__ import annotations

import os

# Cheap password hashing for tests (the production default costs ~250 ms a sign-in by design).
os.environ.setdefault("BILLBOT_ARGON2_TIME_COST", "1")
os.environ.setdefault("BILLBOT_ARGON2_MEMORY_KIB", "64")
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

import billbot.models  # noqa: F401 - every table on the metadata
from billbot.accounts.schemas import AccountCreate
from billbot.accounts.service import open_account
from billbot.app import create_app
from billbot.clock import FrozenClock
from billbot.db import make_engine, upgrade
from billbot.outbox.service import forget_told
from billbot.settings import Settings
from billbot.transactions.ingest import NewTransaction, ingest
from billbot.users.schemas import UserBase
from billbot.users.service import OPERATOR_SCOPES, create_api_key, create_user

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    """The real-world fixtures live beside the checkout; without them many tests would not run."""
    if not (SHARED / "fixtures").is_dir():
        raise pytest.UsageError(f"the shared fixtures are missing: expected {SHARED / 'fixtures'}")


PASSWORD = "correct horse battery"


def _test_database_url(tmp_root: Path) -> str:
    return os.environ.get("BILLBOT_TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.db'}"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database migrated with `alembic upgrade head`, shared by the whole run."""
    url = _test_database_url(tmp_path_factory.mktemp("db"))
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts from empty tables (the schema stays)."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine: Engine = request.getfixturevalue("engine")
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f"DELETE FROM {name}"))
    forget_told()  # the outbox was emptied, which the process could not see


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 16, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings() -> Settings:
    return Settings(
        environment="test", secret_key="test-secret-" + "x" * 32, login_attempts_per_window=3
    )


@pytest.fixture
def app(engine: Engine, clock: FrozenClock, settings: Settings) -> Any:
    return create_app(settings=settings, engine=engine, clock=clock)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


@pytest.fixture
def make_user(engine: Engine, clock: FrozenClock) -> Callable[..., Any]:
    """Create a borrower with the test password; returns the User."""

    def make(email: str = "ana@example.com", **profile: Any) -> Any:
        profile.setdefault("display_name", email.split("@")[0].title())
        with Session(engine, expire_on_commit=False) as s:
            user = create_user(
                s, email=email, password=PASSWORD, profile=UserBase(**profile), now=clock.now()
            )
            s.commit()
            return user

    return make


@pytest.fixture
def post_at(engine: Engine) -> Callable[..., None]:
    """Ingest one transaction on a user's account, posted (and received) at `at`, committed."""

    def post(account: Any, user: Any, at: datetime, **fields: Any) -> None:
        with Session(engine) as session:
            ingest(
                session,
                account=account,
                time_zone=user.time_zone,
                items=[NewTransaction(posted_at=at, **fields)],
                now=at,
            )
            session.commit()

    return post


@pytest.fixture
def make_account(engine: Engine, clock: FrozenClock) -> Callable[..., Any]:
    """Open an account for a user id; keyword arguments override AccountCreate defaults."""

    def make(user_id: int, **fields: Any) -> Any:
        fields.setdefault("name", "Everyday Card")
        fields.setdefault("currency", "USD")
        with Session(engine, expire_on_commit=False) as s:
            account = open_account(
                s, user_id=user_id, data=AccountCreate(**fields), now=clock.now()
            )
            s.commit()
            return account

    return make


@pytest.fixture
def purchases_context() -> Callable[..., Any]:
    """An `EventContext` for a borrower's stored purchases, as a batch of them would give
    the event scenarios (its account the first purchase's)."""
    from billbot.scenarios.events import EventContext, Purchase, read_profile

    def make(session: Session, user_id: int, stored: list[Any], now: datetime) -> EventContext:
        profile = read_profile(session, user_id)
        assert profile is not None
        return EventContext(
            session,
            profile,
            account_id=stored[0].account_id,
            now=now,
            purchases=[
                Purchase(
                    t.account_id,
                    t.external_id,
                    t.posted_at,
                    t.local_date,
                    t.amount_minor,
                    t.currency,
                    t.merchant_name or "",
                    t.category,
                    t.sub_category,
                )
                for t in stored
            ],
        )

    return make


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    """Sign in and return the Authorization header."""

    def do(email: str) -> dict[str, str]:
        response = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return do


@pytest.fixture
def operator_headers(engine: Engine, clock: FrozenClock) -> dict[str, str]:
    with Session(engine) as s:
        _, key = create_api_key(
            s,
            name="issuer",
            scopes=set(OPERATOR_SCOPES),
            now=clock.now(),
        )
        s.commit()
    return {"X-API-Key": key}


@pytest.fixture
def demo(client: TestClient, engine: Engine, clock: FrozenClock, app: Any) -> Any:
    """The demo borrower seeded as `billbot demo` does; `.headers` signs in as them."""
    from billbot.demo.seed import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    with Session(engine, expire_on_commit=False) as session:
        seeded = seed_demo(session, now=clock.now(), categorise=app.state.categorise)
        session.commit()
    credentials = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    token = client.post("/v1/auth/login", json=credentials).json()["access_token"]
    return SimpleNamespace(seed=seeded, headers={"Authorization": f"Bearer {token}"})
