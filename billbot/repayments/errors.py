"""Why a repayment calculation refuses: each error says what to change.

ValidationFailed (billbot.errors, 422)
└── RepaymentError                 repayment.invalid
    ├── NothingOwed                repayment.nothing_owed
    ├── PastDue                    repayment.past_due
    ├── UnsupportedTerm            repayment.unsupported_term
    ├── BudgetBelowMinimums        repayment.budget_below_minimums
    └── NeverClears                repayment.never_clears
ValidationFailed
├── DueDayNotAllowed               due_day.not_allowed
└── DueDayUnchanged                due_day.unchanged
ConflictError (409)
└── DueDayTooSoon                  due_day.too_soon (details: possible_from)
"""

from __future__ import annotations

from billbot.errors import ConflictError, ValidationFailed


class RepaymentError(ValidationFailed):
    """Inputs a repayment calculation cannot work with."""

    code = "repayment.invalid"


class NothingOwed(RepaymentError):
    """The balance is zero or in credit, so there is nothing to plan."""

    code = "repayment.nothing_owed"


class PastDue(RepaymentError):
    """The statement's due date has passed; its options would need late charges we do not model."""

    code = "repayment.past_due"


class UnsupportedTerm(RepaymentError):
    """An installment term the issuer does not offer."""

    code = "repayment.unsupported_term"


class BudgetBelowMinimums(RepaymentError):
    """A monthly budget smaller than the minimum payments it must cover."""

    code = "repayment.budget_below_minimums"


class NeverClears(RepaymentError):
    """Payments that never bring the balance to zero (they do not outpace interest)."""

    code = "repayment.never_clears"


class DueDayNotAllowed(ValidationFailed):
    """A due day the issuer does not offer for this account."""

    code = "due_day.not_allowed"


class DueDayUnchanged(ValidationFailed):
    """The account is already due on that day."""

    code = "due_day.unchanged"


class DueDayTooSoon(ConflictError):
    """The due day was changed too recently; the details say from when it may change again."""

    code = "due_day.too_soon"
