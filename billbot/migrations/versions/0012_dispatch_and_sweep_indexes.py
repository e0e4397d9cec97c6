"""Due-date sweep: the newest-closed-statement index

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 06:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The due-date sweep asks, for each candidate statement, whether a newer one of the same
    # account and currency has closed: answered from this index without reading the table.
    op.create_index(
        "ix_statements_account_newest",
        "statements",
        ["account_id", "currency", "cycle_end_date", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_statements_account_newest", table_name="statements")
