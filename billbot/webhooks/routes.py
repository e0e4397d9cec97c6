"""Provider webhooks: handshake, authenticate on the raw body, de-duplicate, process, answer.

Each endpoint answers what its provider expects (Twilio an empty TwiML document, Telegram the
button acknowledgement riding on the response, the others an empty 200) once the events are
recorded with their replies queued; the replies are then delivered in the background. A request
that fails authentication is answered 401 (403 for a wrong handshake token) and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from billbot.errors import NotFoundError, PayloadTooLarge
from billbot.logs import event
from billbot.webhooks.conversation import Handled
from billbot.webhooks.service import app_channels, finish, process_events
from channels import Channel, HandshakeResponse, Headers, InboundRequest
from channels.errors import SignatureError

log = logging.getLogger("billbot.webhooks")
router = APIRouter(prefix="/webhooks", tags=["provider webhooks"])

MAX_BODY_BYTES = 1024 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

Answer = Callable[[Handled], Response]


def _ok(handled: Handled) -> Response:
    return Response(status_code=200)


def _telegram_answer(handled: Handled) -> Response:
    """Acknowledge a button press in the webhook response itself (no extra Bot API call)."""
    if handled.callbacks:
        method = {"method": "answerCallbackQuery", "callback_query_id": handled.callbacks[0]}
        return JSONResponse(method)
    return Response(status_code=200)


def _twiml(handled: Handled) -> Response:
    """An empty TwiML document: Twilio sends nothing itself; replies go through the outbox."""
    return Response(EMPTY_TWIML, media_type="text/xml")


def _adapter(request: Request, name: str) -> Channel:
    adapter = app_channels(request.app.state).get(name)
    if adapter is None or not adapter.capabilities.inbound:
        raise NotFoundError(f"the {name} channel is not enabled here", code="webhook.disabled")
    return adapter


def _handshake_response(answer: HandshakeResponse) -> Response:
    return Response(answer.body, status_code=answer.status, media_type=answer.content_type)


async def receive(
    request: Request, background: BackgroundTasks, name: str, answer: Answer = _ok
) -> Response:
    """The one path every provider webhook takes."""
    adapter = _adapter(request, name)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge("webhook body too large", code="webhook.too_large")
    inbound = InboundRequest(
        method=request.method,
        url=str(request.url),
        headers=Headers(request.headers.items()),
        body=body,
    )
    try:
        handshake = adapter.handshake(inbound)
    except SignatureError as exc:
        event(log, "webhook.rejected", channel=name, step="handshake", reason=str(exc))
        return JSONResponse({"error": {"code": "webhook.forbidden"}}, status_code=403)
    if handshake is not None:
        event(log, "webhook.handshake", channel=name)
        return _handshake_response(handshake)
    try:
        adapter.verify(inbound)
    except SignatureError as exc:
        event(log, "webhook.rejected", channel=name, step="verify", reason=str(exc))
        return JSONResponse({"error": {"code": "webhook.unauthenticated"}}, status_code=401)
    events = adapter.parse(inbound)
    state = request.app.state
    handled = await run_in_threadpool(process_events, state.engine, state.clock, adapter, events)
    if handled.replies or handled.strangers:
        background.add_task(finish, state, adapter, handled)
    return answer(handled)


@router.post("/telegram")
async def telegram(request: Request, background: BackgroundTasks) -> Response:
    """Telegram Bot API updates (secret-token header)."""
    return await receive(request, background, "telegram", _telegram_answer)


@router.get("/whatsapp")
@router.post("/whatsapp")
async def whatsapp(request: Request, background: BackgroundTasks) -> Response:
    """WhatsApp Cloud API: the subscription handshake (GET) and notifications (POST)."""
    return await receive(request, background, "whatsapp")


@router.get("/messenger")
@router.post("/messenger")
async def messenger(request: Request, background: BackgroundTasks) -> Response:
    """Messenger: the subscription handshake (GET) and page notifications (POST)."""
    return await receive(request, background, "messenger")


@router.post("/slack/events")
async def slack_events(request: Request, background: BackgroundTasks) -> Response:
    """Slack Events API (URL verification, direct messages); retries are de-duplicated."""
    return await receive(request, background, "slack")


@router.post("/slack/interactivity")
async def slack_interactivity(request: Request, background: BackgroundTasks) -> Response:
    """Slack interactivity payloads (button clicks) and slash commands."""
    return await receive(request, background, "slack")


@router.post("/sms")
async def sms(request: Request, background: BackgroundTasks) -> Response:
    """Twilio incoming messages and status callbacks (form posts, `X-Twilio-Signature`)."""
    return await receive(request, background, "sms", _twiml)
