"""Importing a statement file into an account: all or nothing, and idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from billbot.accounts.models import Account
from billbot.errors import PayloadTooLarge, ValidationFailed
from billbot.imports import ImportFileError, ParsedFile, parse_file
from billbot.memory import cycle_collection_paused
from billbot.transactions.ingest import AfterStore, Categorise, ingest


@dataclass(frozen=True)
class ImportSummary:
    format: str
    rows: int
    created: int
    duplicates: int
    updated: int
    account_id: int
    first_date: str | None
    last_date: str | None


def _mask_account(value: str) -> str:
    return "…" + value[-4:] if len(value) > 4 else value


def parse_upload(
    data: bytes,
    *,
    account: Account,
    filename: str | None,
    profile: str | None,
    date_order: str | None,
    max_bytes: int,
    time_zone: str | None = None,
) -> ParsedFile:
    """Parse an uploaded file, turning parser errors into API errors that name line and field."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"the file is larger than {max_bytes} bytes; split it and import each part"
        )
    try:
        return parse_file(
            data,
            currency=account.currency,
            filename=filename,
            profile=profile,
            date_order=date_order,
            timezone=time_zone,
        )
    except ImportFileError as exc:
        raise ValidationFailed(str(exc), code=exc.code, line=exc.line, field=exc.field) from exc


def import_parsed(
    session: Session,
    *,
    account: Account,
    time_zone: str,
    parsed: ParsedFile,
    now: datetime,
    source_account: str | None = None,
    categorise: Categorise | None = None,
    after_store: AfterStore | None = None,
) -> ImportSummary:
    """Store a parsed file on `account`; a file holding several accounts needs `source_account`."""
    rows = parsed.transactions
    if len(parsed.accounts) > 1:
        if source_account is None:
            choices = ", ".join(_mask_account(a) for a in parsed.accounts)
            raise ValidationFailed(
                f"the file holds {len(parsed.accounts)} accounts ({choices}); "
                "choose one with `source_account` (its number or last four digits)",
                code="import.several_accounts",
            )
        chosen = [a for a in parsed.accounts if a == source_account or a.endswith(source_account)]
        if len(chosen) != 1:
            raise ValidationFailed(
                f"no single account in the file matches {source_account!r}",
                code="import.account_choice",
            )
        rows = [r for r in rows if r.source_account == chosen[0]]
    with cycle_collection_paused():
        result = ingest(
            session,
            account=account,
            time_zone=time_zone,
            items=rows,
            default_currency=parsed.currency,
            now=now,
            strict=True,
            categorise=categorise,
            after_store=after_store,
            want_ids=False,  # the summary counts rows; it names none
        )
    dates = [min(r.posted_date for r in rows), max(r.posted_date for r in rows)] if rows else []
    assert account.id is not None
    return ImportSummary(
        format=parsed.format,
        rows=len(rows),
        created=result.count("created"),
        duplicates=result.count("duplicate"),
        updated=result.count("updated"),
        account_id=account.id,
        first_date=dates[0].isoformat() if dates else None,
        last_date=dates[-1].isoformat() if dates else None,
    )
