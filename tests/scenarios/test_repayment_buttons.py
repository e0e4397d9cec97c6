"""The buttons on repayment nudges: ids the chat bot answers, titles WhatsApp accepts."""

from __future__ import annotations

import pytest

from billbot.scenarios.due_dates import repayment_buttons


@pytest.mark.parametrize(
    ("locale", "titles"),
    [
        ("en", ["Ways to pay", "I've paid", "Remind me tomorrow"]),
        ("zh-CN", ["还款方式", "我已还款", "明天提醒我"]),
        ("fr", ["Ways to pay", "I've paid", "Remind me tomorrow"]),  # no French: English
    ],
)
def test_buttons_name_the_statement_and_fit_whatsapp(locale: str, titles: list[str]) -> None:
    buttons = repayment_buttons(42, locale)
    assert [i for i, _ in buttons] == ["options:42", "paid:42", "snooze:42"]
    assert [t for _, t in buttons] == titles
    # WhatsApp reply buttons: at most 3, titles at most 20 characters, ids at most 256.
    assert len(buttons) <= 3
    assert all(len(t) <= 20 and len(i) <= 256 for i, t in buttons)
