"""Stored weekly reports: one per borrower per local week."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class WeeklyReport(SQLModel, table=True):
    """The report of one local week, as JSON; regenerating an unchanged week changes nothing."""

    __tablename__ = "weekly_reports"
    __table_args__ = (UniqueConstraint("user_id", "week_start", name="uq_weekly_reports_week"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    week_start: date = Field(sa_column=Column(Date, nullable=False))
    week_end: date = Field(sa_column=Column(Date, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    generated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
