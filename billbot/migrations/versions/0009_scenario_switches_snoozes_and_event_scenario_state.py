"""scenario switches, snoozes and settings per borrower

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billbot.db_types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scenario_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("snoozed_until", billbot.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("updated_at", billbot.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "scenario"),
    )


def downgrade() -> None:
    op.drop_table("scenario_settings")
