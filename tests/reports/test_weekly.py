"""Weekly reports through the API and CLI: stored once, equal to the breakdown, in two languages."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from billbot.clock import FrozenClock
from billbot.reports.models import WeeklyReport
from billbot.reports.weekly import generate, parse_week


def test_report_matches_the_breakdown_and_is_stored_once(
    client: TestClient, demo: Any, engine: Engine, clock: FrozenClock
) -> None:
    report = client.get("/v1/reports/weekly/2026-W45", headers=demo.headers).json()
    assert report["week"]["start"] == "2026-11-02" and report["week"]["end"] == "2026-11-08"
    breakdown = client.get(
        "/v1/breakdowns", params={"from": "2026-11-02", "to": "2026-11-08"}, headers=demo.headers
    ).json()
    totals = {c["currency"]: c["total_spent_minor"] for c in breakdown["currencies"]}
    assert {c["currency"]: c["total_spent_minor"] for c in report["currencies"]} == totals
    assert 1 <= len(report["insights"]) <= 5
    assert all(item["text"]["en"] and item["text"]["zh-CN"] for item in report["insights"])
    listed = client.get("/v1/reports/weekly", headers=demo.headers).json()
    assert [r["week_start"] for r in listed] == ["2026-11-02"]
    with Session(engine) as session:
        # Generating the week again, for everyone, changes nothing already stored.
        assert generate(session, week_of=parse_week("2026-W45"), now=clock.now()) == 0
        session.commit()
        assert len(session.exec(select(WeeklyReport)).all()) == 1
    assert client.get("/v1/reports/weekly/2026-W99", headers=demo.headers).status_code == 422


def test_cli_prints_text(demo: Any, engine: Engine, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from billbot.cli import app as cli
    from billbot.db import get_engine
    from billbot.demo.seed import DEMO_EMAIL
    from billbot.settings import get_settings

    monkeypatch.setenv("BILLBOT_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        text = CliRunner().invoke(
            cli,
            ["report", "weekly", "--user", DEMO_EMAIL, "--week", "2026-W45", "--format", "text"],
        )
        assert text.exit_code == 0, text.output
        assert text.stdout.startswith("2026-11-02") and "¥" in text.stdout
        as_json = CliRunner().invoke(
            cli, ["report", "weekly", "--user", DEMO_EMAIL, "--week", "2026-W45"]
        )
        assert json.loads(as_json.stdout)["week"]["start"] == "2026-11-02"
    finally:
        get_engine().dispose()
        get_settings.cache_clear()
        get_engine.cache_clear()
