"""Payoff plans across accounts: avalanche against snowball, within one monthly budget."""

from __future__ import annotations

import math
import random

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billbot.repayments.accrual import MinimumRule
from billbot.repayments.errors import BudgetBelowMinimums, NeverClears, NothingOwed
from billbot.repayments.payoff import (
    Debt,
    PayoffPlan,
    Strategy,
    compare_payoff,
    plan_payoff,
)

RULE = MinimumRule(300, 2_500)
CARDS = [
    Debt("store card", 80_000, 2_999, RULE),
    Debt("travel card", 450_000, 1_899, RULE),
    Debt("credit line", 1_200_000, 1_200, RULE),
]


def assert_clears(plan: PayoffPlan, debts: list[Debt], budget: int) -> None:
    assert plan.months_to_debt_free == len(plan.months)
    assert plan.months[-1].balance_minor == 0
    assert all(row.balance_minor == 0 for row in plan.months[-1].accounts)
    assert plan.total_paid_minor == sum(d.balance_minor for d in debts) + plan.total_interest_minor
    balances = {debt.account_id: debt.balance_minor for debt in debts}
    for month in plan.months:
        assert month.payment_minor <= budget
        assert month.payment_minor == sum(row.payment_minor for row in month.accounts)
        assert month.interest_minor == sum(row.interest_minor for row in month.accounts)
        for row in month.accounts:
            assert row.payment_minor >= 0
            assert (
                row.balance_minor
                == balances[row.account_id] + row.interest_minor - row.payment_minor
            )
            balances[row.account_id] = row.balance_minor
        assert month.balance_minor == sum(balances.values())
        if month is not plan.months[-1]:
            assert month.payment_minor == budget
    assert set(balances.values()) == {0}


def test_avalanche_and_snowball_on_three_cards() -> None:
    comparison = compare_payoff(CARDS, currency="USD", monthly_budget_minor=70_000)
    avalanche, snowball = comparison.avalanche, comparison.snowball
    assert avalanche.order == ("store card", "travel card", "credit line")
    assert snowball.order == ("store card", "travel card", "credit line")
    assert comparison.interest_saved_minor == 0  # the same order here
    swapped = [CARDS[0], Debt("travel card", 450_000, 3_200, RULE), CARDS[2]]
    comparison = compare_payoff(swapped, currency="USD", monthly_budget_minor=70_000)
    assert comparison.avalanche.order[0] == "travel card"
    assert comparison.snowball.order[0] == "store card"
    assert comparison.interest_saved_minor > 0
    for plan in (comparison.avalanche, comparison.snowball):
        assert_clears(plan, swapped, 70_000)


def test_freed_minimums_roll_forward() -> None:
    plan = plan_payoff(
        CARDS, currency="USD", monthly_budget_minor=70_000, strategy=Strategy.SNOWBALL
    )
    cleared = next(
        m
        for m in plan.months
        if any(r.account_id == "store card" and r.balance_minor == 0 for r in m.accounts)
    )
    after = plan.months[cleared.month]  # the month after the store card is paid off
    assert "store card" not in {row.account_id for row in after.accounts}
    assert after.payment_minor == 70_000


