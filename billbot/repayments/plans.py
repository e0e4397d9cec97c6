"""Repayment schedules: installment plans and paying a balance down month by month.

Rounding, all in integer minor units, half up:
- installment principal is split with `split_evenly`: parts differ by at most one minor unit and
  the earlier installments carry the remainder, so the schedule sums exactly to the principal;
- a fee per month is `rate_bps` of the principal, rounded once and charged with every installment;
  a one-off fee is `rate_bps` of the principal, rounded once and charged with the first installment;
- APR plans charge each month's interest on the principal still owed (`monthly_interest`);
- paying a balance down: the first payment falls on the due date, then one a month; each month
  the remaining balance earns `monthly_interest`, the payment pays that interest first and the rest
  reduces the balance; the last payment is exactly what is left.

Installment k of a plan falls due k months after its start (the statement's due date), so the
first installment is a month after the due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from billbot.money import split_evenly
from billbot.repayments.accrual import (
    MinimumRule,
    add_months,
    monthly_dates,
    monthly_interest,
    share_bps,
)
from billbot.repayments.errors import RepaymentError, UnsupportedTerm

SUPPORTED_TERMS = (3, 6, 12, 24)
MAX_MONTHS = 600  # fifty years: a schedule longer than this is reported as never clearing


class Pricing(StrEnum):
    """How an installment offer charges for the time it gives."""

    FEE_PER_MONTH = "fee_per_month"  # rate_bps of the principal with every installment
    ONE_OFF_FEE = "one_off_fee"  # rate_bps of the principal once, with the first installment
    APR = "apr"  # rate_bps a year on the principal still owed, monthly


class Outcome(StrEnum):
    """Whether a schedule clears the balance, and if not, why."""

    CLEARS = "clears"
    PAYMENT_BELOW_INTEREST = "payment_below_interest"  # never clears: interest outpaces payments
    BEYOND_HORIZON = "beyond_horizon"  # still owing after MAX_MONTHS months

    @property
    def clears(self) -> bool:
        return self is Outcome.CLEARS


@dataclass(frozen=True, slots=True)
class InstallmentOffer:
    """An issuer's installment offer: a term and how it is priced."""

    term_months: int
    pricing: Pricing
    rate_bps: int

    def __post_init__(self) -> None:
        if self.term_months not in SUPPORTED_TERMS:
            raise UnsupportedTerm(
                f"installments run over {', '.join(map(str, SUPPORTED_TERMS))} months, "
                f"not {self.term_months}",
                term_months=self.term_months,
            )
        if self.rate_bps < 0:
            raise ValueError("rate_bps must not be negative")

    @property
    def label(self) -> str:
        return f"installments_{self.term_months}_{self.pricing.value}"


@dataclass(frozen=True, slots=True)
class ScheduleItem:
    """One payment: its date and amount, and what it pays (principal + interest + fee = amount)."""

    due_date: date
    amount_minor: int
    principal_minor: int
    interest_minor: int = 0
    fee_minor: int = 0
    funding_source: str = ""


def item(
    due_date: date,
    *,
    principal_minor: int,
    interest_minor: int = 0,
    fee_minor: int = 0,
    funding_source: str = "",
) -> ScheduleItem:
    """A schedule item whose amount is the sum of its parts."""
    return ScheduleItem(
        due_date,
        principal_minor + interest_minor + fee_minor,
        principal_minor,
        interest_minor,
        fee_minor,
        funding_source,
    )


def installment_schedule(
    principal_minor: int, offer: InstallmentOffer, *, start_date: date, funding_source: str = ""
) -> tuple[ScheduleItem, ...]:
    """The installments that repay `principal_minor` under `offer`, starting after `start_date`.

    Every installment repays at least one minor unit of principal, so the last one clears it.
    """
    if principal_minor <= 0:
        raise ValueError("an installment plan needs a positive principal")
    if principal_minor < offer.term_months:
        raise RepaymentError(
            f"too small to repay in {offer.term_months} installments",
            principal_minor=principal_minor,
            term_months=offer.term_months,
        )
    parts = split_evenly(principal_minor, offer.term_months)
    items: list[ScheduleItem] = []
    owed = principal_minor
    flat_fee = share_bps(principal_minor, offer.rate_bps)
    for month, part in enumerate(parts, start=1):
        interest = fee = 0
        if offer.pricing is Pricing.APR:
            interest = monthly_interest(owed, offer.rate_bps)
        elif offer.pricing is Pricing.FEE_PER_MONTH or month == 1:
            fee = flat_fee
        items.append(
            item(
                add_months(start_date, month),
                principal_minor=part,
                interest_minor=interest,
                fee_minor=fee,
                funding_source=funding_source,
            )
        )
        owed -= part
    return tuple(items)


@dataclass(frozen=True, slots=True)
class PaydownSchedule:
    """Payments that pay a balance down, and whether (and why not) they clear it."""

    items: tuple[ScheduleItem, ...]
    outcome: Outcome
    balance_left_minor: int


def paydown_schedule(
    balance_minor: int,
    *,
    apr_bps: int,
    first_payment_minor: int,
    monthly: MinimumRule,
    start_date: date,
    max_months: int = MAX_MONTHS,
) -> PaydownSchedule:
    """Pay `first_payment_minor` on `start_date`, then `monthly` of what is owed until cleared.

    Each month's payment is `monthly.due(owed)`, owed being the balance plus the month's interest
    (a fixed amount is `MinimumRule(0, amount)`). The schedule stops, not clearing, when a payment
    would not exceed the month's interest or after `max_months` months.
    """
    if balance_minor <= 0:
        raise ValueError("a paydown schedule needs a positive balance")
    if first_payment_minor <= 0:
        return PaydownSchedule((), Outcome.PAYMENT_BELOW_INTEREST, balance_minor)
    first = min(first_payment_minor, balance_minor)
    items = [ScheduleItem(start_date, first, first)]
    remaining = balance_minor - first
    dates = monthly_dates(start_date)
    rate_bps, floor_minor = monthly.rate_bps, monthly.floor_minor
    outcome = Outcome.CLEARS
    while remaining > 0:
        if len(items) > max_months:
            outcome = Outcome.BEYOND_HORIZON
            break
        # monthly_interest and MinimumRule.due, inlined: this loop runs for every month of a
        # minimum-payment schedule, often for decades.
        interest = (remaining * apr_bps * 2 + 120_000) // 240_000
        owed = remaining + interest
        payment = min(owed, max(floor_minor, (owed * rate_bps * 2 + 10_000) // 20_000))
        if payment <= interest:
            outcome = Outcome.PAYMENT_BELOW_INTEREST
            break
        items.append(ScheduleItem(next(dates), payment, payment - interest, interest))
        remaining = owed - payment
    return PaydownSchedule(tuple(items), outcome, remaining)
