"""Which implementations the running service uses (the one place they are chosen)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from billbot.categorize.service import categorise_rows
from billbot.transactions.ingest import AfterStore, Categorise, StoredBatch


def categoriser_hook() -> Categorise | None:
    """The categoriser applied to every ingested transaction."""
    return categorise_rows


def after_ingest_hook() -> AfterStore | None:
    """The event-driven scenarios evaluated with each batch of new transactions."""
    from billbot.scenarios.events import evaluate_events

    def evaluate(session: Session, user_id: int, now: datetime, batch: StoredBatch) -> int:
        return evaluate_events(session, user_id=user_id, now=now, batch=batch)

    return evaluate
