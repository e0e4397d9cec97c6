"""`billbot demo`: reminders show on the console channel within a minute of starting."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from billbot.channel_config import build_channels
from billbot.cli.servecmd import demo_settings
from billbot.clock import FrozenClock
from billbot.outbox.dispatcher import Dispatcher
from billbot.scheduler import run_sweeps
from channels import ConsoleSettings


def test_the_demo_schedule_shows_reminders_within_a_minute(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path / "demo.db")
    assert settings.scheduler_enabled
    assert settings.database_url == f"sqlite:///{tmp_path / 'demo.db'}"
    # The first sweep runs one interval after start, the first dispatch right after it.
    assert settings.sweep_seconds + settings.dispatch_seconds <= 30
    assert "console" in build_channels(settings)


def test_the_seeded_borrower_gets_reminders_on_the_console(
    engine: Engine, clock: FrozenClock, demo: Any, tmp_path: Path
) -> None:
    stream = io.StringIO()
    channels = build_channels(
        demo_settings(tmp_path / "demo.db"), console=ConsoleSettings(stream=stream)
    )
    counts = run_sweeps(engine, clock)  # what the demo's scheduler does 15 s after start
    assert counts["due_reminders"] + counts["statement_ready"] >= 1
    report = asyncio.run(Dispatcher(engine, channels, clock).run_once())
    assert report.outcomes["sent"] >= 1
    shown = stream.getvalue()
    assert "--- to mei@demo.billbot.dev" in shown
    assert "Mei" in shown and "[1] Ways to pay" in shown
