"""The weekly digest: the borrower's subscription, and the signed links in every digest email.

`/v1/digest/subscription` is the signed-in borrower's. The link endpoints need no login: they
are authorised by the signed token in the link (`?token=`, or a `token` form field), and they
touch only the digest subscription. A GET never changes anything (mail scanners follow links);
the one-click POST (RFC 8058, what mail clients send for `List-Unsubscribe-Post`) unsubscribes.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from billbot.deps import ClockDep, CurrentUser, SessionDep, SettingsDep
from billbot.digests.subscriptions import (
    as_public,
    subscription,
    unsubscribe,
    update_subscription,
)
from billbot.digests.tokens import read_token
from billbot.errors import NotFoundError, ValidationFailed
from billbot.settings import Settings
from billbot.users.models import User

router = APIRouter(prefix="/v1/digest", tags=["borrower: digest"])
links_router = APIRouter(prefix="/v1/digest", tags=["digest links (signed, no login)"])


class SubscriptionUpdate(BaseModel):
    subscribed: bool | None = None
    send_day: int | None = Field(default=None, description="0 Monday … 6 Sunday, local")
    send_time: str | None = Field(default=None, description="24-hour local time, e.g. 08:00")


@router.get("/subscription")
def get_subscription(user: CurrentUser, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """Whether the weekly digest is on, and when the next one goes (local day and time)."""
    return as_public(subscription(session, user=user, now=clock.now()))


@router.put("/subscription")
def put_subscription(
    body: SubscriptionUpdate, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> dict[str, Any]:
    """Resubscribe, unsubscribe, or move the digest to another local day or time."""
    updated = update_subscription(
        session,
        user=user,
        now=clock.now(),
        subscribed=body.subscribed,
        send_day=body.send_day,
        send_time=body.send_time,
        via="app",
    )
    return as_public(updated)


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded form body as a flat dict (one-click POSTs send `List-Unsubscribe=One-Click`)."""
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return {}
    body = (await request.body())[:4096].decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


FormDep = Annotated[dict[str, str], Depends(_form)]
TokenQuery = Annotated[str | None, Query(description="the signed token from the email link")]


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _page(title: str, paragraphs: list[str], forms: list[tuple[str, str, dict[str, str]]]) -> str:
    """A tiny self-contained page: a heading, some text, and buttons that POST."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    for action, label, fields in forms:
        hidden = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in fields.items()
        )
        body += (
            f'<form method="post" action="{escape(action)}">{hidden}'
            f'<button type="submit">{escape(label)}</button></form>'
        )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>"
        '<body style="font-family: sans-serif; max-width: 32rem; margin: 2rem auto; '
        'padding: 0 1rem">'
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )


def _holder(session: Session, settings: Settings, token: str | None) -> User:
    user_id = read_token(settings.secret_key, token)
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("there is no longer an account behind this link", code="digest.gone")
    return user


@links_router.get("/unsubscribe", response_model=None)
def confirm_unsubscribe(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    token: TokenQuery = None,
) -> Response:
    """Show what unsubscribing does and a button to do it; changes nothing by itself."""
    user = _holder(session, settings, token)
    state = subscription(session, user=user, now=clock.now())
    assert token is not None
    if not _wants_html(request):
        return JSONResponse(
            {
                "subscribed": state.subscribed,
                "unsubscribe": "POST to this URL (RFC 8058 one-click) to stop the weekly digest",
            }
        )
    if not state.subscribed:
        return HTMLResponse(
            _page("You're unsubscribed", ["The weekly digest is off for this account."], [])
        )
    action = "/v1/digest/unsubscribe?" + urlencode({"token": token})
    return HTMLResponse(
        _page(
            "Unsubscribe from the weekly digest?",
            ["Only the weekly digest email stops; your bill reminders still arrive."],
            [(action, "Unsubscribe", {})],
        )
    )


@links_router.post("/unsubscribe", response_model=None)
def one_click_unsubscribe(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    form: FormDep,
    token: TokenQuery = None,
) -> Response:
    """RFC 8058 one-click unsubscribe: stops the weekly digest only. No login needed."""
    user_id = read_token(settings.secret_key, token or form.get("token"))
    via = "one_click" if form.get("List-Unsubscribe") == "One-Click" else "link"
    state = unsubscribe(session, user_id=user_id, now=clock.now(), via=via)
    if _wants_html(request):
        return HTMLResponse(
            _page(
                "You're unsubscribed",
                ["You will not get the weekly digest any more. Your reminders still arrive."],
                [],
            )
        )
    return JSONResponse({"subscribed": state.subscribed})


@links_router.get("/manage", response_model=None)
def manage_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    token: TokenQuery = None,
) -> Response:
    """The digest's email preferences behind the link in every digest (read only)."""
    user = _holder(session, settings, token)
    state = subscription(session, user=user, now=clock.now())
    assert token is not None
    if not _wants_html(request):
        return JSONResponse(jsonable(as_public(state)))
    action = "/v1/digest/manage?" + urlencode({"token": token})
    day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    status = (
        f"The weekly digest is on: {day[state.send_day]}s at {state.send_time} your time."
        if state.subscribed
        else "The weekly digest is off."
    )
    button = ("Turn the digest off", "false") if state.subscribed else ("Turn it back on", "true")
    return HTMLResponse(
        _page(
            "Email preferences",
            [status, "Reminders are set in the app under contact preferences."],
            [(action, button[0], {"subscribed": button[1]})],
        )
    )


@links_router.post("/manage", response_model=None)
def manage_update(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    form: FormDep,
    token: TokenQuery = None,
) -> Response:
    """Turn the digest off or on again from the email's preferences link."""
    user = _holder(session, settings, token or form.get("token"))
    wanted = form.get("subscribed", "").lower()
    if wanted not in ("true", "false"):
        raise ValidationFailed("send subscribed=true or subscribed=false", code="digest.form")
    state = update_subscription(
        session, user=user, now=clock.now(), subscribed=wanted == "true", via="link"
    )
    if _wants_html(request):
        return HTMLResponse(
            _page(
                "Email preferences saved",
                ["The weekly digest is " + ("on." if state.subscribed else "off.")],
                [],
            )
        )
    return JSONResponse(jsonable(as_public(state)))


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Datetimes as ISO strings, for a JSONResponse built by hand."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
