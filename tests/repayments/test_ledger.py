"""Installments tied to the statements they land on, six months ahead, and the stacking guard."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billbot.accounts.models import DueRule
from billbot.bills.cycles import CyclePlan, cycle_for, cycles_between
from billbot.repayments.accrual import add_months
from billbot.repayments.errors import RepaymentError
from billbot.repayments.ledger import (
    ActivePlan,
    PlanItem,
    ProjectedStatement,
    land_installments,
    project_statements,
    stacking_guard,
)

CARD = CyclePlan(closing_day=15, due_rule=DueRule.FIXED_DAY, due_value=5)
TODAY = date(2026, 9, 20)


def monthly_plan(plan_id: str, first: date, amounts: list[int]) -> ActivePlan:
    items = tuple(PlanItem(add_months(first, k), amount) for k, amount in enumerate(amounts))
    return ActivePlan(plan_id, "USD", items)


PHONE = monthly_plan("phone", date(2026, 9, 28), [8_334, 8_333, 8_333])
SOFA = monthly_plan("sofa", date(2026, 10, 3), [20_000] * 6)


def test_each_installment_lands_on_the_cycle_that_contains_its_posting_date() -> None:
    landed = land_installments([PHONE, SOFA], partial(cycle_for, plan=CARD))
    first = landed[0]
    assert (first.plan_id, first.post_date) == ("phone", date(2026, 9, 28))
    assert first.cycle_end_date == date(2026, 10, 15)
    assert first.due_date == date(2026, 11, 5)
    sofa = [entry for entry in landed if entry.plan_id == "sofa"]
    assert [entry.due_date for entry in sofa] == [
        date(2026, 11, 5),
        date(2026, 12, 5),
        date(2027, 1, 5),
        date(2027, 2, 5),
        date(2027, 3, 5),
        date(2027, 4, 5),
    ]
    assert [entry.post_date for entry in landed] == sorted(entry.post_date for entry in landed)


def test_cycles_given_as_a_list_or_a_function_agree() -> None:
    cycles = cycles_between(date(2026, 9, 1), date(2027, 6, 30), CARD)
    by_list = land_installments([PHONE, SOFA], cycles)
    by_function = land_installments([PHONE, SOFA], partial(cycle_for, plan=CARD))
    assert by_list == by_function


def test_an_installment_outside_the_given_cycles_is_refused() -> None:
    cycles = cycles_between(date(2026, 9, 1), date(2026, 12, 31), CARD)
    with pytest.raises(RepaymentError):
        land_installments([SOFA], cycles)


def test_the_next_six_statements() -> None:
    projected = project_statements([PHONE, SOFA], partial(cycle_for, plan=CARD), today=TODAY)
    assert len(projected) == 6
    assert projected[0].start_date == date(2026, 9, 16)
    assert [statement.due_date for statement in projected] == [
        date(2026, 11, 5),
        date(2026, 12, 5),
        date(2027, 1, 5),
        date(2027, 2, 5),
        date(2027, 3, 5),
        date(2027, 4, 5),
    ]
    assert [statement.installments_minor for statement in projected] == [
        28_334,
        28_333,
        28_333,
        20_000,
        20_000,
        20_000,
    ]


@given(
    st.lists(
        st.tuples(st.dates(date(2026, 6, 1), date(2027, 12, 31)), st.integers(0, 10**7)),
        max_size=40,
    ),
    st.dates(date(2026, 8, 1), date(2027, 3, 1)),
)
def test_projection_counts_each_installment_in_the_window_once(
    items: list[tuple[date, int]], today: date
) -> None:
    plan = ActivePlan("bnpl", "USD", tuple(PlanItem(day, amount) for day, amount in items))
    projected = project_statements([plan], partial(cycle_for, plan=CARD), today=today)
    first, last = projected[0].start_date, projected[-1].end_date
    assert first <= today <= projected[0].end_date
    expected = sum(amount for day, amount in items if first <= day <= last)
    assert sum(statement.installments_minor for statement in projected) == expected
    for statement in projected:
        assert all(
            statement.start_date <= e.post_date <= statement.end_date for e in statement.items
        )


def test_a_short_list_of_cycles_projects_what_it_covers() -> None:
    cycles = cycles_between(date(2026, 9, 1), date(2026, 11, 30), CARD)
    projected = project_statements([PHONE], cycles, today=TODAY)
    assert [statement.end_date for statement in projected] == [
        date(2026, 10, 15),
        date(2026, 11, 15),
        date(2026, 12, 15),
    ]


def test_plans_in_different_currencies_are_refused() -> None:
    yen = ActivePlan("tv", "JPY", (PlanItem(date(2026, 10, 1), 5_000),))
    with pytest.raises(RepaymentError):
        project_statements([PHONE, yen], partial(cycle_for, plan=CARD), today=TODAY)


def statement(due: date, amount: int) -> ProjectedStatement:
    return ProjectedStatement(due - timedelta(days=50), due - timedelta(days=20), due, amount, ())


def test_stacking_guard_flags_months_over_the_income_share() -> None:
    statements = [
        statement(date(2026, 11, 5), 90_000),
        statement(date(2026, 12, 5), 90_001),
        statement(date(2027, 1, 5), 40_000),
        statement(date(2027, 1, 25), 50_001),  # another account due the same month
    ]
    loads = stacking_guard(statements, monthly_income_minor=300_000)
    assert [load.month_date for load in loads] == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]
    assert [load.limit_minor for load in loads] == [90_000] * 3
    assert [load.over_limit for load in loads] == [False, True, True]
    assert [load.share_bps for load in loads] == [3_000, 3_000, 3_000]


def test_stacking_guard_with_other_obligations_and_a_stricter_share() -> None:
    loads = stacking_guard(
        [statement(date(2026, 11, 5), 20_000)],
        monthly_income_minor=300_000,
        threshold_bps=1_000,
        other_obligations_minor=15_000,
    )
    assert loads[0].obligations_minor == 35_000
    assert loads[0].over_limit
    assert loads[0].share_bps == 1_167


@pytest.mark.parametrize("income", [0, -1])
def test_stacking_guard_needs_an_income(income: int) -> None:
    with pytest.raises(RepaymentError):
        stacking_guard([], monthly_income_minor=income)


def test_stacking_guard_refuses_a_share_outside_basis_points() -> None:
    with pytest.raises(RepaymentError):
        stacking_guard([], monthly_income_minor=100, threshold_bps=0)
