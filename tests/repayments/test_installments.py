"""Installment schedules sum exactly to what is owed plus the stated cost, in any currency."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billbot.money import exponent
from billbot.repayments.accrual import add_months
from billbot.repayments.errors import RepaymentError, UnsupportedTerm
from billbot.repayments.plans import (
    SUPPORTED_TERMS,
    InstallmentOffer,
    Pricing,
    ScheduleItem,
    installment_schedule,
)

CURRENCIES = ["JPY", "USD", "KWD"]
DUE = date(2027, 1, 31)


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def stated_cost(principal: int, offer: InstallmentOffer) -> int:
    """The cost an issuer states for an offer, worked out independently with Decimal."""
    if offer.pricing is Pricing.FEE_PER_MONTH:
        return offer.term_months * half_up(Decimal(principal) * offer.rate_bps / 10_000)
    if offer.pricing is Pricing.ONE_OFF_FEE:
        return half_up(Decimal(principal) * offer.rate_bps / 10_000)
    base, extra = divmod(principal, offer.term_months)
    owed, interest = principal, 0
    for month in range(offer.term_months):
        interest += half_up(Decimal(owed) * offer.rate_bps / 10_000 / 12)
        owed -= base + (1 if month < extra else 0)
    return interest


offers = st.builds(
    InstallmentOffer,
    term_months=st.sampled_from(SUPPORTED_TERMS),
    pricing=st.sampled_from(list(Pricing)),
    rate_bps=st.integers(0, 3_600),
)


@st.composite
def balances(draw: st.DrawFn) -> tuple[str, int]:
    currency = draw(st.sampled_from(CURRENCIES))
    # Up to a million major units, down to a single minor unit.
    return currency, draw(st.integers(24, 10 ** (6 + exponent(currency))))


def assert_well_formed(schedule: tuple[ScheduleItem, ...], principal: int) -> None:
    paid = 0
    for index, entry in enumerate(schedule):
        assert entry.amount_minor == entry.principal_minor + entry.interest_minor + entry.fee_minor
        assert min(entry.principal_minor, entry.interest_minor, entry.fee_minor) >= 0
        assert entry.principal_minor >= 1
        paid += entry.principal_minor
        assert (paid == principal) == (index == len(schedule) - 1)


@given(balances(), offers)
def test_schedule_sums_to_principal_plus_stated_cost(
    balance: tuple[str, int], offer: InstallmentOffer
) -> None:
    _, principal = balance
    schedule = installment_schedule(principal, offer, start_date=DUE)
    assert len(schedule) == offer.term_months
    assert sum(entry.amount_minor for entry in schedule) == principal + stated_cost(
        principal, offer
    )
    assert_well_formed(schedule, principal)
    assert [entry.due_date for entry in schedule] == [
        add_months(DUE, month) for month in range(1, offer.term_months + 1)
    ]


@given(balances(), offers)
def test_principal_parts_differ_by_at_most_one_and_earlier_carry_the_remainder(
    balance: tuple[str, int], offer: InstallmentOffer
) -> None:
    _, principal = balance
    parts = [
        entry.principal_minor for entry in installment_schedule(principal, offer, start_date=DUE)
    ]
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


def test_fee_types_charge_where_they_say() -> None:
    monthly = installment_schedule(
        100_000, InstallmentOffer(3, Pricing.FEE_PER_MONTH, 60), start_date=DUE
    )
    assert [entry.fee_minor for entry in monthly] == [600, 600, 600]
    assert [entry.amount_minor for entry in monthly] == [33_934, 33_933, 33_933]
    once = installment_schedule(
        100_000, InstallmentOffer(3, Pricing.ONE_OFF_FEE, 300), start_date=DUE
    )
    assert [entry.fee_minor for entry in once] == [3_000, 0, 0]
    apr = installment_schedule(120_000, InstallmentOffer(3, Pricing.APR, 1_200), start_date=DUE)
    assert [entry.interest_minor for entry in apr] == [1_200, 800, 400]


def test_zero_rate_offers_cost_nothing() -> None:
    for pricing in Pricing:
        schedule = installment_schedule(1_001, InstallmentOffer(24, pricing, 0), start_date=DUE)
        assert sum(entry.amount_minor for entry in schedule) == 1_001


@pytest.mark.parametrize("term", [0, 1, 2, 4, 9, 18, 36, -3])
def test_unsupported_terms_are_refused(term: int) -> None:
    with pytest.raises(UnsupportedTerm) as raised:
        InstallmentOffer(term, Pricing.APR, 1_500)
    assert raised.value.code == "repayment.unsupported_term"


def test_a_plan_repays_at_least_one_minor_unit_a_month() -> None:
    with pytest.raises(ValueError):
        installment_schedule(0, InstallmentOffer(3, Pricing.APR, 1_500), start_date=DUE)
    with pytest.raises(RepaymentError):
        installment_schedule(23, InstallmentOffer(24, Pricing.APR, 1_500), start_date=DUE)
    schedule = installment_schedule(3, InstallmentOffer(3, Pricing.APR, 1_500), start_date=DUE)
    assert [entry.amount_minor for entry in schedule] == [1, 1, 1]


def test_flat_fees_cost_about_twice_their_nominal_rate() -> None:
    # 0.60% a month on the original principal over 12 months, checked with npf.rate on level
    # payments: 120 000 / 12 + 720 = 10 720 a month.
    schedule = installment_schedule(
        120_000, InstallmentOffer(12, Pricing.FEE_PER_MONTH, 60), start_date=DUE
    )
    assert {entry.amount_minor for entry in schedule} == {10_720}
    reference = float(npf.rate(12, -10_720, 120_000, 0)) * 1200
    assert reference == pytest.approx(13.0, abs=0.1)
