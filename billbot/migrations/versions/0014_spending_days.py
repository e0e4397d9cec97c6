"""Running per-day spending totals beside the transactions

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "user_id, local_date, account_id, currency, kind, category, sub_category"
_GROUPED = (
    "user_id, local_date, account_id, currency, kind, "
    "COALESCE(category, ''), COALESCE(sub_category, '')"
)


def upgrade() -> None:
    op.create_table(
        "spending_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("sub_category", sa.String(length=60), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("amounts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "user_id",
            "local_date",
            "account_id",
            "currency",
            "kind",
            "category",
            "sub_category",
        ),
    )
    # Every transaction already stored, counted into its day.
    concat = (
        "string_agg(CAST(amount_minor AS TEXT), ',')"
        if op.get_bind().dialect.name == "postgresql"
        else "group_concat(amount_minor, ',')"
    )
    op.execute(
        f"INSERT INTO spending_days ({_KEY}, entries, total_minor, amounts) "  # noqa: S608
        f"SELECT {_GROUPED}, COUNT(*), SUM(amount_minor), {concat} "
        f"FROM transactions GROUP BY {_GROUPED}"
    )


def downgrade() -> None:
    op.drop_table("spending_days")
