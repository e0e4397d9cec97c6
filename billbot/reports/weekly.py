"""Weekly reports: computed for many borrowers at once by `insights`, stored one per week.

The core loads each chunk of borrowers' recent transactions (summed per day, labels and sign by
the database) with their limits, upcoming dues and credit accounts (`billbot.reports.
weekly_inputs`, a few set-wise reads per chunk), hands them to `insights.weekly.weekly_reports`
in one vectorised pass, and writes the reports in bulk. Regenerating a week replaces a report
only if it changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from babel import Locale
from sqlmodel import Session, col, select

from billbot.categorize.taxonomy import load_taxonomy
from billbot.db import raw_rows
from billbot.locales import language_of
from billbot.money import format_money
from billbot.reports.models import WeeklyReport
from billbot.reports.weekly_inputs import RECURRING_RULES, load_inputs
from billbot.users.models import User
from insights.weekly import weekly_report_for_user, weekly_reports
from insights.weeks import week_bounds

HISTORY_DAYS = 120
CHUNK_USERS = 2_000
# Summed per day, labels and sign: the weekly report needs no finer grain.
_SUMMED = (
    "SELECT user_id, local_date, currency, kind, status, category, sub_category, merchant_name, "
    "SUM(amount_minor), COUNT(*) FROM transactions "
    "WHERE user_id IN ({users}) AND local_date >= {mark} AND local_date <= {mark} "
    "GROUP BY user_id, local_date, currency, kind, status, category, sub_category, "
    "merchant_name, CASE WHEN amount_minor > 0 THEN 1 ELSE 0 END"
)
_COLUMNS = [
    "user_id",
    "local_date",
    "currency",
    "kind",
    "status",
    "category",
    "sub_category",
    "merchant_name",
    "amount_minor",
    "row_count",
]


def week_start_of(locale: str) -> int:
    """The first day of the week where the borrower lives (0 Monday … 6 Sunday)."""
    try:
        return int(Locale.parse(locale.replace("-", "_")).first_week_day)
    except (ValueError, TypeError):
        return 0


def parse_week(text: str) -> date:
    """A day inside the ISO week written `2026-W44` (its Monday)."""
    try:
        year, week = text.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError as exc:
        raise ValueError(f"expected a week as YYYY-Www (e.g. 2026-W44), got {text!r}") from exc


def _frame(session: Session, user_ids: Sequence[int], since: date, until: date) -> pd.DataFrame:
    marks = ",".join(["{mark}"] * len(user_ids))  # only placeholders are added to the text
    sql = _SUMMED.replace("{users}", marks)
    rows = raw_rows(session, sql, [*user_ids, since, until])
    frame = pd.DataFrame.from_records(rows, columns=_COLUMNS)
    # PostgreSQL sums bigints as numeric: back to exact integers.
    frame["amount_minor"] = frame["amount_minor"].map(int).astype("int64")
    frame["row_count"] = frame["row_count"].map(int).astype("int64")
    frame["local_date"] = pd.to_datetime(frame["local_date"])
    frame["transaction_id"] = 0
    frame["account_id"] = 0
    return frame


def generate(
    session: Session,
    *,
    week_of: date,
    now: datetime,
    user_ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Compute and store the week's reports (default: every borrower); returns how many changed."""
    query = select(User).order_by(col(User.id))
    if user_ids is not None:
        query = query.where(col(User.id).in_(list(user_ids)))
    users = list(session.exec(query).all())
    taxonomy = load_taxonomy()

    def name(slug: str, locale: str) -> str:
        return (
            taxonomy.label(slug, locale)
            if taxonomy.is_sub_category(slug) or taxonomy.is_category(slug)
            else slug
        )

    changed = 0
    for start in range(0, len(users), CHUNK_USERS):
        chunk = users[start : start + CHUNK_USERS]
        frame_users = pd.DataFrame(
            {
                "user_id": [u.id for u in chunk],
                "week_start": [week_start_of(u.locale) for u in chunk],
                "locale": [u.locale for u in chunk],
            }
        )
        ids = [u.id for u in chunk if u.id is not None]
        tx = _frame(
            session, ids, week_of - timedelta(days=HISTORY_DAYS + 7), week_of + timedelta(days=7)
        )
        starts = [int(start) for start in frame_users["week_start"]]
        inputs = load_inputs(
            session,
            user_ids=ids,
            week_ends=[week_bounds(week_of, start)[1] for start in starts],
            locales=[u.locale for u in chunk],
            now=now,
        )
        frames = weekly_reports(
            tx,
            frame_users,
            week_of=week_of,
            limits=inputs.limits,
            upcoming=inputs.upcoming,
            accounts=inputs.accounts,
            format_money=format_money,
            display_name=name,
            history_days=HISTORY_DAYS,
            recurring_rules=RECURRING_RULES,
        )
        stored = _stored(session, ids, [week_bounds(week_of, s)[0] for s in set(starts)])
        for user in chunk:
            assert user.id is not None
            report = weekly_report_for_user(frames, user.id)
            changed += _store(session, stored, user.id, report, now)
        if progress is not None:
            progress(min(start + CHUNK_USERS, len(users)), len(users))
    session.flush()
    return changed


