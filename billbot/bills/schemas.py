"""What the API returns for statements."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, computed_field


class StatementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    currency: str
    cycle_start_date: date
    cycle_end_date: date
    due_date: date
    opening_balance_minor: int
    charges_minor: int
    credits_minor: int
    statement_balance_minor: int
    minimum_due_minor: int
    paid_minor: int
    installments_minor: int = 0
    converted_minor: int = 0
    converted_previous_minor: int = 0
    status: str
    closed_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def remaining_due_minor(self) -> int:
        """What is still to pay on this statement (0 while the cycle is open)."""
        if self.status == "open":
            return 0
        return max(0, self.statement_balance_minor - self.paid_minor)
