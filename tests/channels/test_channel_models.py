"""The neutral request and event types, keywords, errors and small parsing rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels import (
    ChannelError,
    DeliveryError,
    FailureReason,
    Headers,
    HelpRequested,
    InboundRequest,
    OptIn,
    OptOut,
    OutboundMessage,
    PermanentError,
    RateLimited,
    SendResult,
    SignatureError,
    TextReceived,
    TransientError,
    UnknownChannelError,
)
from channels._base import from_timestamp, parse_retry_after
from channels._keywords import keyword_event

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def test_headers_are_case_insensitive_and_keep_the_first_value() -> None:
    headers = Headers([("X-Slack-Signature", "v0=a"), ("x-slack-signature", "v0=b"), ("Host", "h")])
    assert headers["x-SLACK-signature"] == "v0=a"
    assert "HOST" in headers and "Cookie" not in headers and 5 not in headers  # type: ignore[operator]
    assert len(headers) == 2 and list(headers) == ["X-Slack-Signature", "Host"]
    assert headers.get("missing") is None


def test_inbound_request_derives_the_query_and_keeps_the_url_verbatim() -> None:
    request = InboundRequest(
        "get", "https://Bot.Example.com/hook?hub.mode=subscribe&hub.challenge=&x=1", {"A": "b"}
    )
    assert request.method == "GET"
    assert request.url == "https://Bot.Example.com/hook?hub.mode=subscribe&hub.challenge=&x=1"
    assert request.query == {"hub.mode": "subscribe", "hub.challenge": "", "x": "1"}
    assert isinstance(request.headers, Headers) and request.headers["a"] == "b"


def test_form_keeps_order_repeats_and_blanks() -> None:
    request = InboundRequest("POST", "https://x/", {}, b"b=2&a=1&b=3&c=&d=%E9%80%80%E8%AE%A2")
    assert request.form() == [("b", "2"), ("a", "1"), ("b", "3"), ("c", ""), ("d", "退订")]


def test_outbound_buttons_become_a_tuple_and_results_list_their_parts() -> None:
    message = OutboundMessage("u", "t", buttons=[])  # type: ignore[arg-type]
    assert message.buttons == ()
    assert SendResult("m1").part_ids == ("m1",)


@pytest.mark.parametrize(
    ("text", "kind", "keyword"),
    [
        ("STOP", OptOut, "STOP"),
        ("stop!", OptOut, "STOP"),
        ("退订。", OptOut, "退订"),
        ("unsubscribe", OptOut, "UNSUBSCRIBE"),
        ("Start", OptIn, "START"),
        ("订阅", OptIn, "订阅"),
        ("help", HelpRequested, "HELP"),
        ("帮助", HelpRequested, "帮助"),
    ],
)
def test_keywords(text: str, kind: type, keyword: str) -> None:
    event = keyword_event(sender="s", text=text, provider_message_id="m", chat_id="c", at=NOW)
    assert type(event) is kind and event.keyword == keyword  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("TD", OptOut), ("cancel", OptOut), ("Quit", OptOut), ("yes", OptIn), ("info", HelpRequested)],
)
def test_carrier_words_are_keywords_on_sms_and_conversation_in_chat_apps(
    text: str, kind: type
) -> None:
    common = {"sender": "s", "text": text, "provider_message_id": "m", "chat_id": "c", "at": NOW}
    assert type(keyword_event(carrier=True, **common)) is kind  # type: ignore[arg-type]
    assert keyword_event(**common) == TextReceived("s", text, "m", "c", NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["stop it", "don't stop", "STOPP", "/stop", "我要退订吗", ""])
def test_non_keywords_are_text(text: str) -> None:
    event = keyword_event(sender="s", text=text, provider_message_id="m", chat_id="c", at=NOW)
    assert event == TextReceived("s", text, "m", "c", NOW)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("12", 12.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Fri, 14 Mar 2025 09:31:30 GMT", 90.0),
        ("Fri, 14 Mar 2025 09:00:00 GMT", 0.0),
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1441645532, datetime(2015, 9, 7, 17, 5, 32, tzinfo=UTC)),
        ("1441645532", datetime(2015, 9, 7, 17, 5, 32, tzinfo=UTC)),
        (1458692752478, datetime(2016, 3, 23, 0, 25, 52, 478000, tzinfo=UTC)),
        ("1355517523.000005", None),
        (None, NOW),
        ("yesterday", NOW),
        (1e30, NOW),
    ],
)
def test_provider_timestamps(value: object, expected: datetime | None) -> None:
    result = from_timestamp(value, NOW)
    if expected is None:
        assert result.timestamp() == pytest.approx(1355517523.000005)
    else:
        assert result == expected
    assert result.tzinfo is not None


def test_the_error_tree() -> None:
    for error in (RateLimited(3), TransientError("x"), PermanentError(FailureReason.REJECTED)):
        assert isinstance(error, DeliveryError) and isinstance(error, ChannelError)
    assert issubclass(SignatureError, ChannelError) and issubclass(UnknownChannelError, LookupError)
    assert str(RateLimited(2.5)) == "rate limited (retry after 2.5s)"
    assert str(PermanentError("outside_session_window", "more than 24 hours")) == (
        "outside_session_window: more than 24 hours"
    )
    assert str(PermanentError(FailureReason.INVALID_RECIPIENT)) == "invalid_recipient"
    assert FailureReason.OUTSIDE_SESSION_WINDOW == "outside_session_window"
