"""The default money formatter is exact, and percentages round half up."""

from __future__ import annotations

import pytest

from insights.weekly_text import exact_money, percent, render_touch, slug_name


@pytest.mark.parametrize(
    ("amount_minor", "currency", "text"),
    [
        (31_200, "CNY", "¥312"),
        (31_250, "CNY", "¥312.50"),
        (123_456_789, "USD", "$1,234,567.89"),
        (5, "EUR", "€0.05"),
        (-1_999, "GBP", "-£19.99"),
        (1_500, "JPY", "¥1,500"),
        (1_250, "KWD", "KWD 1.250"),
        (1_000, "KWD", "KWD 1"),
        (42, "CHF", "CHF 0.42"),
        (0, "USD", "$0"),
    ],
)
def test_exact_money(amount_minor: int, currency: str, text: str) -> None:
    assert exact_money(amount_minor, currency, "en") == text
    assert exact_money(amount_minor, currency, "zh-CN") == text


def test_percent_rounds_half_up_on_the_magnitude() -> None:
    assert [percent(bps) for bps in (4_512, 4_550, 4_549, -8_750, 0, 49)] == [45, 46, 45, 88, 0, 0]


def test_slugs_read_as_words_and_touches_render_in_both_languages() -> None:
    assert slug_name("food_delivery") == "food delivery"
    text = render_touch(
        "steady_week",
        {"currency": "USD", "bps": -250},
        format_money=exact_money,
        display_name=slug_name,
    )
    assert text == {
        "en": "A steady week: within 3% of your 4-week average.",
        "zh-CN": "本周消费平稳，与近4周平均相差不超过3%。",
    }
