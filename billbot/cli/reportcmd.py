"""`billbot breakdown`: a borrower's spending breakdown as JSON."""

from __future__ import annotations

from datetime import date

import typer

from billbot.breakdowns.service import Period, breakdown_for
from billbot.cli.output import emit, fail, fail_from
from billbot.clock import SystemClock, local_date, zone
from billbot.db import ensure_migrated, get_engine, session_scope
from billbot.errors import BillbotError
from billbot.users.service import find_user_by_email


def breakdown_cmd(
    user: str = typer.Option(..., "--user", help="the borrower's email"),
    period: str | None = typer.Option(None, "--period", help="a month, YYYY-MM"),
    statement: int | None = typer.Option(None, "--statement", help="a statement id"),
    date_from: str | None = typer.Option(None, "--from", help="range start, YYYY-MM-DD"),
    date_to: str | None = typer.Option(None, "--to", help="range end, YYYY-MM-DD"),
    top_merchants: int = typer.Option(5, help="merchants listed per sub-category"),
) -> None:
    """Print where a borrower's money went, by category, sub-category and merchant."""
    try:
        start = date.fromisoformat(date_from) if date_from else None
        end = date.fromisoformat(date_to) if date_to else None
    except ValueError as exc:
        fail(f"dates are YYYY-MM-DD: {exc}")
    engine = get_engine()
    ensure_migrated(engine)
    try:
        with session_scope(engine) as session:
            borrower = find_user_by_email(session, user)
            if borrower is None:
                fail(f"no borrower with email {user!r}")
            chosen = Period(month=period, statement_id=statement, date_from=start, date_to=end)
            today = local_date(SystemClock().now(), zone(borrower.time_zone))
            emit(
                breakdown_for(
                    session, user=borrower, period=chosen, today=today, top_merchants=top_merchants
                )
            )
    except BillbotError as exc:
        fail_from(exc)


def weekly_report_cmd(
    user: str = typer.Option(..., "--user", help="the borrower's email"),
    week: str = typer.Option(..., "--week", help="ISO week, e.g. 2026-W44"),
    output: str = typer.Option("json", "--format", help="json, text or html (the digest email)"),
) -> None:
    """Print a borrower's weekly report (computed and stored if it was not yet)."""
    from billbot.reports.weekly import as_text, parse_week, report_for

    if output not in ("json", "text", "html"):
        fail("--format is json, text or html")
    try:
        day = parse_week(week)
    except ValueError as exc:
        fail(str(exc))
    engine = get_engine()
    ensure_migrated(engine)
    with session_scope(engine) as session:
        borrower = find_user_by_email(session, user)
        if borrower is None:
            fail(f"no borrower with email {user!r}")
        now = SystemClock().now()
        if output == "html":
            from billbot.digests.compose import build_digest
            from billbot.settings import get_settings

            digest = build_digest(
                session, user=borrower, week_of=day, now=now, settings=get_settings()
            )
            print(digest.html)
            return
        report = report_for(session, user=borrower, week_of=day, now=now)
        if output == "json":
            emit(report)
        else:
            print(as_text(report, borrower.locale))
