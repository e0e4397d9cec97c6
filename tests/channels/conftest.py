"""Fixtures for the channel adapters: fake provider endpoints, fixed clocks, shared payloads."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

WEBHOOK_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "webhooks"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

Responder = Callable[[httpx.Request], httpx.Response]


class FakeProvider:
    """A provider endpoint behind `httpx.MockTransport`: records requests, answers as scripted."""

    def __init__(self, default: Responder) -> None:
        self.default = default
        self.requests: list[httpx.Request] = []
        self.script: deque[httpx.Response | Exception] = deque()

    def answer(self, *responses: httpx.Response | Exception) -> None:
        """Answer the next requests with these responses (or raise these exceptions)."""
        self.script.extend(responses)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            scripted = self.script.popleft()
            if isinstance(scripted, Exception):
                raise scripted
            return scripted
        return self.default(request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    @property
    def last_json(self) -> Any:
        return json.loads(self.requests[-1].content)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake_provider() -> Callable[[Responder], FakeProvider]:
    """Build a `FakeProvider` with a default responder."""
    return FakeProvider


@pytest.fixture
def webhook_fixtures() -> Path:
    """The folder of captured provider payloads shared by the team."""
    return WEBHOOK_FIXTURES


@pytest.fixture
def now() -> datetime:
    return NOW
