"""The shared text helpers: SMS measuring, splitting, truncation, button fallback, escaping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels import (
    Button,
    ButtonFallback,
    ButtonLimits,
    Capabilities,
    FailureReason,
    Markup,
    OutboundMessage,
    Overflow,
    PermanentError,
    TextMeasure,
)
from channels.text import (
    escape_text,
    fits_function,
    numbered_options,
    render_message,
    sms_length,
    split_text,
    truncate_text,
)


def at_most(n: int):  # type: ignore[no-untyped-def]
    return lambda text: len(text) <= n


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters cost two septets
        ("{" * 81, "GSM-7", 162, 2),
        ("Ça coûte 5 £", "UCS-2", 12, 1),  # û is not GSM-7
        ("还" * 70, "UCS-2", 70, 1),
        ("还" * 71, "UCS-2", 71, 2),
        ("还" * 134, "UCS-2", 134, 2),
        ("还" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),  # astral characters take two UTF-16 units
        ("Due: 120 €, pay now", "GSM-7", 20, 1),
    ],
)
def test_sms_length(text: str, encoding: str, units: int, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_split_prefers_paragraphs_then_sentences_then_words() -> None:
    text = "First one. Second one.\n\nThird paragraph here.\n\nA" + " word" * 12
    assert split_text(text, at_most(25)) == [
        "First one. Second one.",
        "Third paragraph here.",
        "A word word word word",
        "word word word word word",
        "word word word",
    ]


def test_split_handles_cjk_sentences_and_unbroken_text() -> None:
    assert split_text("本期账单已出。请按时还款！谢谢", at_most(7)) == [
        "本期账单已出。",
        "请按时还款！",
        "谢谢",
    ]
    assert split_text("x" * 25, at_most(10)) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_keeps_short_text_whole() -> None:
    assert split_text("  Short.  ", at_most(10)) == ["Short."]
    assert split_text("", at_most(10)) == []


@given(st.text(alphabet=st.sampled_from("ab .\n。"), max_size=400), st.integers(5, 60))
def test_split_parts_fit_and_lose_no_words(text: str, limit: int) -> None:
    parts = split_text(text, at_most(limit))
    assert all(0 < len(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


@given(st.text(max_size=300), st.integers(3, 80))
def test_truncate_fits_and_keeps_a_prefix(text: str, limit: int) -> None:
    result = truncate_text(text, at_most(limit), "…")
    assert len(result) <= limit
    if len(text.strip()) > limit:
        assert result.endswith("…")
        assert text.strip().startswith(result[:-1].rstrip(" \t\n,;:.。，；"))


def test_truncate_cuts_at_a_word_boundary() -> None:
    assert truncate_text("Pay the statement balance today", at_most(20)) == "Pay the statement…"


def test_numbered_options_in_english_and_chinese() -> None:
    buttons = (Button("pay", "Pay now"), Button("later", "Remind me later"))
    assert numbered_options(buttons) == "Reply 1 for Pay now, 2 for Remind me later."
    assert numbered_options(buttons, "zh-CN") == "请回复数字：1 Pay now；2 Remind me later。"


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (Markup.PLAIN, "a<b> & c_d."),
        (Markup.TELEGRAM_HTML, "a&lt;b&gt; &amp; c_d."),
        (Markup.HTML, "a&lt;b&gt; &amp; c_d."),
        (Markup.TELEGRAM_MARKDOWN_V2, "a<b\\> & c\\_d\\."),
        (Markup.SLACK_MRKDWN, "a&lt;b&gt; &amp; c_d."),
    ],
)
def test_escape_text(markup: Markup, expected: str) -> None:
    assert escape_text("a<b> & c_d.", markup) == expected


SMS = Capabilities(
    max_text_length=1600,
    overflow=Overflow.TRUNCATE,
    measure=TextMeasure.SMS_SEGMENTS,
    max_segments=2,
    ellipsis="...",
)
CHAT = Capabilities(
    max_text_length=100,
    buttons=ButtonLimits(max_count=2, max_title_length=10, max_id_bytes=8, max_text_length=40),
)


def test_sms_truncation_keeps_the_numbered_options() -> None:
    message = OutboundMessage(
        "+1", "Your bill is due. " * 40, buttons=(Button("1", "Pay"), Button("2", "Later"))
    )
    (part,) = render_message(message, SMS).parts
    assert part.endswith("...\n\nReply 1 for Pay, 2 for Later.")
    assert sms_length(part).segments <= 2


def test_sms_in_chinese_is_budgeted_in_ucs2_segments() -> None:
    message = OutboundMessage("+86", "您的账单将于周五到期，请按时还款。" * 20, locale="zh-CN")
    (part,) = render_message(message, SMS).parts
    assert sms_length(part).segments == 2 and part.endswith("...")


def test_buttons_shorten_titles_and_shrink_the_last_part() -> None:
    message = OutboundMessage(
        "u", "Sentence number one. " * 4, buttons=(Button("a", "A very long title"),)
    )
    rendered = render_message(message, CHAT)
    assert rendered.buttons == (Button("a", "A very lo…"),)
    assert len(rendered.parts[-1]) <= 40
    assert all(len(part) <= 100 for part in rendered.parts)


def test_too_many_buttons_fall_back_to_numbered_text() -> None:
    buttons = tuple(Button(str(n), f"Option {n}") for n in range(1, 4))
    rendered = render_message(OutboundMessage("u", "Pick one.", buttons=buttons), CHAT)
    assert rendered.buttons == ()
    assert rendered.parts == ("Pick one.\n\nReply 1 for Option 1, 2 for Option 2, 3 for Option 3.",)


def test_channels_that_drop_buttons_send_only_the_text() -> None:
    caps = Capabilities(max_text_length=None, buttons=ButtonLimits(fallback=ButtonFallback.DROP))
    rendered = render_message(OutboundMessage("u", "Hi", buttons=(Button("a", "A"),)), caps)
    assert rendered == type(rendered)(parts=("Hi",), buttons=())


@pytest.mark.parametrize("button_id", ["", "x" * 9, "账单账单"])
def test_button_ids_beyond_the_limit_are_invalid_messages(button_id: str) -> None:
    message = OutboundMessage("u", "Pick", buttons=(Button(button_id, "Go"),))
    with pytest.raises(PermanentError) as caught:
        render_message(message, CHAT)
    assert caught.value.reason == FailureReason.INVALID_MESSAGE


def test_empty_text_is_an_invalid_message() -> None:
    with pytest.raises(PermanentError, match="empty"):
        render_message(OutboundMessage("u", "   "), CHAT)


def test_fits_function_combines_character_and_segment_limits() -> None:
    fits = fits_function(SMS, limit=200)
    assert fits("a" * 200) and not fits("a" * 201)
    assert fits("还" * 134) and not fits("还" * 135)
