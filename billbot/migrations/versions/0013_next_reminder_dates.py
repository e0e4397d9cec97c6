"""Due-date sweep: each statement's next reminder date

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The unpaid newest closed statement of each account and currency is reminded of from its first
# reminder point, 3 days before its due date: the sweep then finds the slot of the day (queued
# already or not, by its dedupe key) and moves the date on. Every other statement has none.
_BACKFILL = """
UPDATE statements SET next_reminder_on = {first_point}
WHERE status IN ('closed', 'partially_paid', 'overdue')
  AND statement_balance_minor > paid_minor
  AND NOT EXISTS (
      SELECT 1 FROM statements AS newer
      WHERE newer.account_id = statements.account_id AND newer.currency = statements.currency
        AND newer.cycle_end_date > statements.cycle_end_date AND newer.status != 'open')
"""


def upgrade() -> None:
    with op.batch_alter_table("statements") as batch:
        batch.add_column(sa.Column("next_reminder_on", sa.Date(), nullable=True))
    first_point = (
        "due_date - 3"
        if op.get_bind().dialect.name == "postgresql"
        else "date(due_date, '-3 days')"
    )
    op.execute(_BACKFILL.format(first_point=first_point))
    op.create_index(
        "ix_statements_next_reminder_on",
        "statements",
        ["next_reminder_on"],
        sqlite_where=sa.text("next_reminder_on IS NOT NULL"),
        postgresql_where=sa.text("next_reminder_on IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_statements_next_reminder_on",
        table_name="statements",
        sqlite_where=sa.text("next_reminder_on IS NOT NULL"),
        postgresql_where=sa.text("next_reminder_on IS NOT NULL"),
    )
    with op.batch_alter_table("statements") as batch:
        batch.drop_column("next_reminder_on")
