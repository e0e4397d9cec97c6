"""The weekly report: each user's own week of spending, plans and a few plain-language insights.

`weekly_reports` computes every user's report at once into tidy frames; `weekly_report_for_user`
reads one user's JSON-ready report from them. Every user's week is the one holding `week_of`,
starting on their own `week_start` (0 = Monday, 6 = Sunday) and counted in their local dates.

Spending follows `insights.breakdown` exactly (posted rows except repayments, refunds netted,
installment-plan postings and pending rows apart, currencies never added together), so a report's
totals equal a breakdown of the same user and dates. `tx` should reach `history_days` back from
the week's end: the 4-week average needs the last four weeks, recurring charges and streaks the
longer history. An optional `local_time` column (minutes after local midnight) enables the
late-night insight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import pandas as pd

from insights.frames import validate_transactions
from insights.weekly_insights import InsightRules, choose_insights
from insights.weekly_plans import credit_utilisation, limit_progress, upcoming_dues, weekly_pace
from insights.weekly_recurring import RecurringRules, recurring_changes
from insights.weekly_render import JsonColumns, render_report
from insights.weekly_spending import spending_frames
from insights.weekly_table import local_times, week_table
from insights.weekly_text import MoneyFormatter, NameFormatter, exact_money, slug_name
from insights.weekly_touch import choose_touch, weekly_totals
from insights.weeks import UserWeeks, as_dates, user_weeks

FRAMES = (
    "users",
    "totals",
    "sub_categories",
    "merchants",
    "largest",
    "recurring",
    "limits",
    "upcoming",
    "upcoming_totals",
    "accounts",
    "utilisation",
    "insights",
    "touch",
)


@dataclass(frozen=True, eq=False)
class WeeklyFrames:
    """Every user's weekly report as tidy frames sorted by user_id; treat them as read-only.

    - users: user_id, locale, week_start, start, end, as_of, base_weeks
    - totals: per user and currency; this week, last week and the 4-week average, with changes
    - sub_categories: per sub-category in slug order, with the move against the 4-week average
      (the report lists the `top_movers` biggest moves)
    - merchants, largest: the week's top merchants and largest single purchases, ranked
    - recurring: new recurring charges and price rises this week
    - limits, upcoming, upcoming_totals, accounts, utilisation: the core's frames, worked out
    - insights: up to five ranked per user (kind, significance, parameters); touch: at most one
    """

    week_of: date
    users: pd.DataFrame
    totals: pd.DataFrame
    sub_categories: pd.DataFrame
    merchants: pd.DataFrame
    largest: pd.DataFrame
    recurring: pd.DataFrame
    limits: pd.DataFrame
    upcoming: pd.DataFrame
    upcoming_totals: pd.DataFrame
    accounts: pd.DataFrame
    utilisation: pd.DataFrame
    insights: pd.DataFrame
    touch: pd.DataFrame
    top_movers: int = 3
    format_money: MoneyFormatter = field(default=exact_money)
    display_name: NameFormatter = field(default=slug_name)

    def user_rows(self, frame: str, user_id: int) -> list[dict[str, Any]]:
        """Return one user's rows of the named frame as dicts of JSON-ready values."""
        return self._columns[frame].user_rows(user_id)

    @cached_property
    def _columns(self) -> dict[str, JsonColumns]:
        # Prepared once, so rendering each of many users only slices arrays.
        return {name: JsonColumns(getattr(self, name)) for name in FRAMES}


def weekly_reports(
    tx: pd.DataFrame,
    users: pd.DataFrame,
    *,
    week_of: date,
    as_of: date | None = None,
    limits: pd.DataFrame | None = None,
    upcoming: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
    format_money: MoneyFormatter | None = None,
    display_name: NameFormatter | None = None,
    history_days: int = 120,
    top_merchants: int = 5,
    top_movers: int = 3,
    largest_count: int = 3,
    recurring_rules: RecurringRules | None = None,
    insight_rules: InsightRules | None = None,
) -> WeeklyFrames:
    """Compute the weekly report of every user in `users` (user_id, week_start, locale).

    `as_of` is the day limits, per-day budgets and upcoming dues are counted from; by default
    the day after each user's week. Rows of users not in `users` are ignored.
    """
    for name, value, least in (
        ("history_days", history_days, 28),
        ("top_merchants", top_merchants, 0),
        ("top_movers", top_movers, 0),
        ("largest_count", largest_count, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{name} must be a whole number >= {least}, got {value!r}")
    valid = validate_transactions(tx)
    weeks = user_weeks(users, week_of=week_of, as_of=as_of, history_days=history_days)
    table = week_table(valid, weeks, local_time=local_times(tx), history_days=history_days)
    spending = spending_frames(
        table,
        weeks,
        top_merchants=top_merchants,
        largest_count=largest_count,
    )
    recurring = recurring_changes(
        table, weeks, history_days=history_days, rules=recurring_rules or RecurringRules()
    )
    limit_frame = limit_progress(limits, weeks)
    upcoming_rows, upcoming_totals = upcoming_dues(upcoming, weeks)
    account_rows, utilisation = credit_utilisation(accounts, weeks)
    return WeeklyFrames(
        week_of=week_of,
        users=_users_frame(weeks),
        totals=spending.totals,
        sub_categories=spending.sub_categories,
        merchants=spending.merchants,
        largest=spending.largest,
        recurring=recurring,
        limits=limit_frame,
        upcoming=upcoming_rows,
        upcoming_totals=upcoming_totals,
        accounts=account_rows,
        utilisation=utilisation,
        insights=choose_insights(
            spending=spending,
            recurring=recurring,
            limits=limit_frame,
            utilisation=utilisation,
            weeks=weeks,
            rules=insight_rules or InsightRules(),
        ),
        touch=choose_touch(
            spending=spending,
            history=weekly_totals(table, weeks, history_days=history_days),
            pace=weekly_pace(limit_frame, weeks),
        ),
        top_movers=top_movers,
        format_money=format_money or exact_money,
        display_name=display_name or slug_name,
    )


def weekly_report_for_user(frames: WeeklyFrames, user_id: int) -> dict[str, Any]:
    """Render one user's weekly report from the batch frames as a JSON-ready nested dict."""
    return render_report(frames, user_id)


def _users_frame(weeks: UserWeeks) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": weeks.user_id,
            "locale": weeks.locale,
            "week_start": weeks.week_start,
            "start": as_dates(weeks.start),
            "end": as_dates(weeks.end),
            "as_of": as_dates(weeks.as_of),
            "base_weeks": weeks.base_weeks,
        }
    )
