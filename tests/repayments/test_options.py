"""Repayment options for a statement: full, minimum, fixed amounts, installments, combined plans."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import date, timedelta

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billbot.money import exponent
from billbot.repayments.accrual import MinimumRule, late_interest
from billbot.repayments.apr import EffectiveApr
from billbot.repayments.errors import NothingOwed, PastDue, RepaymentError
from billbot.repayments.options import (
    Combination,
    InstallmentPart,
    OptionKind,
    PayPart,
    RepaymentOption,
    StatementTerms,
    pay_combined,
    pay_fixed,
    pay_in_full,
    pay_minimum,
    repayment_options,
)
from billbot.repayments.plans import (
    MAX_MONTHS,
    SUPPORTED_TERMS,
    InstallmentOffer,
    Outcome,
    Pricing,
    installment_schedule,
)

DUE = date(2026, 9, 25)
TODAY = date(2026, 9, 20)
CURRENCIES = ["JPY", "USD", "KWD"]
OFFERS = [
    InstallmentOffer(3, Pricing.FEE_PER_MONTH, 60),
    InstallmentOffer(6, Pricing.ONE_OFF_FEE, 300),
    InstallmentOffer(12, Pricing.APR, 1_500),
    InstallmentOffer(24, Pricing.FEE_PER_MONTH, 60),
]


def usd(balance: int, *, apr: int = 2_400, rate: int = 300, floor: int = 2_500) -> StatementTerms:
    rule = MinimumRule(rate, floor)
    return StatementTerms(balance, rule.due(balance), "USD", apr, DUE, rule)


def assert_consistent(option: RepaymentOption, terms: StatementTerms) -> None:
    """What every clearing option promises: exact totals, no negative amounts, last pays off."""
    assert option.outcome is Outcome.CLEARS
    total = sum(entry.amount_minor for entry in option.schedule)
    assert option.total_paid_minor == total
    assert option.extra_over_full_minor == total - terms.balance_minor
    assert option.extra_over_full_minor == option.interest_minor + option.fees_minor
    assert sum(entry.principal_minor for entry in option.schedule) == terms.balance_minor
    assert option.balance_left_minor == 0
    for entry in option.schedule:
        assert entry.amount_minor == entry.principal_minor + entry.interest_minor + entry.fee_minor
        assert min(entry.principal_minor, entry.interest_minor, entry.fee_minor) >= 0
    assert [entry.due_date for entry in option.schedule] == sorted(
        entry.due_date for entry in option.schedule
    )
    assert option.last_payment_date == option.schedule[-1].due_date
    assert option.effective_apr is not None


def test_every_option_states_the_same_fields() -> None:
    terms = usd(500_000)
    combos = [
        Combination((PayPart(TODAY, 200_000, "debit card"), PayPart(date(2026, 10, 10)))),
        Combination((PayPart(TODAY, 100_000), InstallmentPart(OFFERS[2])), "part_now_rest_12"),
    ]
    options = repayment_options(
        terms, today=TODAY, offers=OFFERS, custom_amounts_minor=[50_000], combinations=combos
    )
    assert [option.label for option in options] == [
        "full",
        "minimum",
        "custom_50000",
        "installments_3_fee_per_month",
        "installments_6_one_off_fee",
        "installments_12_apr",
        "installments_24_fee_per_month",
        "combined",
        "part_now_rest_12",
    ]
    names = {field.name for field in fields(RepaymentOption)}
    for option in options:
        assert {field.name for field in fields(option)} == names
        assert option.currency == "USD"
        assert_consistent(option, terms)


def test_paying_in_full_costs_nothing() -> None:
    option = pay_in_full(usd(123_456))
    assert option.kind is OptionKind.FULL
    assert option.total_paid_minor == 123_456
    assert option.extra_over_full_minor == 0
    assert option.effective_apr == EffectiveApr.zero()
    assert [(e.due_date, e.amount_minor) for e in option.schedule] == [(DUE, 123_456)]


def test_the_minimum_shows_what_it_costs_and_how_long_it_takes() -> None:
    terms = usd(500_000)
    option = pay_minimum(terms)
    assert_consistent(option, terms)
    assert option.schedule[0].amount_minor == 15_000
    assert len(option.schedule) == 222
    assert option.last_payment_date == date(2045, 2, 25)  # 221 months after the due date
    assert option.total_paid_minor == 1_313_095
    assert option.interest_minor == 813_095
    assert option.effective_apr is not None
    assert str(option.effective_apr.nominal_percent) == "24.00"
    assert str(option.effective_apr.annual_effective_percent) == "26.82"


def test_a_minimum_that_never_covers_interest_never_clears() -> None:
    # 1% of the balance against 2% a month of interest, no floor.
    terms = usd(500_000, rate=100, floor=0)
    option = pay_minimum(terms)
    assert option.outcome is Outcome.PAYMENT_BELOW_INTEREST
    assert not option.outcome.clears
    assert option.total_paid_minor is None
    assert option.extra_over_full_minor is None
    assert option.effective_apr is None
    assert option.balance_left_minor == 495_000


def test_a_minimum_that_rounds_away_to_nothing_never_clears() -> None:
    # 3% of a small balance rounds below the interest once the floor is zero.
    option = pay_minimum(usd(2_000, rate=300, floor=0, apr=3_000))
    assert option.outcome is Outcome.PAYMENT_BELOW_INTEREST
    assert option.balance_left_minor > 0


def test_a_payment_just_above_interest_is_reported_beyond_the_horizon() -> None:
    # 1 000 000 at 12%: 10 000 of interest a month; 10 001 clears one cent, then a little more
    # each month, which would take about 77 years.
    option = pay_fixed(usd(1_010_001, apr=1_200, floor=0), 10_001)
    assert option.outcome is Outcome.BEYOND_HORIZON
    assert len(option.schedule) == MAX_MONTHS + 1
    assert option.total_paid_minor is None
    assert option.effective_apr is None
    assert 0 < option.balance_left_minor < 1_000_000
    assert option.interest_minor > 5_000_000


def test_a_fixed_payment_below_the_minimum_is_flagged() -> None:
    terms = usd(500_000)
    assert not pay_fixed(terms, 14_999).meets_minimum
    assert pay_fixed(terms, 15_000).meets_minimum
    with pytest.raises(RepaymentError):
        pay_fixed(terms, 0)


@settings(max_examples=60)
@given(st.integers(10_000, 10**8), st.integers(0, 3_600), st.integers(1, 120))
def test_fixed_payments_match_npf_nper_and_totals(balance: int, apr: int, months: int) -> None:
    rate = apr / 120_000
    payment = max(1, math.ceil(-npf.pmt(rate, months, balance, when="begin")) if rate else 0)
    payment = max(payment, math.ceil(balance / months))
    option = pay_fixed(usd(balance, apr=apr, floor=0), payment)
    assert option.outcome is Outcome.CLEARS
    count = len(option.schedule)
    # npf: payments at the start of each month, interest on what is left.
    nper = float(npf.nper(rate, -payment, balance, when="begin")) if rate else balance / payment
    assert abs(count - math.ceil(nper - 1e-9)) <= 1
    full = count - 1
    left = (
        -float(npf.fv(rate, full, -payment, balance, when="begin"))
        if rate
        else balance - full * payment
    )
    expected_total = full * payment + left
    # Interest is rounded half up each month: each rounding is at most half a minor unit and
    # compounds at the monthly rate for the months after it.
    bound = 0.5 * count * (1 + rate) ** count + 1
    assert option.total_paid_minor is not None
    assert abs(option.total_paid_minor - expected_total) <= bound


def test_a_minimum_held_at_its_floor_is_a_fixed_payment() -> None:
    floor_only = usd(300_000, rate=0, floor=10_000)
    fixed = pay_fixed(floor_only, 10_000)
    assert pay_minimum(floor_only).schedule == fixed.schedule
    rate = 2_400 / 120_000
    months = math.ceil(float(npf.nper(rate, -10_000, 300_000, when="begin")))
    assert len(fixed.schedule) == months == 45
    left = -float(npf.fv(rate, months - 1, -10_000, 300_000, when="begin"))
    reference = (months - 1) * 10_000 + left  # 448 088.84
    assert fixed.total_paid_minor == 448_087
    assert abs(fixed.total_paid_minor - reference) <= 2


@st.composite
def statements(draw: st.DrawFn) -> StatementTerms:
    currency = draw(st.sampled_from(CURRENCIES))
    balance = draw(st.integers(100, 10 ** (5 + exponent(currency))))
    apr = draw(st.integers(0, 3_600))
    rule = MinimumRule(
        draw(st.integers(100, 500)), draw(st.integers(0, 5 * 10 ** exponent(currency)))
    )
    return StatementTerms(balance, rule.due(balance), currency, apr, DUE, rule)


offers = st.builds(
    InstallmentOffer,
    term_months=st.sampled_from(SUPPORTED_TERMS),
    pricing=st.sampled_from(list(Pricing)),
    rate_bps=st.integers(0, 3_600),
)


@given(statements(), st.data())
def test_now_and_payday_sum_to_balance_plus_late_interest(
    terms: StatementTerms, data: st.DataObject
) -> None:
    now = data.draw(st.integers(1, terms.balance_minor - 1), label="now")
    payday = DUE + timedelta(days=data.draw(st.integers(-5, 60), label="days after due"))
    option = pay_combined(
        terms,
        Combination((PayPart(TODAY, now, "A"), PayPart(payday, None, "B"))),
        today=TODAY,
    )
    assert_consistent(option, terms)
    late = late_interest([(terms.balance_minor - now, (payday - DUE).days)], terms.apr_bps)
    assert option.total_paid_minor == terms.balance_minor + late
    assert option.interest_minor == late
    assert [entry.funding_source for entry in option.schedule] == ["A", "B"]
    assert option.schedule[-1].interest_minor == late
    assert option.meets_minimum == (payday <= DUE or now >= terms.minimum_due_minor)


@given(statements(), offers, st.data())
def test_part_now_rest_in_installments_sums_to_balance_plus_plan_cost(
    terms: StatementTerms, offer: InstallmentOffer, data: st.DataObject
) -> None:
    now = data.draw(st.integers(0, terms.balance_minor - offer.term_months), label="now")
    parts: tuple[PayPart | InstallmentPart, ...] = (InstallmentPart(offer, None, "card"),)
    if now:
        parts = (PayPart(DUE, now, "wallet"), *parts)
    option = pay_combined(terms, Combination(parts), today=TODAY)
    assert_consistent(option, terms)
    plan = installment_schedule(terms.balance_minor - now, offer, start_date=DUE)
    cost = sum(entry.amount_minor for entry in plan) - (terms.balance_minor - now)
    assert option.total_paid_minor == terms.balance_minor + cost
    assert option.schedule[-1].principal_minor >= 1


@given(statements(), st.lists(st.integers(-3, 90), min_size=2, max_size=5), st.data())
def test_several_late_parts_are_charged_once_and_sum_exactly(
    terms: StatementTerms, days: list[int], data: st.DataObject
) -> None:
    if terms.balance_minor < len(days):
        return
    cuts = sorted(
        data.draw(
            st.lists(
                st.integers(1, terms.balance_minor - 1),
                min_size=len(days) - 1,
                max_size=len(days) - 1,
                unique=True,
            ),
            label="cuts",
        )
    )
    amounts = [b - a for a, b in zip([0, *cuts], [*cuts, terms.balance_minor], strict=True)]
    parts = tuple(
        PayPart(DUE + timedelta(days=d), amount) for d, amount in zip(days, amounts, strict=True)
    )
    option = pay_combined(terms, Combination(parts), today=TODAY)
    assert_consistent(option, terms)
    late = late_interest(list(zip(amounts, days, strict=True)), terms.apr_bps)
    assert option.interest_minor == late
    assert sum(1 for entry in option.schedule if entry.interest_minor) <= 1


def test_combined_plan_example() -> None:
    terms = usd(500_000)
    option = pay_combined(
        terms,
        Combination(
            (PayPart(TODAY, 200_000, "debit card"), PayPart(date(2026, 10, 10), None, "salary"))
        ),
        today=TODAY,
    )
    # 300 000 for 15 days at 24% / 365 = 2 958.9, rounded half up once.
    assert option.total_paid_minor == 502_959
    assert option.meets_minimum
    assert option.effective_apr is not None
    assert str(option.effective_apr.nominal_percent) == "23.79"


@pytest.mark.parametrize(
    "parts",
    [
        (),
        (PayPart(DUE, 100), PayPart(DUE, 100)),
        (PayPart(DUE), PayPart(DUE)),
        (PayPart(DUE, 1_000), PayPart(DUE)),
        (PayPart(DUE, -5), PayPart(DUE)),
        (PayPart(TODAY - timedelta(days=1)),),
        (PayPart(DUE, 999), InstallmentPart(InstallmentOffer(24, Pricing.APR, 100))),
    ],
)
def test_combined_plans_that_do_not_add_up_are_refused(
    parts: tuple[PayPart | InstallmentPart, ...],
) -> None:
    with pytest.raises(RepaymentError):
        pay_combined(usd(1_000), Combination(parts), today=TODAY)


@pytest.mark.parametrize("balance", [0, -1, -50_000])
def test_nothing_owed_is_refused(balance: int) -> None:
    with pytest.raises(NothingOwed) as raised:
        usd(balance)
    assert raised.value.code == "repayment.nothing_owed"
    assert raised.value.status_code == 422


def test_past_due_statements_are_refused() -> None:
    with pytest.raises(PastDue):
        repayment_options(usd(1_000), today=DUE + timedelta(days=1))
    assert len(repayment_options(usd(1_000), today=DUE)) == 2


@pytest.mark.parametrize("currency", CURRENCIES)
def test_each_currency_sums_exactly(currency: str) -> None:
    balance = 1_234_567 if exponent(currency) else 123_457
    rule = MinimumRule(300, 10 ** (exponent(currency) + 1))
    terms = StatementTerms(balance, rule.due(balance), currency, 1_999, DUE, rule)
    for option in repayment_options(terms, today=TODAY, offers=OFFERS):
        assert option.currency == currency
        assert_consistent(option, terms)


def test_unknown_currencies_are_refused() -> None:
    with pytest.raises(ValueError):
        StatementTerms(1_000, 100, "XYZ", 2_400, DUE, MinimumRule(300, 0))
