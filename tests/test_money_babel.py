"""`format_money` formats exactly as Babel's `format_currency` does, for every locale we serve."""

from __future__ import annotations

import random

import pytest
from babel.numbers import format_currency

from billbot.money import format_money, to_major


@pytest.mark.parametrize("locale", ["en", "zh-CN", "de-DE", "ja", "fr", "ar-EG", "en-IN"])
@pytest.mark.parametrize("currency", ["USD", "CNY", "JPY", "EUR", "KWD", "INR"])
def test_same_text_as_babel(locale: str, currency: str) -> None:
    rng = random.Random(f"{locale}{currency}")
    for amount in [
        0,
        1,
        -1,
        99,
        100,
        123_456_789,
        -5_000,
        *(rng.randint(-(10**9), 10**9) for _ in range(50)),
    ]:
        expected = format_currency(
            to_major(amount, currency), currency, locale=locale.replace("-", "_")
        )
        assert format_money(amount, currency, locale) == expected
