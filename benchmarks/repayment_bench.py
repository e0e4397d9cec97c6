"""Time repayment options for one statement and payoff plans for ten accounts over thirty years.

Each figure is compared in the same run with a trivial raw baseline: one scalar `npf.pmt` call
(numpy_financial), and for the payoff plan also a bare integer loop over the same account-months
with no rules and no records, so the ratios say what billbot's rules and outputs cost on top.

As a running service does after start-up, the bench moves everything loaded so far out of the
collector's sight (`gc.freeze()`); billbot pauses the cyclic collector during each computation
(`billbot.repayments.collector`), so a plan's tens of thousands of short-lived records do not
trigger full-heap scans in the middle of it (they caused 30+ ms spikes at p99).

    .venv/bin/python benchmarks/repayment_bench.py
    .venv/bin/python benchmarks/repayment_bench.py --calls 10000 --payoff-calls 200
    .venv/bin/python benchmarks/repayment_bench.py --clock cpu   # on a busy, shared machine
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy_financial as npf

from billbot.repayments.accrual import MinimumRule
from billbot.repayments.errors import RepaymentError
from billbot.repayments.options import (
    Combination,
    InstallmentPart,
    PayPart,
    StatementTerms,
    repayment_options,
)
from billbot.repayments.payoff import Debt, compare_payoff, plan_payoff
from billbot.repayments.plans import InstallmentOffer, Pricing

TODAY = date(2026, 9, 20)
OFFERS = (
    InstallmentOffer(3, Pricing.FEE_PER_MONTH, 60),
    InstallmentOffer(6, Pricing.ONE_OFF_FEE, 300),
    InstallmentOffer(12, Pricing.APR, 1_500),
    InstallmentOffer(24, Pricing.FEE_PER_MONTH, 60),
)


# `wall` is what a caller waits; `cpu` (this thread's CPU time) leaves out the time the thread
# waited for a core, which is what a shared, overloaded machine adds to the wall-clock p99.
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}
CLOCK = "wall"


def per_call(call: Callable[[], object], calls: int) -> list[float]:
    """Seconds taken by each of `calls` calls, after a short warm-up."""
    for _ in range(min(calls, 50)):
        call()
    gc.collect()
    timings = []
    clock = CLOCKS[CLOCK]
    for _ in range(calls):
        start = clock()
        call()
        timings.append(clock() - start)
    return timings


def summary(timings: list[float]) -> tuple[float, float]:
    """Median and 99th percentile in milliseconds."""
    ordered = sorted(timings)
    return statistics.median(ordered) * 1e3, ordered[int(len(ordered) * 0.99) - 1] * 1e3


def statement(rng: random.Random) -> tuple[StatementTerms, tuple[Combination, ...]]:
    """A USD card statement with a few thousand dollars owing and two combined plans."""
    balance = rng.randint(200_000, 800_000)
    rule = MinimumRule(300, 2_500)
    terms = StatementTerms(
        balance,
        rule.due(balance),
        "USD",
        rng.choice([1_899, 2_400, 2_999]),
        TODAY + timedelta(days=rng.randint(0, 20)),
        rule,
    )
    now = balance * rng.randint(20, 60) // 100
    combinations = (
        Combination(
            (
                PayPart(TODAY, now, "debit card"),
                PayPart(terms.due_date + timedelta(days=15), None, "salary"),
            )
        ),
        Combination(
            (PayPart(TODAY, now, "debit card"), InstallmentPart(OFFERS[2], None, "card")),
            "part_now_rest_12",
        ),
    )
    return terms, combinations


def debts(rng: random.Random, count: int) -> list[Debt]:
    """`count` accounts with mixed balances and APRs; minimums of 1%, below some accounts' interest."""
    return [
        Debt(
            f"account-{index}",
            rng.randint(100_000, 2_500_000),
            rng.randint(900, 2_400),
            MinimumRule(100, 2_500),
        )
        for index in range(count)
    ]


def budget_for_months(portfolio: list[Debt], months: int) -> int:
    """The smallest budget with which both strategies clear the portfolio within `months`."""
    low, high = 1, sum(debt.balance_minor for debt in portfolio)
    while low < high:
        middle = (low + high) // 2
        try:
            comparison = compare_payoff(portfolio, currency="USD", monthly_budget_minor=middle)
            plans = (comparison.avalanche, comparison.snowball)
            fits = max(plan.months_to_debt_free for plan in plans) <= months
        except RepaymentError:
            fits = False
        if fits:
            high = middle
        else:
            low = middle + 1
    return low


