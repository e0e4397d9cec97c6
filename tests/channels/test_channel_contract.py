"""Contract tests every adapter must pass: registry, capabilities, and send error classification."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import channels
from channels import (
    CHANNELS,
    Button,
    Capabilities,
    Channel,
    FailureReason,
    OutboundMessage,
    PermanentError,
    RateLimited,
    TransientError,
    UnknownChannelError,
    get_channel_class,
)
from channels.text import fits_function

CHANNELS_SOURCE = Path(channels.__file__).parent

TELEGRAM = channels.TelegramSettings(bot_token="123:abc", webhook_secret="s3cret")
WHATSAPP = channels.WhatsAppSettings(
    access_token="EAAG", phone_number_id="1122334455667", app_secret="app", verify_token="vt"
)
MESSENGER = channels.MessengerSettings(page_access_token="EAAP", app_secret="app", verify_token="v")
SLACK = channels.SlackSettings(bot_token="xoxb-1", signing_secret="signing")
TWILIO = channels.TwilioSmsSettings(
    account_sid="AC123", auth_token="tok", from_number="+15005550006"
)


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return lambda: httpx.Response(status, json=body, headers=headers)


@dataclass(frozen=True)
class SendCase:
    """One HTTP adapter and how its provider answers success, throttling and refusals."""

    build: Callable[[httpx.AsyncClient], Channel]
    success: Callable[[], httpx.Response]
    success_id: str
    rate_limited: Callable[[], httpx.Response]
    permanent: Callable[[], httpx.Response]
    permanent_reason: FailureReason


SEND_CASES = {
    "telegram": SendCase(
        build=lambda c: channels.TelegramChannel(TELEGRAM, client=c),
        success=_json(200, {"ok": True, "result": {"message_id": 77}}),
        success_id="77",
        rate_limited=_json(
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        ),
        permanent=_json(
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        ),
        permanent_reason=FailureReason.RECIPIENT_BLOCKED,
    ),
    "whatsapp": SendCase(
        build=lambda c: channels.WhatsAppChannel(WHATSAPP, client=c),
        success=_json(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": "1", "wa_id": "1"}],
                "messages": [{"id": "wamid.OK"}],
            },
        ),
        success_id="wamid.OK",
        rate_limited=_json(
            400,
            {
                "error": {
                    "message": "(#130429) Rate limit hit",
                    "type": "OAuthException",
                    "code": 130429,
                    "fbtrace_id": "A",
                }
            },
            {"Retry-After": "7"},
        ),
        permanent=_json(
            400,
            {
                "error": {
                    "message": "(#131047) Re-engagement message",
                    "type": "OAuthException",
                    "code": 131047,
                    "error_data": {"details": "More than 24 hours"},
                }
            },
        ),
        permanent_reason=FailureReason.OUTSIDE_SESSION_WINDOW,
    ),
    "messenger": SendCase(
        build=lambda c: channels.MessengerChannel(MESSENGER, client=c),
        success=_json(200, {"recipient_id": "1254477777772919", "message_id": "m_OK"}),
        success_id="m_OK",
        rate_limited=_json(
            400,
            {"error": {"message": "Calls to this api have exceeded the rate limit.", "code": 613}},
            {"Retry-After": "7"},
        ),
        permanent=_json(
            400,
            {
                "error": {
                    "message": "This message is sent outside of allowed window.",
                    "code": 10,
                    "error_subcode": 2018278,
                }
            },
        ),
        permanent_reason=FailureReason.OUTSIDE_SESSION_WINDOW,
    ),
    "slack": SendCase(
        build=lambda c: channels.SlackChannel(SLACK, client=c),
        success=_json(200, {"ok": True, "channel": "D024BE91L", "ts": "1503435956.000247"}),
        success_id="1503435956.000247",
        rate_limited=_json(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}),
        permanent=_json(200, {"ok": False, "error": "channel_not_found"}),
        permanent_reason=FailureReason.INVALID_RECIPIENT,
    ),
    "sms": SendCase(
        build=lambda c: channels.TwilioSmsChannel(TWILIO, client=c),
        success=_json(201, {"sid": "SM0123456789abcdef", "status": "queued"}),
        success_id="SM0123456789abcdef",
        rate_limited=_json(
            429,
            {"code": 20429, "message": "Too Many Requests", "status": 429},
            {"Retry-After": "7"},
        ),
        permanent=_json(
            400,
            {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400},
        ),
        permanent_reason=FailureReason.RECIPIENT_UNSUBSCRIBED,
    ),
}

MESSAGE = OutboundMessage(
    recipient="1111111", text="Your bill is due Friday.", buttons=(Button("pay", "Pay now"),)
)


@pytest.fixture(params=sorted(SEND_CASES))
def case(request: pytest.FixtureRequest) -> SendCase:
    return SEND_CASES[request.param]


def test_every_http_adapter_has_a_send_case() -> None:
    http_adapters = {n for n, cls in CHANNELS.items() if issubclass(cls, channels.HttpChannel)}
    assert http_adapters == set(SEND_CASES)


@pytest.mark.anyio
async def test_send_returns_the_provider_message_id(case: SendCase, fake_provider: Any) -> None:
    provider = fake_provider(lambda request: case.success())
    result = await case.build(provider.client()).send(MESSAGE)
    assert result.provider_message_id == case.success_id
    assert len(provider.requests) == 1


@pytest.mark.anyio
async def test_throttling_is_reported_with_retry_after(case: SendCase, fake_provider: Any) -> None:
    provider = fake_provider(lambda request: case.rate_limited())
    with pytest.raises(RateLimited) as caught:
        await case.build(provider.client()).send(MESSAGE)
    assert caught.value.retry_after == 7.0


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_transient(case: SendCase, fake_provider: Any, status: int) -> None:
    provider = fake_provider(lambda request: httpx.Response(status, text="<html>oops</html>"))
    with pytest.raises(TransientError):
        await case.build(provider.client()).send(MESSAGE)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
)
async def test_network_failures_are_transient(
    case: SendCase, fake_provider: Any, failure: Exception
) -> None:
    provider = fake_provider(lambda request: case.success())
    provider.answer(failure)
    with pytest.raises(TransientError):
        await case.build(provider.client()).send(MESSAGE)


@pytest.mark.anyio
async def test_refusals_are_permanent_with_a_reason(case: SendCase, fake_provider: Any) -> None:
    provider = fake_provider(lambda request: case.permanent())
    with pytest.raises(PermanentError) as caught:
        await case.build(provider.client()).send(MESSAGE)
    assert caught.value.reason == case.permanent_reason
    assert caught.value.provider_code


@pytest.mark.anyio
async def test_an_injected_client_is_left_open(case: SendCase, fake_provider: Any) -> None:
    provider = fake_provider(lambda request: case.success())
    client = provider.client()
    async with case.build(client) as channel:
        await channel.send(MESSAGE)
    assert not client.is_closed


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_registry_names_and_settings(name: str) -> None:
    cls = get_channel_class(name)
    assert cls.name == name
    assert dataclasses.is_dataclass(cls.settings_class)
    assert isinstance(cls.capabilities, Capabilities)


def test_unknown_channel_names_raise_a_lookup_error() -> None:
    with pytest.raises(UnknownChannelError, match="carrier-pigeon"):
        get_channel_class("carrier-pigeon")
    with pytest.raises(LookupError):
        get_channel_class("")


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_capabilities_are_sane(name: str) -> None:
    caps = CHANNELS[name].capabilities
    assert caps.max_text_length is None or caps.max_text_length >= 160
    buttons = caps.buttons
    assert buttons.max_count >= 0
    if buttons.max_count:
        assert buttons.max_title_length is None or buttons.max_title_length >= 10
        assert buttons.max_text_length is None or buttons.max_text_length >= 160
    if caps.templates_outside_window:
        assert caps.session_window is not None and caps.supports_templates
    for rate in (caps.rate_limits.per_chat, caps.rate_limits.global_):
        assert rate is None or rate > 0


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_long_text_is_fitted_to_every_channel(name: str) -> None:
    caps = CHANNELS[name].capabilities
    paragraph = "Your card bill of 1,204.50 is due on Friday. You set yourself a limit of 900. "
    text = "\n\n".join(paragraph * 3 for _ in range(40))  # ~9,000 characters
    rendered = channels.text.render_message(OutboundMessage("u", text), caps)
    fits = fits_function(caps)
    assert all(fits(part) for part in rendered.parts)
    if caps.max_text_length is None:
        assert rendered.parts == (text.strip(),)
    elif caps.overflow == "split":
        assert sum(len(part.split()) for part in rendered.parts) == len(text.split())
    else:
        assert len(rendered.parts) == 1 and rendered.parts[0].endswith(caps.ellipsis)


def test_the_channels_package_never_imports_the_core() -> None:
    for path in CHANNELS_SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n.split(".")[0] in ("billbot", "insights")], path


def test_modules_stay_small() -> None:
    for path in CHANNELS_SOURCE.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path


@pytest.mark.anyio
async def test_an_adapter_without_a_client_creates_and_closes_its_own() -> None:
    channel = channels.SlackChannel(SLACK)
    client = channel.client
    assert channel.client is client and not client.is_closed
    await channel.aclose()
    assert client.is_closed
