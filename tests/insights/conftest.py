"""Small transaction frames for insights tests: one dict per row, defaults for the rest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest

DEFAULT_ROW: dict[str, Any] = {
    "user_id": 1,
    "account_id": 10,
    "local_date": date(2026, 10, 5),
    "amount_minor": 1000,
    "currency": "USD",
    "kind": "purchase",
    "status": "posted",
    "category": "food",
    "sub_category": "coffee",
    "merchant_name": "Luckin Coffee",
    "installment_plan_id": None,
}

OCTOBER = {
    "start": date(2026, 10, 1),
    "end": date(2026, 10, 31),
    "prev_start": date(2026, 9, 1),
    "prev_end": date(2026, 9, 30),
}


def tx_frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """Build a transaction frame, numbering transactions in order."""
    records = [DEFAULT_ROW | {"transaction_id": number} | row for number, row in enumerate(rows, 1)]
    frame = pd.DataFrame(records, columns=[*DEFAULT_ROW, "transaction_id"])
    return frame.astype({"installment_plan_id": "Int64"})


@pytest.fixture(scope="session")
def make_tx() -> Callable[..., pd.DataFrame]:
    """Build a transaction frame from row overrides."""
    return tx_frame


@pytest.fixture(scope="session")
def october() -> dict[str, date]:
    """October 2026 compared with September 2026."""
    return dict(OCTOBER)
