"""The plain (string operations) path of `format_money` gives Babel's text, or is not taken."""

from __future__ import annotations

from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from billbot.money import _plain_format, format_money, to_major

LOCALES = ["en", "zh-CN", "de-DE", "fr", "ja", "ar-EG", "en-IN", "de-CH", "pt-BR", "ru", "es"]
CURRENCIES = ["USD", "CNY", "JPY", "EUR", "KWD", "INR", "CHF", "BRL", "GBP", "HUF"]


@given(
    amount=st.integers(0, 10**15),
    locale=st.sampled_from(LOCALES),
    currency=st.sampled_from(CURRENCIES),
)
def test_same_text_as_babel_for_any_amount(amount: int, locale: str, currency: str) -> None:
    expected = format_currency(
        to_major(amount, currency), currency, locale=locale.replace("-", "_")
    )
    assert format_money(amount, currency, locale) == expected


def test_taken_for_the_usual_locales_and_refused_where_digits_group_otherwise() -> None:
    assert _plain_format("en", "USD") is not None
    assert _plain_format("zh-CN", "CNY") is not None
    assert _plain_format("en-IN", "INR") is None  # 12,34,567.00: lakh grouping
