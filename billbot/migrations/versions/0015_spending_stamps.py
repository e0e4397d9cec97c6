"""A stamp per borrower that changes with their per-day spending totals

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spending_stamps",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    # Every borrower with counted days gets a random first stamp.
    random = (
        "CAST(floor(random() * 9000000000000000000) AS BIGINT)"
        if op.get_bind().dialect.name == "postgresql"
        else "abs(random() % 9000000000000000000)"
    )
    op.execute(
        f"INSERT INTO spending_stamps (user_id, stamp) "  # noqa: S608
        f"SELECT user_id, {random} FROM (SELECT DISTINCT user_id FROM spending_days) AS counted"
    )


def downgrade() -> None:
    op.drop_table("spending_stamps")
