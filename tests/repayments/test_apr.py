"""Effective APR from cash flows, checked against numpy_financial."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billbot.repayments.accrual import MinimumRule
from billbot.repayments.apr import EffectiveApr, effective_apr, monthly_rate
from billbot.repayments.options import StatementTerms, pay_fixed, pay_in_installments
from billbot.repayments.plans import SUPPORTED_TERMS, InstallmentOffer, Pricing

DUE = date(2026, 8, 31)
TOLERANCE = Decimal("0.01")


def reference(financed: int, payments: list[tuple[int, int]]) -> tuple[Decimal, Decimal]:
    """Nominal and effective annual percent from npf.irr over whole monthly periods."""
    flows = [0.0] * (max(period for period, _ in payments) + 1)
    flows[0] = -float(financed)
    for period, amount in payments:
        flows[period] += amount
    rate = float(npf.irr(flows))
    return Decimal(rate * 1200), Decimal(((1 + rate) ** 12 - 1) * 100)


def assert_close(found: EffectiveApr, financed: int, payments: list[tuple[int, int]]) -> None:
    nominal, annual = reference(financed, payments)
    assert abs(found.nominal_percent - nominal) <= TOLERANCE
    assert abs(found.annual_effective_percent - annual) <= TOLERANCE


@settings(max_examples=60)
@given(
    st.sampled_from(SUPPORTED_TERMS),
    st.sampled_from(list(Pricing)),
    st.integers(1, 3_600),
    st.integers(10_000, 10**9),
)
def test_installment_apr_matches_npf_irr(
    term: int, pricing: Pricing, rate: int, balance: int
) -> None:
    terms = StatementTerms(balance, 0, "USD", 2_400, DUE, MinimumRule(300, 0))
    option = pay_in_installments(terms, InstallmentOffer(term, pricing, rate))
    assert option.effective_apr is not None
    payments = [(index, entry.amount_minor) for index, entry in enumerate(option.schedule, 1)]
    assert_close(option.effective_apr, balance, payments)


@settings(max_examples=40)
@given(st.integers(100_000, 10**8), st.integers(100, 3_600), st.integers(3, 36))
def test_fixed_payment_apr_matches_npf_irr_and_the_card_apr(
    balance: int, apr: int, months: int
) -> None:
    payment = -int(npf.pmt(apr / 120_000, months, balance, when="begin")) + 1
    option = pay_fixed(StatementTerms(balance, 0, "USD", apr, DUE, MinimumRule(0, 0)), payment)
    assert option.effective_apr is not None
    payments = [(index, entry.amount_minor) for index, entry in enumerate(option.schedule)]
    assert_close(option.effective_apr, balance, payments)
    # Interest at APR / 12 on the balance is an IRR of APR / 12, up to rounding to the minor unit.
    assert abs(option.effective_apr.nominal_percent - Decimal(apr) / 100) <= TOLERANCE


def test_apr_plans_cost_their_apr() -> None:
    terms = StatementTerms(1_200_000, 0, "USD", 2_400, DUE, MinimumRule(300, 0))
    option = pay_in_installments(terms, InstallmentOffer(12, Pricing.APR, 1_500))
    assert option.effective_apr == EffectiveApr(Decimal("15.00"), Decimal("16.08"))


def test_payments_between_months_sit_at_a_share_of_the_month() -> None:
    # 1 000 repaid with 1 010 half a month later: (1 + r)^0.5 = 1.01.
    found = effective_apr(1_000, [(date(2027, 4, 16), 1_010)], start_date=date(2027, 4, 1))
    rate = 1.01**2 - 1
    assert found.nominal_percent == Decimal(rate * 1200).quantize(TOLERANCE)
    # Paying early earns nothing: a payment before the start counts at the start.
    early = effective_apr(
        1_000, [(date(2027, 3, 1), 500), (date(2027, 5, 1), 510)], start_date=date(2027, 4, 1)
    )
    assert early.nominal_percent == Decimal("24.00")


def test_rates_refuse_what_has_no_rate() -> None:
    assert monthly_rate(1_000, [(1, 1_000)]) == 0.0
    with pytest.raises(ValueError):
        monthly_rate(1_000, [(1, 999)])
    with pytest.raises(ValueError):
        monthly_rate(0, [(1, 10)])
    with pytest.raises(ValueError):
        monthly_rate(1_000, [(0, 1_000), (1, 5)])


def test_steep_costs_still_converge() -> None:
    # A fee as large as the amount, a month later: 100% a month.
    assert monthly_rate(1_000, [(1, 2_000)]) == pytest.approx(1.0)
    assert monthly_rate(1_000, [(1, 100_000)]) == pytest.approx(99.0)
