"""inbound chat events, web chat messages and delivery statuses

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billbot.db_types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("provider_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("received_at", billbot.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "provider_key", name="uq_inbound_events_provider"),
    )
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_events_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "webchat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("button_id", sa.String(length=256), nullable=True),
        sa.Column("buttons", sa.Text(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("at", billbot.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["outbox_message_id"], ["outbox_messages.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outbox_message_id"),
    )
    with op.batch_alter_table("webchat_messages", schema=None) as batch_op:
        batch_op.create_index("ix_webchat_messages_user_id_id", ["user_id", "id"], unique=False)

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("delivered_at", billbot.db_types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("read_at", billbot.db_types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("delivery_error", sa.String(length=255), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_provider_message_id"),
            ["provider_message_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_provider_message_id"))
        batch_op.drop_column("delivery_error")
        batch_op.drop_column("read_at")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("delivery_status")

    with op.batch_alter_table("webchat_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_webchat_messages_user_id_id")
    op.drop_table("webchat_messages")

    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_events_received_at"))
    op.drop_table("inbound_events")
