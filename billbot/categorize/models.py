"""Stored categorisation rules: a borrower's own (user_id set) and the operator's (no user)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class CategoryRule(SQLModel, table=True):
    """`exact` rules match a normalised merchant; `contains` rules match a keyword in it."""

    __tablename__ = "category_rules"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    match: str = Field(max_length=10)
    pattern: str = Field(max_length=255)
    sub_category: str = Field(max_length=60)
    label: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
