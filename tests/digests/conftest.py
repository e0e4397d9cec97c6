"""Fixtures for the digest tests: a fixed report, a local SMTP server, a borrower with a week."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture
def fixed_report() -> dict[str, Any]:
    """A rich weekly report (limits, dues, insights, a touch) frozen as JSON."""
    report: dict[str, Any] = json.loads((GOLDEN / "report_fixed.json").read_text("utf-8"))
    return report


class _Inbox:
    """Stores every message the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) and what it received."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def spend_week(
    client: TestClient, make_account: Any, operator_headers: dict[str, str]
) -> Callable[..., Any]:
    """Post a few purchases in the local week of 9-15 November 2026 for a borrower."""

    def post(user: Any, currency: str = "CNY") -> Any:
        account = make_account(user.id, currency=currency)
        items = [
            ("LUCKIN COFFEE", "5814", 3200, datetime(2026, 11, 9, 2, tzinfo=UTC)),
            ("MEITUAN WAIMAI", "5812", 4580, datetime(2026, 11, 10, 4, tzinfo=UTC)),
            ("HEMA FRESHIPPO", "5411", 18990, datetime(2026, 11, 12, 9, tzinfo=UTC)),
            ("DIDI CHUXING", "4121", 2350, datetime(2026, 11, 14, 12, tzinfo=UTC)),
        ]
        batch = {
            "transactions": [
                {
                    "external_id": f"w{n}",
                    "posted_at": at.isoformat(),
                    "amount_minor": amount,
                    "merchant": merchant,
                    "mcc": mcc,
                }
                for n, (merchant, mcc, amount, at) in enumerate(items)
            ]
        }
        response = client.post(
            f"/operator/v1/accounts/{account.id}/transactions",
            json=batch,
            headers=operator_headers,
        )
        assert response.status_code == 200, response.text
        return account

    return post
