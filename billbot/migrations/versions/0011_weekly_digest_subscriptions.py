"""weekly digest subscriptions; html and headers on outbox messages

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billbot.db_types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("send_day", sa.Integer(), nullable=False),
        sa.Column("send_time", sa.String(length=5), nullable=False),
        sa.Column("next_send_at", billbot.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", billbot.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_via", sa.String(length=20), nullable=True),
        sa.Column("updated_at", billbot.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("digest_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_digest_subscriptions_due", ["subscribed", "next_send_at"], unique=False
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("headers", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("headers")
        batch_op.drop_column("html")

    with op.batch_alter_table("digest_subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_subscriptions_due")

    op.drop_table("digest_subscriptions")
