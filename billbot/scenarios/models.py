"""A borrower's own switch, snooze and settings for each reminder scenario."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Text
from sqlmodel import Field, SQLModel

from billbot.db_types import UTCDateTime


class ScenarioSetting(SQLModel, table=True):
    """One borrower's choices for one scenario; a missing row means on, not snoozed, defaults."""

    __tablename__ = "scenario_settings"

    user_id: int = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    scenario: str = Field(primary_key=True, max_length=40)
    enabled: bool = Field(default=True)
    snoozed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    settings: str = Field(
        default="{}", sa_column=Column(Text, nullable=False), description="JSON overrides"
    )
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
