"""Which implementations the running service uses (the one place they are chosen)."""

from __future__ import annotations

from billbot.categorize.service import categorise_rows
from billbot.transactions.ingest import Categorise


def categoriser_hook() -> Categorise | None:
    """The categoriser applied to every ingested transaction."""
    return categorise_rows
