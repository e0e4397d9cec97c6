"""Twilio SMS: the Messages API request, error codes, segment budget and signed form webhooks."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from channels import (
    Button,
    DeliveryState,
    DeliveryStatus,
    FailureReason,
    HelpRequested,
    Ignored,
    InboundRequest,
    OptIn,
    OptOut,
    OutboundMessage,
    PermanentError,
    RateLimited,
    SignatureError,
    TextReceived,
    TwilioSmsChannel,
    TwilioSmsSettings,
)
from channels.text import sms_length

SID, TOKEN = "AC1234567890abcdef1234567890abcdef", "12345"
SETTINGS = TwilioSmsSettings(
    account_sid=SID,
    auth_token=TOKEN,
    from_number="+15017122661",
    api_base_url="https://twilio.test",
)
WEBHOOK = "https://bot.example.com/hooks/sms"


def form_request(url: str, params: list[tuple[str, str]], signature: str | None) -> InboundRequest:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return InboundRequest("POST", url, headers, urlencode(params).encode())


def twilio_signed(url: str, params: dict[str, str], token: str = TOKEN) -> InboundRequest:
    """A request signed by Twilio's own validator, the independent peer."""
    signature = RequestValidator(token).compute_signature(url, params)
    return form_request(url, list(params.items()), signature)


def inbound_sms(body: str, **extra: str) -> dict[str, str]:
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
        "FromState": "CA",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "US",
        "To": "+15017122661",
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
        "AccountSid": SID,
        "From": "+14158675309",
        "ApiVersion": "2010-04-01",
    } | extra


def rehomed(request: InboundRequest) -> InboundRequest:
    """The same signed request arriving at our webhook URL instead of the one it was signed for."""
    return InboundRequest("POST", WEBHOOK, request.headers, request.body)


@pytest.fixture
def provider(fake_provider: Any) -> Any:
    return fake_provider(
        lambda request: httpx.Response(
            201, json={"sid": "SMb7c0a2ce80504485a6f653a7110836f5", "status": "queued"}
        )
    )


@pytest.mark.anyio
async def test_messages_api_form_post_with_basic_auth(provider: Any) -> None:
    channel = TwilioSmsChannel(SETTINGS, client=provider.client())
    buttons = (Button("pay", "Pay"), Button("later", "Later"))
    result = await channel.send(
        OutboundMessage("+14158675309", "Bill due Friday.", buttons=buttons)
    )
    request = provider.requests[-1]
    assert str(request.url) == f"https://twilio.test/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    )
    assert dict(parse_qsl(request.content.decode())) == {
        "To": "+14158675309",
        "From": "+15017122661",
        "Body": "Bill due Friday.\n\nReply 1 for Pay, 2 for Later.",
    }
    assert result.provider_message_id == "SMb7c0a2ce80504485a6f653a7110836f5"