def _stored(
    session: Session, user_ids: Sequence[int], week_starts: Sequence[date]
) -> dict[tuple[int, date], WeeklyReport]:
    """The chunk's reports already stored for the week, in one read."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(WeeklyReport).where(
            col(WeeklyReport.user_id).in_(list(user_ids)),
            col(WeeklyReport.week_start).in_(list(week_starts)),
        )
    ).all()
    return {(row.user_id, row.week_start): row for row in rows}


def _store(
    session: Session,
    existing: dict[tuple[int, date], WeeklyReport],
    user_id: int,
    report: dict[str, Any],
    now: datetime,
) -> int:
    start, end = (
        date.fromisoformat(report["week"]["start"]),
        date.fromisoformat(report["week"]["end"]),
    )
    payload = json.dumps(report, ensure_ascii=False, sort_keys=True)
    stored = existing.get((user_id, start))
    if stored is None:
        session.add(
            WeeklyReport(
                user_id=user_id, week_start=start, week_end=end, payload=payload, generated_at=now
            )
        )
        return 1
    if stored.payload == payload:
        return 0
    stored.payload, stored.generated_at = payload, now
    return 1


def report_for(session: Session, *, user: User, week_of: date, now: datetime) -> dict[str, Any]:
    """The borrower's report for the week holding `week_of`, generated if not stored yet."""
    assert user.id is not None
    start, _ = week_bounds(week_of, week_start_of(user.locale))
    stored = _stored(session, [user.id], [start]).get((user.id, start))
    if stored is None:
        generate(session, week_of=week_of, now=now, user_ids=[user.id])
        stored = _stored(session, [user.id], [start])[(user.id, start)]
    report: dict[str, Any] = json.loads(stored.payload)
    return report


def list_reports(session: Session, *, user_id: int) -> list[WeeklyReport]:
    """The borrower's stored reports, newest week first."""
    return list(
        session.exec(
            select(WeeklyReport)
            .where(col(WeeklyReport.user_id) == user_id)
            .order_by(col(WeeklyReport.week_start).desc())
        ).all()
    )


def as_text(report: dict[str, Any], locale: str) -> str:
    """A short plain-text version (for chat and the CLI)."""
    language = language_of(locale)
    week = report["week"]
    lines = [f"{week['start']} – {week['end']}"]
    for block in report.get("currencies", []):
        total = format_money(block["total_spent_minor"], block["currency"], language)
        lines.append(("本周消费 " if language == "zh-CN" else "Spent this week: ") + total)
    lines.extend(f"• {item['text'][language]}" for item in report.get("insights", []))
    touch = report.get("touch")
    if touch:
        lines.append(touch["text"][language])
    return "\n".join(lines)
