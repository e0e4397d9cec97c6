"""The scheduler: one sweep leader among instances; the app starts and stops it cleanly."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from billbot.app import create_app
from billbot.scheduler import acquire_leadership
from channels import FakeChannel


def test_one_leader(engine: Engine) -> None:
    first = acquire_leadership(engine)
    second = acquire_leadership(engine)
    try:
        assert first.leader
        # PostgreSQL: the advisory lock is held by the first; SQLite has one process, which leads.
        assert second.leader is (engine.dialect.name != "postgresql")
    finally:
        first.release()
        second.release()
    third = acquire_leadership(engine)
    assert third.leader
    third.release()


def test_app_runs_the_scheduler_when_enabled(engine: Engine, clock: Any, settings: Any) -> None:
    enabled = settings.model_copy(
        update={"scheduler_enabled": True, "sweep_seconds": 3600, "dispatch_seconds": 3600}
    )
    app = create_app(settings=enabled, engine=engine, clock=clock, channels={"fake": FakeChannel()})
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
