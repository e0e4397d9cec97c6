"""custom due dates and installment plans

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import billbot.db_types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "borrowing_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("monthly_income_minor", sa.BigInteger(), nullable=True),
        sa.Column("income_currency", sa.String(length=3), nullable=True),
        sa.Column("income_share_bps", sa.Integer(), nullable=False),
        sa.Column("payoff_strategy", sa.String(length=20), nullable=True),
        sa.Column("payoff_currency", sa.String(length=3), nullable=True),
        sa.Column("payoff_budget_minor", sa.BigInteger(), nullable=True),
        sa.Column("payoff_order", sa.String(length=500), nullable=False),
        sa.Column("updated_at", billbot.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "due_day_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("from_rule", sa.String(length=20), nullable=False),
        sa.Column("from_value", sa.Integer(), nullable=False),
        sa.Column("to_day", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("changed_at", billbot.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("due_day_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_due_day_changes_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_due_day_changes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "installment_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.Column(
            "transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("converted_statement_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("pricing", sa.String(length=20), nullable=False),
        sa.Column("rate_bps", sa.Integer(), nullable=False),
        sa.Column("fees_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", billbot.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["converted_statement_id"], ["statements.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transaction_id", name="uq_installment_plans_purchase"),
    )
    with op.batch_alter_table("installment_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_installment_plans_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_installment_plans_user_id"), ["user_id"], unique=False)

    op.create_table(
        "installment_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("post_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["plan_id"], ["installment_plans.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "seq", name="uq_installment_items_seq"),
    )
    with op.batch_alter_table("installment_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_installment_items_account_post", ["account_id", "post_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_installment_items_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_installment_items_statement_id"), ["statement_id"], unique=False
        )

    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("installments_minor", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("converted_minor", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "converted_previous_minor", sa.BigInteger(), server_default="0", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_column("converted_previous_minor")
        batch_op.drop_column("converted_minor")
        batch_op.drop_column("installments_minor")

    with op.batch_alter_table("installment_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installment_items_statement_id"))
        batch_op.drop_index(batch_op.f("ix_installment_items_plan_id"))
        batch_op.drop_index("ix_installment_items_account_post")
    op.drop_table("installment_items")

    with op.batch_alter_table("installment_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_installment_plans_user_id"))
        batch_op.drop_index(batch_op.f("ix_installment_plans_account_id"))
    op.drop_table("installment_plans")

    with op.batch_alter_table("due_day_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_due_day_changes_user_id"))
        batch_op.drop_index(batch_op.f("ix_due_day_changes_account_id"))
    op.drop_table("due_day_changes")

    op.drop_table("borrowing_profiles")