def test_a_single_account_matches_npf_nper() -> None:
    debt = Debt("card", 500_000, 2_400, MinimumRule(300, 2_500))
    plan = plan_payoff(
        [debt], currency="USD", monthly_budget_minor=25_000, strategy=Strategy.AVALANCHE
    )
    # Interest for the month, then the payment at its end: npf's ordinary annuity.
    nper = float(npf.nper(0.02, -25_000, 500_000))
    assert plan.months_to_debt_free == math.ceil(nper)
    left = -float(npf.fv(0.02, plan.months_to_debt_free - 1, -25_000, 500_000)) * 1.02
    reference = (plan.months_to_debt_free - 1) * 25_000 + left
    bound = 0.5 * plan.months_to_debt_free * 1.02**plan.months_to_debt_free + 1
    assert abs(plan.total_paid_minor - reference) <= bound


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[list[Debt], int]:
    count = draw(st.integers(1, 6))
    debts = []
    for index in range(count):
        # A minimum of 3% a month always outpaces at most 30% a year, so balances never grow.
        rule = MinimumRule(draw(st.integers(300, 500)), draw(st.integers(100, 5_000)))
        debts.append(
            Debt(f"a{index}", draw(st.integers(1, 2_000_000)), draw(st.integers(0, 3_000)), rule)
        )
    first_minimums = sum(
        d.minimum.due(d.balance_minor + (d.balance_minor * d.apr_bps * 2 + 120_000) // 240_000)
        for d in debts
    )
    total = sum(d.balance_minor for d in debts)
    surplus = draw(st.integers(max(1, total // 200), max(1, total // 10)))
    return debts, first_minimums + surplus


@settings(max_examples=150, deadline=None)
@given(portfolios())
def test_avalanche_never_costs_more_interest_than_snowball(
    portfolio: tuple[list[Debt], int],
) -> None:
    debts, budget = portfolio
    comparison = compare_payoff(debts, currency="USD", monthly_budget_minor=budget)
    avalanche, snowball = comparison.avalanche, comparison.snowball
    # Avalanche spends the least interest in exact arithmetic. Each account's interest is rounded
    # half up every month, so on tiny balances two plans can differ by rounding alone: allow half
    # a minor unit per account-month.
    account_months = max(
        sum(len(month.accounts) for month in plan.months) for plan in (avalanche, snowball)
    )
    assert avalanche.total_interest_minor <= snowball.total_interest_minor + account_months // 2
    assert_clears(avalanche, debts, budget)
    assert_clears(snowball, debts, budget)


def test_avalanche_wins_outright_on_realistic_portfolios() -> None:
    rng = random.Random(20_260_920)
    strictly_better = 0
    for _ in range(200):
        debts = [
            Debt(f"a{index}", rng.randint(50_000, 2_000_000), rng.randint(500, 3_000), RULE)
            for index in range(rng.randint(2, 6))
        ]
        minimums = sum(RULE.due(debt.balance_minor * 103 // 100) for debt in debts)
        budget = minimums + rng.randint(5_000, 100_000)
        comparison = compare_payoff(debts, currency="USD", monthly_budget_minor=budget)
        assert comparison.interest_saved_minor >= 0
        strictly_better += comparison.interest_saved_minor > 0
    assert strictly_better > 100


def test_a_budget_below_the_minimums_is_refused() -> None:
    with pytest.raises(BudgetBelowMinimums) as raised:
        plan_payoff(CARDS, currency="USD", monthly_budget_minor=50_000, strategy=Strategy.AVALANCHE)
    assert raised.value.code == "repayment.budget_below_minimums"
    assert raised.value.details["month"] == 1
    assert raised.value.details["minimums_minor"] > 50_000


def test_a_budget_that_only_covers_interest_never_clears() -> None:
    debt = Debt("card", 1_000_000, 2_400, MinimumRule(0, 0))
    with pytest.raises(NeverClears):
        plan_payoff([debt], currency="USD", monthly_budget_minor=20_000, strategy=Strategy.SNOWBALL)
    slow = Debt("card", 1_000_000, 1_200, MinimumRule(0, 0))
    with pytest.raises(NeverClears) as raised:  # a cent a month at first: about 77 years
        plan_payoff([slow], currency="USD", monthly_budget_minor=10_001, strategy=Strategy.SNOWBALL)
    assert raised.value.code == "repayment.never_clears"


def test_nothing_to_pay_off_is_refused() -> None:
    with pytest.raises(NothingOwed):
        plan_payoff(
            [Debt("card", 0, 2_400, RULE), Debt("line", -500, 1_000, RULE)],
            currency="USD",
            monthly_budget_minor=10_000,
            strategy=Strategy.AVALANCHE,
        )


def test_settled_accounts_are_left_out() -> None:
    plan = plan_payoff(
        [Debt("card", 0, 2_400, RULE), CARDS[0]],
        currency="USD",
        monthly_budget_minor=10_000,
        strategy=Strategy.AVALANCHE,
    )
    assert plan.order == ("store card",)
