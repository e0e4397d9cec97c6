"""The record types, their fast constructor and the stable ids."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from hashlib import sha256
from typing import Any

import pytest

from billbot.imports import ParsedTransaction
from billbot.imports.records import StableIds, build_transaction

VALUES: dict[str, Any] = {
    "line": 7,
    "external_id": "csv:abc",
    "posted_date": date(2026, 1, 2),
    "posted_at": datetime(2026, 1, 2, 9, 30, tzinfo=UTC),
    "amount_minor": 1250,
    "currency": "USD",
    "description": "Coffee",
    "mcc": "5814",
    "kind": "purchase",
    "source_account": None,
}


def test_fast_constructor_builds_the_same_frozen_record() -> None:
    fast = build_transaction(*VALUES.values())
    assert fast == ParsedTransaction(**VALUES)
    assert hash(fast) == hash(ParsedTransaction(**VALUES))
    assert dataclasses.asdict(fast) == VALUES
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.amount_minor = 0  # type: ignore[misc]


def test_stable_ids_hash_date_amount_description_and_repeat_count() -> None:
    ids = StableIds("qif:")
    first = ids.next_id(date(2026, 1, 2), 450, "Coffee")
    second = ids.next_id(date(2026, 1, 2), 450, "Coffee")
    assert first == "qif:" + sha256(b"2026-01-02|450|Coffee|0").hexdigest()[:32]
    assert second == "qif:" + sha256(b"2026-01-02|450|Coffee|1").hexdigest()[:32]
    assert StableIds("qif:").next_id(date(2026, 1, 2), 450, "Coffee") == first
