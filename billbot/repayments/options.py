"""Repayment options for one statement, each stating its cost the same way.

Every option carries the same fields: its schedule (date, amount and what each payment pays:
principal, interest, fee), `total_paid_minor`, `extra_over_full_minor` (total paid less the
balance, which is what paying in full costs), the interest and fees in it, its `effective_apr`
(see `billbot.repayments.apr`) and whether the statement's minimum is met by the due date. An
option that never clears (payments that do not outpace interest, or longer than fifty years) says
so in `outcome`, shows the payments up to that point and leaves the totals and the APR unset.

Combined plans pay the balance in parts. A part paid after the due date is charged interest
from the due date: `late_interest` over all such parts (amount × APR / 365 a day, summed exactly,
rounded half up once), collected with the last of them. A part converted to installments counts as
settled on the due date. A part paid on or before the due date costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from billbot.money import exponent
from billbot.repayments.accrual import MinimumRule, late_interest
from billbot.repayments.apr import EffectiveApr, effective_apr
from billbot.repayments.collector import collector_paused
from billbot.repayments.errors import NothingOwed, PastDue, RepaymentError
from billbot.repayments.plans import (
    InstallmentOffer,
    Outcome,
    ScheduleItem,
    installment_schedule,
    item,
    paydown_schedule,
)


class OptionKind(StrEnum):
    FULL = "full"
    MINIMUM = "minimum"
    CUSTOM = "custom"
    INSTALLMENTS = "installments"
    COMBINED = "combined"


@dataclass(frozen=True, slots=True)
class StatementTerms:
    """What a statement asks for and what borrowing on it costs."""

    balance_minor: int
    minimum_due_minor: int
    currency: str
    apr_bps: int
    due_date: date
    minimum_rule: MinimumRule

    def __post_init__(self) -> None:
        exponent(self.currency)
        if self.balance_minor <= 0:
            raise NothingOwed(
                "this statement has nothing to repay", balance_minor=self.balance_minor
            )
        if self.minimum_due_minor < 0 or self.apr_bps < 0:
            raise ValueError("minimum_due_minor and apr_bps must not be negative")


@dataclass(frozen=True, slots=True)
class RepaymentOption:
    """One way to repay a statement, and what it costs."""

    kind: OptionKind
    label: str
    currency: str
    outcome: Outcome
    schedule: tuple[ScheduleItem, ...]
    total_paid_minor: int | None
    extra_over_full_minor: int | None
    interest_minor: int
    fees_minor: int
    balance_left_minor: int
    effective_apr: EffectiveApr | None
    meets_minimum: bool
    last_payment_date: date | None


@dataclass(frozen=True, slots=True)
class PayPart:
    """Pay `amount_minor` (None: what the other parts leave) on `pay_date`."""

    pay_date: date
    amount_minor: int | None = None
    funding_source: str = ""


@dataclass(frozen=True, slots=True)
class InstallmentPart:
    """Convert `amount_minor` (None: what the other parts leave) to installments under `offer`."""

    offer: InstallmentOffer
    amount_minor: int | None = None
    funding_source: str = ""


@dataclass(frozen=True, slots=True)
class Combination:
    """A combined plan: parts that together repay the whole balance."""

    parts: tuple[PayPart | InstallmentPart, ...]
    label: str = "combined"


def _option(
    terms: StatementTerms,
    kind: OptionKind,
    label: str,
    schedule: Sequence[ScheduleItem],
    *,
    meets_minimum: bool,
    outcome: Outcome = Outcome.CLEARS,
    balance_left_minor: int = 0,
) -> RepaymentOption:
    total = interest = fees = 0
    for entry in schedule:
        total += entry.amount_minor
        interest += entry.interest_minor
        fees += entry.fee_minor
    total_paid = extra = apr = None
    if outcome.clears:
        total_paid, extra = total, total - terms.balance_minor
        apr = (
            EffectiveApr.zero()
            if extra == 0
            else effective_apr(
                terms.balance_minor,
                ((entry.due_date, entry.amount_minor) for entry in schedule),
                start_date=terms.due_date,
            )
        )
    return RepaymentOption(
        kind=kind,
        label=label,
        currency=terms.currency,
        outcome=outcome,
        schedule=tuple(schedule),
        total_paid_minor=total_paid,
        extra_over_full_minor=extra,
        interest_minor=interest,
        fees_minor=fees,
        balance_left_minor=balance_left_minor,
        effective_apr=apr,
        meets_minimum=meets_minimum,
        last_payment_date=schedule[-1].due_date if schedule else None,
    )


def pay_in_full(terms: StatementTerms) -> RepaymentOption:
    """Pay the whole balance by the due date: no interest."""
    schedule = [item(terms.due_date, principal_minor=terms.balance_minor)]
    return _option(terms, OptionKind.FULL, "full", schedule, meets_minimum=True)


def pay_minimum(terms: StatementTerms) -> RepaymentOption:
    """Pay the statement's minimum, then the issuer's minimum every month until cleared."""
    paydown = paydown_schedule(
        terms.balance_minor,
        apr_bps=terms.apr_bps,
        first_payment_minor=terms.minimum_due_minor,
        monthly=terms.minimum_rule,
        start_date=terms.due_date,
    )
    return _option(
        terms,
        OptionKind.MINIMUM,
        "minimum",
        paydown.items,
        meets_minimum=True,
        outcome=paydown.outcome,
        balance_left_minor=paydown.balance_left_minor,
    )


def pay_fixed(terms: StatementTerms, amount_minor: int) -> RepaymentOption:
    """Pay the same amount on the due date and every month after until cleared."""
    if amount_minor <= 0:
        raise RepaymentError("a monthly payment must be positive", amount_minor=amount_minor)
    paydown = paydown_schedule(
        terms.balance_minor,
        apr_bps=terms.apr_bps,
        first_payment_minor=amount_minor,
        monthly=MinimumRule(0, amount_minor),
        start_date=terms.due_date,
    )
    return _option(
        terms,
        OptionKind.CUSTOM,
        f"custom_{amount_minor}",
        paydown.items,
        meets_minimum=amount_minor >= min(terms.minimum_due_minor, terms.balance_minor),
        outcome=paydown.outcome,
        balance_left_minor=paydown.balance_left_minor,
    )


def pay_in_installments(terms: StatementTerms, offer: InstallmentOffer) -> RepaymentOption:
    """Convert the whole balance to installments under `offer`."""
    schedule = installment_schedule(terms.balance_minor, offer, start_date=terms.due_date)
    return _option(terms, OptionKind.INSTALLMENTS, offer.label, schedule, meets_minimum=True)


def _part_amounts(terms: StatementTerms, parts: Sequence[PayPart | InstallmentPart]) -> list[int]:
    if not parts:
        raise RepaymentError("a combined plan needs at least one part")
    given = [part.amount_minor for part in parts if part.amount_minor is not None]
    if any(amount <= 0 for amount in given):
        raise RepaymentError("every part of a combined plan must be a positive amount")
    rest = terms.balance_minor - sum(given)
    open_parts = len(parts) - len(given)
    if open_parts > 1:
        raise RepaymentError("only one part of a combined plan may take what is left")
    if (open_parts == 1 and rest <= 0) or (open_parts == 0 and rest != 0):
        raise RepaymentError(
            "the parts of a combined plan must add up to the balance",
            balance_minor=terms.balance_minor,
            parts_minor=sum(given),
        )
    return [rest if part.amount_minor is None else part.amount_minor for part in parts]


def pay_combined(
    terms: StatementTerms, combination: Combination, *, today: date
) -> RepaymentOption:
    """Repay the balance in parts: on chosen dates from chosen sources, or in installments."""
    if today > terms.due_date:
        raise PastDue("this statement is past its due date", due_date=terms.due_date.isoformat())
    amounts = _part_amounts(terms, combination.parts)
    schedule: list[ScheduleItem] = []
    late: list[tuple[int, int]] = []
    settled_by_due_date = 0
    last_late: tuple[date, int] | None = None
    for part, amount in zip(combination.parts, amounts, strict=True):
        if isinstance(part, InstallmentPart):
            schedule.extend(
                installment_schedule(
                    amount,
                    part.offer,
                    start_date=terms.due_date,
                    funding_source=part.funding_source,
                )
            )
            settled_by_due_date += amount
            continue
        if part.pay_date < today:
            raise RepaymentError(
                "a part cannot be paid before today", pay_date=part.pay_date.isoformat()
            )
        days_late = (part.pay_date - terms.due_date).days
        if days_late > 0:
            late.append((amount, days_late))
            if last_late is None or part.pay_date >= last_late[0]:
                last_late = (part.pay_date, len(schedule))
        else:
            settled_by_due_date += amount
        schedule.append(
            item(part.pay_date, principal_minor=amount, funding_source=part.funding_source)
        )
    if last_late is not None:
        interest = late_interest(late, terms.apr_bps)
        carrier = schedule[last_late[1]]
        schedule[last_late[1]] = item(
            carrier.due_date,
            principal_minor=carrier.principal_minor,
            interest_minor=interest,
            funding_source=carrier.funding_source,
        )
    schedule.sort(key=lambda entry: entry.due_date)
    return _option(
        terms,
        OptionKind.COMBINED,
        combination.label,
        schedule,
        meets_minimum=settled_by_due_date >= min(terms.minimum_due_minor, terms.balance_minor),
    )


@collector_paused()
def repayment_options(
    terms: StatementTerms,
    *,
    today: date,
    offers: Sequence[InstallmentOffer] = (),
    custom_amounts_minor: Sequence[int] = (),
    combinations: Sequence[Combination] = (),
) -> tuple[RepaymentOption, ...]:
    """Every way to repay: in full, the minimum, fixed amounts, installments, combined plans.

    The cyclic garbage collector is paused meanwhile (`billbot.repayments.collector`).
    """
    if today > terms.due_date:
        raise PastDue("this statement is past its due date", due_date=terms.due_date.isoformat())
    options = [pay_in_full(terms), pay_minimum(terms)]
    options.extend(pay_fixed(terms, amount) for amount in custom_amounts_minor)
    options.extend(pay_in_installments(terms, offer) for offer in offers)
    options.extend(pay_combined(terms, combo, today=today) for combo in combinations)
    return tuple(options)
