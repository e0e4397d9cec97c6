"""`billbot import FILE`: import a statement file for a borrower."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from billbot.accounts.service import get_account
from billbot.cli.output import emit, fail, fail_from
from billbot.clock import SystemClock
from billbot.db import ensure_migrated, get_engine, session_scope
from billbot.errors import BillbotError
from billbot.imports.service import import_parsed, parse_upload
from billbot.settings import get_settings
from billbot.users.service import find_user_by_email
from billbot.wiring import after_ingest_hook, categoriser_hook


def import_file(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="CSV, OFX/QFX or QIF"
    ),
    user: str = typer.Option(..., "--user", help="the borrower's email"),
    account: int = typer.Option(..., "--account", help="the account id to import into"),
    profile: str | None = typer.Option(None, help="CSV mapping profile (default: detect)"),
    date_order: str | None = typer.Option(None, help="dmy, mdy or ymd when dates are ambiguous"),
    source_account: str | None = typer.Option(
        None, help="which account of a multi-account OFX file"
    ),
) -> None:
    """Import a file all-or-nothing; prints a JSON summary. Re-importing creates nothing new."""
    engine = get_engine()
    ensure_migrated(engine)
    settings = get_settings()
    try:
        with session_scope(engine) as session:
            borrower = find_user_by_email(session, user)
            if borrower is None or borrower.id is None:
                fail(f"no borrower with email {user!r}")
            target = get_account(session, user_id=borrower.id, account_id=account)
            parsed = parse_upload(
                file.read_bytes(),
                account=target,
                filename=file.name,
                profile=profile,
                date_order=date_order,
                max_bytes=max(settings.max_upload_bytes, file.stat().st_size),
                time_zone=borrower.time_zone,
            )
            summary = import_parsed(
                session,
                account=target,
                time_zone=borrower.time_zone,
                parsed=parsed,
                now=SystemClock().now(),
                source_account=source_account,
                categorise=categoriser_hook(),
                after_store=after_ingest_hook(),
            )
            emit(asdict(summary))
    except BillbotError as exc:
        fail_from(exc)