def raw_payoff(portfolio: list[Debt], budget: int, months: int) -> int:
    """The bare loop: `months` of monthly interest and the budget poured in order, nothing kept."""
    balances = [debt.balance_minor for debt in portfolio]
    aprs = [debt.apr_bps for debt in portfolio]
    for _ in range(months):
        left = budget
        for index, balance in enumerate(balances):
            if balance:
                balance += (balance * aprs[index] * 2 + 120_000) // 240_000
                paid = min(balance, left)
                balances[index] = balance - paid
                left -= paid
    return sum(balances)


def random_statements(rng: random.Random, calls: int) -> tuple[float, float]:
    """Median and p99 of options for `calls` different statements (released before returning)."""
    cursor = itertools.cycle([statement(rng) for _ in range(calls)])

    def next_statement() -> object:
        terms, combinations = next(cursor)
        return repayment_options(
            terms,
            today=TODAY,
            offers=OFFERS,
            custom_amounts_minor=(50_000,),
            combinations=combinations,
        )

    return summary(per_call(next_statement, calls))


def main() -> None:
    """Run both scenarios and print their timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000, help="calls timed for the options")
    parser.add_argument("--payoff-calls", type=int, default=200, help="calls timed for payoff")
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20260920)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    args = parser.parse_args()
    global CLOCK
    CLOCK = args.clock
    print(f"timing with the {CLOCK} clock; load average {os.getloadavg()[0]:.1f}")
    rng = random.Random(args.seed)
    gc.collect()
    gc.freeze()  # what a service does once started: its modules and settings are long-lived

    baseline = per_call(lambda: npf.pmt(0.02, 12, -500_000), args.calls)
    base_median, base_p99 = summary(baseline)
    print(
        f"baseline npf.pmt scalar call: median {base_median * 1e3:.1f} us, p99 {base_p99 * 1e3:.1f} us"
    )

    terms, combinations = statement(rng)
    options = repayment_options(
        terms, today=TODAY, offers=OFFERS, custom_amounts_minor=(50_000,), combinations=combinations
    )
    longest = max(len(option.schedule) for option in options)
    timings = per_call(
        lambda: repayment_options(
            terms,
            today=TODAY,
            offers=OFFERS,
            custom_amounts_minor=(50_000,),
            combinations=combinations,
        ),
        args.calls,
    )
    median, p99 = summary(timings)
    print(
        f"repayment options, one statement ({len(options)} options, longest schedule {longest} payments), "
        f"{args.calls:,} calls: median {median:.3f} ms, p99 {p99:.3f} ms (target p99 < 2 ms); "
        f"ratio to npf.pmt {median / base_median:.0f}x"
    )

    median, p99 = random_statements(rng, args.calls)
    print(f"  {args.calls:,} different random statements: median {median:.3f} ms, p99 {p99:.3f} ms")

    portfolio = debts(random.Random(args.seed + 1), args.accounts)
    budget = budget_for_months(portfolio, args.years * 12)
    comparison = compare_payoff(portfolio, currency="USD", monthly_budget_minor=budget)
    plan = max(comparison.avalanche, comparison.snowball, key=lambda p: p.months_to_debt_free)
    single = summary(
        per_call(
            lambda: plan_payoff(
                portfolio, currency="USD", monthly_budget_minor=budget, strategy=plan.strategy
            ),
            args.payoff_calls,
        )
    )
    both = summary(
        per_call(
            lambda: compare_payoff(portfolio, currency="USD", monthly_budget_minor=budget),
            args.payoff_calls,
        )
    )
    raw = summary(
        per_call(lambda: raw_payoff(portfolio, budget, plan.months_to_debt_free), args.payoff_calls)
    )
    print(
        f"payoff plan, {args.accounts} accounts, budget {budget / 100:,.2f} USD a month: "
        f"avalanche {comparison.avalanche.months_to_debt_free} months, interest "
        f"{comparison.avalanche.total_interest_minor / 100:,.2f}; snowball "
        f"{comparison.snowball.months_to_debt_free} months, interest "
        f"{comparison.snowball.total_interest_minor / 100:,.2f}"
    )
    print(
        f"  {args.payoff_calls} calls: "
        f"{plan.strategy} alone ({plan.months_to_debt_free} months) median {single[0]:.2f} ms, p99 {single[1]:.2f} ms; "
        f"avalanche and snowball median {both[0]:.2f} ms, p99 {both[1]:.2f} ms (target < 20 ms); "
        f"ratio to the bare loop ({raw[0]:.2f} ms) {single[0] / raw[0]:.1f}x, "
        f"to npf.pmt {single[0] / base_median:.0f}x"
    )


if __name__ == "__main__":
    main()
