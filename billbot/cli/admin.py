"""`billbot users ...` and `billbot apikeys ...`: administration."""

from __future__ import annotations

import getpass

import typer
from pydantic import ValidationError

from billbot.cli.output import emit, fail, fail_from
from billbot.clock import SystemClock
from billbot.db import ensure_migrated, get_engine, session_scope
from billbot.errors import BillbotError
from billbot.users.schemas import UserCreate, UserPublic
from billbot.users.service import OPERATOR_SCOPES, create_api_key, create_user

users = typer.Typer(help="Borrower accounts.", no_args_is_help=True)
apikeys = typer.Typer(help="Operator API keys for the issuer.", no_args_is_help=True)


@users.command("create")
def create_user_cmd(
    email: str = typer.Option(..., help="sign-in email"),
    name: str = typer.Option(..., "--name", help="display name"),
    time_zone: str = typer.Option("UTC", help="IANA time zone, e.g. Asia/Shanghai"),
    locale: str = typer.Option("en", help="en or zh-CN"),
    currency: str = typer.Option("USD", help="ISO 4217 code"),
    password: str | None = typer.Option(None, help="omit to be asked (not echoed)"),
) -> None:
    """Create a borrower who can sign in to the app."""
    password = password or getpass.getpass("password (10+ characters): ")
    try:
        body = UserCreate(
            email=email,
            password=password,
            display_name=name,
            time_zone=time_zone,
            locale=locale,
            currency=currency,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    engine = get_engine()
    ensure_migrated(engine)
    try:
        with session_scope(engine) as session:
            user = create_user(
                session,
                email=body.email,
                password=body.password,
                profile=body,
                now=SystemClock().now(),
            )
            emit(UserPublic.model_validate(user).model_dump(mode="json"))
    except BillbotError as exc:
        fail_from(exc)


@apikeys.command("create")
def create_key_cmd(
    name: str = typer.Option(..., help="who the key is for, e.g. 'card-issuer-prod'"),
    scope: list[str] = typer.Option(sorted(OPERATOR_SCOPES), help="repeat for several scopes"),
) -> None:
    """Create an operator API key; the key is printed once and stored only as a hash."""
    engine = get_engine()
    ensure_migrated(engine)
    try:
        with session_scope(engine) as session:
            record, key = create_api_key(
                session, name=name, scopes=set(scope), now=SystemClock().now()
            )
            emit(
                {
                    "id": record.id,
                    "name": record.name,
                    "scopes": record.scopes.split(),
                    "api_key": key,
                }
            )
    except BillbotError as exc:
        fail_from(exc)