@pytest.mark.anyio
async def test_messaging_service_and_status_callback(fake_provider: Any) -> None:
    provider = fake_provider(lambda request: httpx.Response(201, json={"sid": "SM1"}))
    settings = TwilioSmsSettings(
        account_sid=SID,
        auth_token=TOKEN,
        messaging_service_sid="MG9752274e9e519418a7406176694466fa",
        status_callback_url="https://bot.example.com/hooks/sms/status",
        api_base_url="https://twilio.test",
    )
    await TwilioSmsChannel(settings, client=provider.client()).send(OutboundMessage("+1415", "Hi"))
    form = dict(parse_qsl(provider.requests[-1].content.decode()))
    assert form["MessagingServiceSid"] == "MG9752274e9e519418a7406176694466fa"
    assert form["StatusCallback"] == "https://bot.example.com/hooks/sms/status"
    assert "From" not in form


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "encoding"),
    [("Your statement is ready. " * 40, "GSM-7"), ("您的账单已出，请查看。" * 40, "UCS-2")],
)
async def test_long_bodies_are_truncated_to_three_segments(
    provider: Any, text: str, encoding: str
) -> None:
    await TwilioSmsChannel(SETTINGS, client=provider.client()).send(OutboundMessage("+1", text))
    body = dict(parse_qsl(provider.requests[-1].content.decode()))["Body"]
    length = sms_length(body)
    assert (length.encoding, length.segments) == (encoding, 3)
    assert body.endswith("...")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (400, 21610, FailureReason.RECIPIENT_UNSUBSCRIBED),
        (400, 21211, FailureReason.INVALID_RECIPIENT),
        (400, 21614, FailureReason.INVALID_RECIPIENT),
        (401, 20003, FailureReason.UNAUTHORIZED),
        (400, 21999, FailureReason.REJECTED),
    ],
)
async def test_permanent_error_codes(
    fake_provider: Any, status: int, code: int, reason: str
) -> None:
    body = {
        "code": code,
        "message": "refused",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    provider = fake_provider(lambda request: httpx.Response(status, json=body))
    with pytest.raises(PermanentError) as caught:
        await TwilioSmsChannel(SETTINGS, client=provider.client()).send(OutboundMessage("+1", "x"))
    assert caught.value.reason == reason and caught.value.provider_code == str(code)


@pytest.mark.anyio
async def test_error_20429_is_rate_limited_even_without_http_429(fake_provider: Any) -> None:
    body = {"code": 20429, "message": "Too Many Requests", "status": 400}
    provider = fake_provider(lambda request: httpx.Response(400, json=body))
    with pytest.raises(RateLimited) as caught:
        await TwilioSmsChannel(SETTINGS, client=provider.client()).send(OutboundMessage("+1", "x"))
    assert caught.value.retry_after is None


def test_the_documented_vectors_verify(webhook_fixtures: Path) -> None:
    vector = json.loads((webhook_fixtures / "twilio/signature_vector.json").read_text())
    channel = TwilioSmsChannel(
        TwilioSmsSettings(account_sid=SID, auth_token=vector["auth_token"], from_number="+1")
    )
    params = list(vector["params"].items())
    channel.verify(form_request(vector["url"], params, vector["X-Twilio-Signature"]))
    mixed = vector["extra_vectors_from_twilio_csharp_tests"]
    channel.verify(
        form_request(mixed["mixed_case_host_url"], params, mixed["mixed_case_host_signature"])
    )
    # The host's case is part of what Twilio signed: neither signature fits the other URL.
    for url, signature in [
        (vector["url"], mixed["mixed_case_host_signature"]),
        (mixed["mixed_case_host_url"], vector["X-Twilio-Signature"]),
    ]:
        with pytest.raises(SignatureError):
            channel.verify(form_request(url, params, signature))


@pytest.mark.parametrize(
    "url",
    [
        WEBHOOK,
        "https://bot.example.com:443/hooks/sms",
        "https://Bot.Example.com/hooks/sms?tenant=7&x=",
        "http://127.0.0.1:8000/hooks/sms",
    ],
)
def test_requests_signed_by_twilios_validator_verify(url: str) -> None:
    channel = TwilioSmsChannel(SETTINGS)
    request = twilio_signed(url, inbound_sms("Hello"))
    channel.verify(request)
    assert RequestValidator(TOKEN).validate(
        url, dict(request.form()), request.headers["X-Twilio-Signature"]
    )


def test_port_variants_match_like_twilios_validator() -> None:
    channel = TwilioSmsChannel(SETTINGS)
    params = inbound_sms("Hi")
    signed_with_port = RequestValidator(TOKEN).compute_signature(
        "https://bot.example.com:443/hooks/sms", params
    )
    channel.verify(form_request(WEBHOOK, list(params.items()), signed_with_port))
    signed_without = RequestValidator(TOKEN).compute_signature(WEBHOOK, params)
    channel.verify(
        form_request("https://bot.example.com:443/hooks/sms", list(params.items()), signed_without)
    )


def test_the_public_webhook_url_setting_wins_behind_a_proxy() -> None:
    settings = TwilioSmsSettings(
        account_sid=SID, auth_token=TOKEN, from_number="+1", webhook_url=WEBHOOK
    )
    request = twilio_signed(WEBHOOK, inbound_sms("Hi"))
    proxied = InboundRequest(
        "POST", "http://10.0.0.5:8000/hooks/sms", request.headers, request.body
    )
    TwilioSmsChannel(settings).verify(proxied)
    with pytest.raises(SignatureError):
        TwilioSmsChannel(SETTINGS).verify(proxied)


def test_repeated_parameters_are_signed_sorted() -> None:
    params = [("MediaUrl0", "b"), ("Body", "hi"), ("MediaUrl0", "a")]
    signature = RequestValidator(TOKEN).compute_signature(WEBHOOK, {"Body": "hi", "MediaUrl0": "a"})
    # Twilio's validator, given a multi-valued mapping, signs every value in sorted order.
    expected = RequestValidator(TOKEN).compute_signature(WEBHOOK, MultiDict(params))
    assert signature != expected
    TwilioSmsChannel(SETTINGS).verify(form_request(WEBHOOK, params, expected))


class MultiDict(dict[str, str]):
    """The multi-valued mapping shape Twilio's validator understands (like Flask's)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs

    def getall(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]


@pytest.mark.parametrize(
    "request_",
    [
        form_request(WEBHOOK, list(inbound_sms("Hello").items()), None),
        form_request(WEBHOOK, list(inbound_sms("Hello").items()), ""),
        twilio_signed(WEBHOOK, inbound_sms("Hello"), token="wrong-token"),
        rehomed(twilio_signed("https://evil.example.com/hooks/sms", inbound_sms("Hello"))),
        rehomed(twilio_signed("http://bot.example.com/hooks/sms", inbound_sms("Hello"))),
        rehomed(twilio_signed(WEBHOOK + "?tenant=7", inbound_sms("Hello"))),
    ],
)
def test_unsigned_wrongly_signed_or_elsewhere_signed_requests_are_rejected(
    request_: InboundRequest,
) -> None:
    with pytest.raises(SignatureError):
        TwilioSmsChannel(SETTINGS).verify(request_)


def test_a_tampered_body_is_rejected() -> None:
    request = twilio_signed(WEBHOOK, inbound_sms("Pay 10"))
    tampered = InboundRequest(
        "POST", WEBHOOK, request.headers, request.body.replace(b"Pay+10", b"Pay+99")
    )
    assert tampered.body != request.body
    with pytest.raises(SignatureError):
        TwilioSmsChannel(SETTINGS).verify(tampered)


def test_inbound_sms_with_every_documented_parameter(webhook_fixtures: Path, now: Any) -> None:
    names = json.loads((webhook_fixtures / "twilio/signature_vector.json").read_text())[
        "inbound_sms_param_names_per_twilio_docs"
    ]
    params = inbound_sms("How much do I owe?", MediaUrl0="", MediaContentType0="")
    assert set(names) <= set(params)
    request = twilio_signed(WEBHOOK, params)
    channel = TwilioSmsChannel(SETTINGS, clock=lambda: now)
    channel.verify(request)
    assert channel.parse(request) == [
        TextReceived(
            "+14158675309",
            "How much do I owe?",
            "SM1f0e8ae6ade43cb3c0ce4525424e404f",
            "+14158675309",
            now,
        )
    ]


@pytest.mark.parametrize(
    ("body", "kind", "keyword"),
    [
        (word, OptOut, word.upper())
        for word in ("STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT")
    ]
    + [(word, OptIn, word.upper()) for word in ("START", "yes", "Unstop")]
    + [(word, HelpRequested, word.upper()) for word in ("HELP", "info")]
    + [(" Stop. ", OptOut, "STOP"), ("退订", OptOut, "退订")],
)
def test_carrier_keywords(body: str, kind: type, keyword: str) -> None:
    (event,) = TwilioSmsChannel(SETTINGS).parse(twilio_signed(WEBHOOK, inbound_sms(body)))
    assert type(event) is kind and event.keyword == keyword


@pytest.mark.parametrize(
    "body", ["Please stop reminding me on Sundays", "yes please", "help me pay"]
)
def test_sentences_containing_keywords_are_just_text(body: str) -> None:
    (event,) = TwilioSmsChannel(SETTINGS).parse(twilio_signed(WEBHOOK, inbound_sms(body)))
    assert isinstance(event, TextReceived)


def test_advanced_opt_out_classification_is_trusted() -> None:
    request = twilio_signed(WEBHOOK, inbound_sms("arret", OptOutType="STOP"))
    (event,) = TwilioSmsChannel(SETTINGS).parse(request)
    assert isinstance(event, OptOut) and event.keyword == "ARRET"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("sent", DeliveryState.SENT),
        ("delivered", DeliveryState.DELIVERED),
        ("undelivered", DeliveryState.FAILED),
        ("failed", DeliveryState.FAILED),
    ],
)
def test_status_callbacks(status: str, expected: DeliveryState, now: Any) -> None:
    params = {
        "MessageSid": "SM1",
        "MessageStatus": status,
        "SmsStatus": status,
        "To": "+1415",
        "From": "+1501",
        "AccountSid": SID,
        "ApiVersion": "2010-04-01",
    }
    if status == "undelivered":
        params["ErrorCode"] = "30003"
    (event,) = TwilioSmsChannel(SETTINGS, clock=lambda: now).parse(twilio_signed(WEBHOOK, params))
    assert event == DeliveryStatus(
        "SM1", expected, error=params.get("ErrorCode"), recipient="+1415", at=now
    )


@pytest.mark.parametrize(
    "params",
    [
        {"MessageSid": "SM1", "MessageStatus": "queued"},
        {"MessageSid": "SM1", "MessageStatus": "sending"},
        inbound_sms("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1"),
        {},
        {"CallSid": "CA1"},
    ],
)
def test_other_requests_are_ignored(params: dict[str, str]) -> None:
    (event,) = TwilioSmsChannel(SETTINGS).parse(twilio_signed(WEBHOOK, params))
    assert isinstance(event, Ignored)


def test_settings_need_a_sender() -> None:
    with pytest.raises(ValueError, match="from number"):
        TwilioSmsSettings(account_sid=SID, auth_token=TOKEN)
