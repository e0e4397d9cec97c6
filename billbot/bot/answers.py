"""One answer per intent, from the same services the app's API uses.

Each function takes an `Ask` (the session, the borrower, the language of the conversation, the
instant) and returns a `BotReply`. Writes (a limit, a snooze, a rule, STOP/START) are flushed,
never committed: the caller commits. Another borrower's ids raise `NotFoundError`, which the
conversation turns into a polite "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.bills.models import Statement, StatementStatus
from billbot.bills.queries import get_statement, list_statements
from billbot.bot import texts
from billbot.bot.reply import BotReply
from billbot.bot.targets import IDEAL_BILL, category_slug, limit_target, parse_amount
from billbot.categorize import service as categorize
from billbot.categorize.explanations import explain_transaction
from billbot.categorize.models import CategoryRule
from billbot.categorize.normalise import merchant_key
from billbot.categorize.taxonomy import load_taxonomy
from billbot.clock import local_date, zone
from billbot.db import raw_rows
from billbot.errors import ConflictError, ValidationFailed
from billbot.limits import service as limits
from billbot.limits.models import Limit, LimitScope
from billbot.limits.progress import progress_for
from billbot.outbox.models import OutboxMessage, OutboxStatus
from billbot.outbox.preferences import preferences, set_stopped
from billbot.reminders.model import STOP_CONFIRMATION, Category
from billbot.repayments.statement_options import options_for, parse_offers
from billbot.reports.weekly import as_text, report_for
from billbot.scenarios import preferences as scenario_prefs
from billbot.scenarios.registry import get_scenario, is_scenario
from billbot.settings import get_settings
from billbot.transactions.models import Transaction
from billbot.users.models import User

REPAYMENT_SCENARIOS = ("due_soon", "overdue")
PAID_QUIET = timedelta(days=2)
SNOOZE_HOUR = time(9, 0)
_UNPAID = (StatementStatus.CLOSED, StatementStatus.PARTIALLY_PAID, StatementStatus.OVERDUE)
_TOP_CATEGORIES = 4


@dataclass(frozen=True)
class Ask:
    """Who is asking, in which language, and when."""

    session: Session
    user: User
    locale: str
    now: datetime

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.user.time_zone)

    @cached_property
    def today(self) -> date:
        return local_date(self.now, self.tz)

    def t(self, key: str, **values: Any) -> str:
        return texts.text(key, self.locale, **values)

    def money(self, amount_minor: int, currency: str) -> str:
        return texts.amount(amount_minor, currency, self.locale)

    def reply(self, text: str, buttons: tuple[tuple[str, str], ...] = ()) -> BotReply:
        return BotReply(text=text, buttons=buttons, locale=self.locale)


# -- menu, help ------------------------------------------------------------------------------------


def menu_buttons(ask: Ask) -> tuple[tuple[str, str], ...]:
    """The short menu every unclear message gets."""
    return (
        ("menu:bill", ask.t("button_bill")),
        ("menu:spending", ask.t("button_spending")),
        ("menu:left", ask.t("button_left")),
        ("menu:help", ask.t("button_help")),
    )


def menu(ask: Ask, key: str = "menu") -> BotReply:
    """Not understood (or not found): say so kindly and offer the menu."""
    return ask.reply(ask.t(key), menu_buttons(ask))


def help_text(ask: Ask) -> BotReply:
    """Everything the bot understands, with the menu."""
    return ask.reply(ask.t("help"), menu_buttons(ask))


def greeting(ask: Ask) -> BotReply:
    """Hello back, with the menu."""
    return ask.reply(ask.t("greeting", name=ask.user.display_name), menu_buttons(ask))


# -- statements ------------------------------------------------------------------------------------


def _remaining(statement: Statement) -> int:
    return max(0, statement.statement_balance_minor - statement.paid_minor)


def _newest_closed(statements: list[Statement]) -> list[Statement]:
    """Each account's newest closed statement per currency (older debt rolled into it)."""
    seen: set[tuple[int, str]] = set()
    newest = []
    for statement in statements:  # newest cycle first
        key = (statement.account_id, statement.currency)
        if statement.status == StatementStatus.OPEN or key in seen:
            continue
        seen.add(key)
        newest.append(statement)
    return newest


def _due(statements: list[Statement]) -> list[Statement]:
    """Statements still waiting for money, soonest due first."""
    waiting = [s for s in _newest_closed(statements) if s.status in _UNPAID and _remaining(s) > 0]
    return sorted(waiting, key=lambda s: (s.due_date, s.id or 0))


def _accounts(ask: Ask) -> dict[int, Account]:
    rows = ask.session.exec(select(Account).where(col(Account.user_id) == ask.user_id)).all()
    return {a.id: a for a in rows if a.id is not None}


def _statement(ask: Ask, statement_id: int | None) -> Statement | None:
    """The statement a button names (the borrower's own only), or the soonest one due."""
    if statement_id is not None:
        return get_statement(ask.session, user=ask.user, statement_id=statement_id, now=ask.now)
    due = _due(list_statements(ask.session, user=ask.user, now=ask.now))
    # A bill still ahead of its due date is the one with choices left; a past-due one comes next.
    upcoming = [s for s in due if s.due_date >= ask.today]
    chosen = upcoming or due
    return chosen[0] if chosen else None


def _account_name(ask: Ask, account_id: int) -> str:
    account = ask.session.get(Account, account_id)
    return account.name if account is not None else ""


def bill(ask: Ask) -> BotReply:
    """What is owed on each account and when, and what the running cycles hold so far."""
    statements = list_statements(ask.session, user=ask.user, now=ask.now)
    if not statements:
        return ask.reply(ask.t("no_accounts"), menu_buttons(ask))
    accounts = _accounts(ask)
    lines = [ask.t("bill_head")]
    due = _due(statements)
    for statement in due:
        name = accounts[statement.account_id].name
        minimum = max(0, statement.minimum_due_minor - statement.paid_minor)
        values = {
            "account": name,
            "amount": ask.money(_remaining(statement), statement.currency),
            "minimum": ask.money(minimum, statement.currency),
            "due": texts.day(statement.due_date, ask.locale),
            "when": texts.days_until((statement.due_date - ask.today).days, ask.locale),
        }
        if statement.status == StatementStatus.OVERDUE:
            text_key = "bill_overdue_line"
        else:
            text_key = "bill_line" if minimum else "bill_line_minimum_met"
        lines.append(ask.t(text_key, **values))
    if not due:
        lines.append(ask.t("bill_nothing_due"))
    seen: set[tuple[int, str]] = set()
    for statement in statements:
        key = (statement.account_id, statement.currency)
        if statement.status != StatementStatus.OPEN or key in seen or not statement.charges_minor:
            continue
        seen.add(key)
        lines.append(
            ask.t(
                "bill_open_line",
                account=accounts[statement.account_id].name,
                amount=ask.money(statement.charges_minor, statement.currency),
                closes=texts.day(statement.cycle_end_date, ask.locale),
            )
        )
    buttons: tuple[tuple[str, str], ...]
    if due:
        first = due[0].id
        buttons = (
            (f"options:{first}", ask.t("button_options")),
            (f"paid:{first}", ask.t("button_paid")),
            ("menu:spending", ask.t("button_spending")),
        )
    else:
        buttons = (("menu:spending", ask.t("button_spending")), ("menu:left", ask.t("button_left")))
    return ask.reply("\n".join(lines), buttons)


# -- repayment options -----------------------------------------------------------------------------

_COMBINED_LABELS_ZH = {
    "half now, the rest in installments": "一半现在还，其余分期",
    "minimum now, the rest on payday": "先还最低，其余发薪日还",
}


def _option_key(option: dict[str, Any], index: int) -> str:
    return f"combined{index}" if option["kind"] == "combined" else str(option["label"])


def _options(ask: Ask, statement: Statement) -> list[dict[str, Any]]:
    account = ask.session.get(Account, statement.account_id)
    assert account is not None
    return options_for(
        statement,
        account,
        today=ask.today,
        offers=parse_offers(get_settings().installment_offers),
    )


def _options_refused(ask: Ask, statement: Statement, error: ValidationFailed) -> BotReply:
    name = _account_name(ask, statement.account_id)
    if error.code == "repayment.open":
        text = ask.t(
            "options_open", account=name, closes=texts.day(statement.cycle_end_date, ask.locale)
        )
        return ask.reply(text, menu_buttons(ask))
    if error.code == "repayment.past_due":
        minimum = max(0, statement.minimum_due_minor - statement.paid_minor)
        text = ask.t(
            "options_past_due" if minimum else "options_past_due_minimum_paid",
            account=name,
            amount=ask.money(_remaining(statement), statement.currency),
            minimum=ask.money(minimum, statement.currency),
            due=texts.day(statement.due_date, ask.locale),
        )
        return ask.reply(text, ((f"paid:{statement.id}", ask.t("button_paid")),))
    return ask.reply(ask.t("options_nothing_owed", account=name), menu_buttons(ask))


def _option_line(ask: Ask, option: dict[str, Any], n: int, currency: str) -> tuple[str, str]:
    """The numbered line and the button title for one option."""
    kind, schedule = option["kind"], option["schedule"]
    total = option["total_paid_minor"]
    extra = option["extra_over_full_minor"]
    if kind == "full":
        return ask.t("option_full", n=n, total=ask.money(total, currency)), ask.t("button_full")
    if kind == "minimum":
        first = ask.money(schedule[0]["amount_minor"], currency) if schedule else ""
        if total is None:
            line = ask.t("option_minimum_never", n=n, first=first)
        else:
            line = ask.t(
                "option_minimum",
                n=n,
                first=first,
                months=len(schedule),
                extra=ask.money(extra, currency),
            )
        return line, ask.t("button_minimum")
    if kind == "installments":
        months = len(schedule)
        apr = (option.get("effective_apr") or {}).get("nominal_percent", "0")
        line = ask.t(
            "option_installments",
            n=n,
            months=months,
            each=ask.money(schedule[0]["amount_minor"], currency),
            extra=ask.money(extra or 0, currency),
            apr=apr,
        )
        return line, ask.t("button_installments", months=months)
    label = str(option["label"])
    if ask.locale == "zh-CN":
        label = _COMBINED_LABELS_ZH.get(label, label)
    line = ask.t(
        "option_combined",
        n=n,
        label=label,
        total=ask.money(total or 0, currency),
        extra=ask.money(extra or 0, currency),
    )
    return line, ask.t("button_combined", n=n)


def _worth_showing(option: dict[str, Any]) -> bool:
    """An option that clears the balance; the minimum only while one is still owed."""
    if option["kind"] == "minimum":
        return bool(option["schedule"]) and option["schedule"][0]["amount_minor"] > 0
    return option["total_paid_minor"] is not None


def repay_options(ask: Ask, statement_id: int | None = None) -> BotReply:
    """Every way to pay a statement, each with its cost, and a button per way."""
    statement = _statement(ask, statement_id)
    if statement is None:
        return ask.reply(ask.t("bill_nothing_due"), menu_buttons(ask))
    try:
        options = _options(ask, statement)
    except ValidationFailed as exc:
        return _options_refused(ask, statement, exc)
    currency = statement.currency
    lines = [
        ask.t(
            "options_head",
            account=_account_name(ask, statement.account_id),
            amount=ask.money(_remaining(statement), currency),
            due=texts.day(statement.due_date, ask.locale),
        )
    ]
    buttons = []
    shown = [(n, o) for n, o in enumerate(options, start=1) if _worth_showing(o)]
    for number, (n, option) in enumerate(shown, start=1):
        line, title = _option_line(ask, option, number, currency)
        lines.append(line)
        buttons.append((f"choose:{statement.id}:{_option_key(option, n)}", title))
    return ask.reply("\n".join(lines), tuple(buttons))


def choose(ask: Ask, statement_id: int, key: str) -> BotReply:
    """The borrower picked a way to pay: what it means and the next step."""
    statement = _statement(ask, statement_id)
    assert statement is not None
    try:
        options = _options(ask, statement)
    except ValidationFailed as exc:
        return _options_refused(ask, statement, exc)
    chosen = next(
        (
            o
            for n, o in enumerate(options, start=1)
            if _option_key(o, n) == key and _worth_showing(o)
        ),
        None,
    )
    if chosen is None:
        again = repay_options(ask, statement_id)
        return ask.reply(f"{ask.t('chosen_unknown')}\n{again.text}", again.buttons)
    currency, schedule = statement.currency, chosen["schedule"]
    due = texts.day(statement.due_date, ask.locale)
    total = chosen["total_paid_minor"] or 0
    extra = chosen["extra_over_full_minor"] or 0
    if chosen["kind"] == "full":
        text = ask.t("chosen_full", amount=ask.money(total, currency), due=due)
    elif chosen["kind"] == "minimum":
        first = schedule[0]["amount_minor"] if schedule else 0
        text = ask.t("chosen_minimum", amount=ask.money(first, currency), due=due)
    elif chosen["kind"] == "installments":
        text = ask.t(
            "chosen_installments",
            months=len(schedule),
            each=ask.money(schedule[0]["amount_minor"], currency),
            total=ask.money(total, currency),
            extra=ask.money(extra, currency),
        )
    else:
        text = ask.t(
            "chosen_other", total=ask.money(total, currency), extra=ask.money(extra, currency)
        )
    buttons = (
        (f"paid:{statement.id}", ask.t("button_paid")),
        (f"options:{statement.id}", ask.t("button_options")),
    )
    return ask.reply(text, buttons)


# -- paid, snooze ----------------------------------------------------------------------------------


def _snooze_scenarios(ask: Ask, until: datetime) -> None:
    for scenario in REPAYMENT_SCENARIOS:
        scenario_prefs.snooze(
            ask.session, user_id=ask.user_id, scenario=scenario, until=until, now=ask.now
        )


def paid(ask: Ask, statement_id: int | None = None) -> BotReply:
    """Thank them; repayment reminders pause two days while the payment posts."""
    statement = _statement(ask, statement_id)
    if statement is None:
        return ask.reply(ask.t("paid_nothing"), menu_buttons(ask))
    until = ask.now + PAID_QUIET
    _snooze_scenarios(ask, until)
    text = ask.t("paid", until=texts.moment(until.astimezone(ask.tz), ask.locale))
    return ask.reply(text, (("menu:bill", ask.t("button_bill")),))


def tomorrow_morning(ask: Ask) -> datetime:
    """09:00 tomorrow on the borrower's wall clock, as UTC."""
    local = datetime.combine(ask.today + timedelta(days=1), SNOOZE_HOUR, tzinfo=ask.tz)
    return local.astimezone(UTC)


def _latest_nudge(ask: Ask, statement_id: int | None) -> OutboxMessage | None:
    query = select(OutboxMessage).where(
        col(OutboxMessage.user_id) == ask.user_id,
        col(OutboxMessage.category) != Category.REPLY,
        col(OutboxMessage.scenario) != STOP_CONFIRMATION,
        col(OutboxMessage.status).in_(
            (OutboxStatus.SENT, OutboxStatus.FOLDED, OutboxStatus.PENDING, OutboxStatus.DEFERRED)
        ),
    )
    if statement_id is not None:
        query = query.where(col(OutboxMessage.debt_key) == f"statement:{statement_id}")
    return ask.session.exec(
        query.order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc()).limit(1)
    ).first()


def snooze(ask: Ask, statement_id: int | None = None) -> BotReply:
    """Remind me tomorrow: the latest nudge comes again at 09:00 tomorrow, its scenario waits."""
    if statement_id is not None:
        _statement(ask, statement_id)  # the borrower's own, or not found
    until = tomorrow_morning(ask)
    nudge = _latest_nudge(ask, statement_id)
    snoozed = False
    if nudge is not None and nudge.id is not None and is_scenario(nudge.scenario):
        try:
            with ask.session.begin_nested():
                scenario_prefs.snooze_message(
                    ask.session, user_id=ask.user_id, message_id=nudge.id, until=until, now=ask.now
                )
            snoozed = True
        except ConflictError:
            snoozed = False
    if not snoozed or statement_id is not None:
        _snooze_scenarios(ask, until)
    text = ask.t("snoozed", until=texts.moment(until.astimezone(ask.tz), ask.locale))
    return ask.reply(text)


# -- spending --------------------------------------------------------------------------------------


# Spending as breakdowns count it (see `insights.breakdown`): every posted row but repayments,
# refunds netted against their category; rows not yet posted are told apart as pending. One
# grouped read, summed by the database: a chat answer needs the totals, not the whole breakdown.
_SPENT_BY_CATEGORY = (
    "SELECT currency, category, status = 'posted', SUM(amount_minor) FROM transactions "
    "WHERE user_id = {mark} AND local_date >= {mark} AND local_date <= {mark} "
    "AND kind <> 'repayment' GROUP BY currency, category, status = 'posted'"
)


def _spending_window(period: str, today: date) -> tuple[date, date]:
    if period == "week":
        return today - timedelta(days=today.weekday()), today
    if period == "today":
        return today, today
    start = today.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def spending(ask: Ask, period: str | None) -> BotReply:
    """This week's, today's or this month's spending by category, as breakdowns count it."""
    period = period if period in ("week", "today") else "month"
    start, end = _spending_window(period, ask.today)
    rows = raw_rows(ask.session, _SPENT_BY_CATEGORY, [ask.user_id, start, end])
    spent: dict[str, dict[str, int]] = {}
    pending: dict[str, int] = {}
    for currency, category, posted, total in rows:
        if posted:
            by_category = spent.setdefault(currency, {})
            key = category or "uncategorised"
            by_category[key] = by_category.get(key, 0) + int(total)
        else:
            pending[currency] = pending.get(currency, 0) + int(total)
    taxonomy = load_taxonomy()
    lines: list[str] = []
    for currency in sorted(set(spent) | set(pending)):
        categories = spent.get(currency, {})
        total = sum(categories.values())
        lines.append(ask.t(f"spending_head_{period}", total=ask.money(total, currency)))
        ranked = sorted(
            ((slug, amount) for slug, amount in categories.items() if amount),
            key=lambda item: (-item[1], item[0]),
        )
        for slug, amount in ranked[:_TOP_CATEGORIES]:
            label = taxonomy.label(slug, ask.locale) if taxonomy.is_category(slug) else slug
            lines.append(ask.t("spending_line", label=label, amount=ask.money(amount, currency)))
        rest = ranked[_TOP_CATEGORIES:]
        if rest:
            others = ask.money(sum(a for _, a in rest), currency)
            lines.append(ask.t("spending_others", count=len(rest), amount=others))
        if pending.get(currency):
            waiting = ask.money(pending[currency], currency)
            lines.append(ask.t("spending_pending", amount=waiting))
    if not lines:
        lines.append(ask.t(f"spending_none_{period}"))
    other = ("menu:spending", ask.t("button_spending"))
    if period == "month":
        other = ("menu:spending_week", ask.t("button_week"))
    return ask.reply("\n".join(lines), (other, ("menu:left", ask.t("button_left"))))


def weekly_report(ask: Ask) -> BotReply:
    """Last complete week's report, the short version (computed and stored if it was not yet)."""
    report = report_for(
        ask.session, user=ask.user, week_of=ask.today - timedelta(days=7), now=ask.now
    )
    text = ask.t("report_head") + "\n" + as_text(report, ask.locale)
    buttons = (("menu:spending_week", ask.t("button_week")), ("menu:left", ask.t("button_left")))
    return ask.reply(text, buttons)


# -- limits ----------------------------------------------------------------------------------------


def _limit_name(ask: Ask, limit: Limit, accounts: dict[int, Account]) -> str:
    if limit.scope == LimitScope.IDEAL_BILL:
        return ask.t("ideal_bill")
    if limit.scope == LimitScope.CREDIT_CAP:
        account = accounts.get(limit.account_id or 0)
        return ask.t("credit_cap", account=account.name if account else "")
    if limit.scope in (LimitScope.CATEGORY, LimitScope.SUB_CATEGORY) and limit.target:
        try:
            return load_taxonomy().label(limit.target, ask.locale)
        except KeyError:
            return limit.target
    return limit.target or ""


def _period_words(ask: Ask, limit: Limit) -> str:
    return ask.t(f"period_{limit.period}") if limit.period else ""


def left(ask: Ask) -> BotReply:
    """How much is left of each limit this period, and per day."""
    live = limits.list_limits(ask.session, user_id=ask.user_id, now=ask.now)
    if not live:
        return ask.reply(ask.t("left_none"), menu_buttons(ask))
    accounts = _accounts(ask)
    progress = progress_for(
        ask.session, limits=live, accounts=accounts, time_zone=ask.user.time_zone, now=ask.now
    )
    lines = [ask.t("left_head")]
    for limit in live:
        assert limit.id is not None
        figures = progress[limit.id][0]
        name = _limit_name(ask, limit, accounts)
        if limit.period:
            name = ask.t("with_period", name=name, period=_period_words(ask, limit))
        cap = ask.money(limit.amount_minor, limit.currency)
        if figures.remaining_minor < 0:
            line = ask.t(
                "left_over_line",
                name=name,
                over=ask.money(-figures.remaining_minor, limit.currency),
                limit=cap,
            )
        else:
            per_day = ""
            if figures.per_day_left_minor is not None and figures.days_left:
                per_day = ask.t(
                    "left_per_day",
                    amount=ask.money(figures.per_day_left_minor, limit.currency),
                    days=figures.days_left,
                )
            line = ask.t(
                "left_line",
                name=name,
                left=ask.money(figures.remaining_minor, limit.currency),
                limit=cap,
                per_day=per_day,
            )
        if limit.pending_amount_minor is not None and limit.pending_effective_at is not None:
            line += ask.t(
                "left_pending",
                amount=ask.money(limit.pending_amount_minor, limit.currency),
                when=texts.moment(limit.pending_effective_at.astimezone(ask.tz), ask.locale),
            )
        lines.append(line)
    return ask.reply("\n".join(lines), (("menu:spending", ask.t("button_spending")),))


def _scope_of(slug: str) -> tuple[str, str | None]:
    if slug == IDEAL_BILL:
        return LimitScope.IDEAL_BILL, None
    if load_taxonomy().is_category(slug):
        return LimitScope.CATEGORY, slug
    return LimitScope.SUB_CATEGORY, slug


def set_limit(ask: Ask, target: str | None, amount: str | None, period: str | None) -> BotReply:
    """Add or change a limit: adding and lowering at once, raising after the cooling-off."""
    slug = limit_target(target or "")
    if slug is None:
        return ask.reply(ask.t("limit_unknown_target", target=target or ""), menu_buttons(ask))
    scope, on = _scope_of(slug)
    live = limits.list_limits(ask.session, user_id=ask.user_id, now=ask.now)
    same = [
        limit
        for limit in live
        if limit.scope == scope
        and limit.target == on
        and (period is None or limit.period == period)
    ]
    existing = same[0] if same else None
    currency = existing.currency if existing else ask.user.currency
    minor = parse_amount(amount or "", currency)
    if minor is None:
        text = ask.t("limit_bad_amount", amount=amount or "", currency=currency)
        return ask.reply(text, menu_buttons(ask))
    accounts = _accounts(ask)
    if existing is None:
        created = limits.create_limit(
            ask.session,
            user_id=ask.user_id,
            scope=scope,
            target=on,
            period=period or "month",
            currency=currency,
            amount_minor=minor,
            now=ask.now,
        )
        text = ask.t(
            "limit_created",
            name=_limit_name(ask, created, accounts),
            amount=ask.money(minor, currency),
            period=_period_words(ask, created),
        )
        return ask.reply(text, (("menu:left", ask.t("button_left")),))
    old = existing.amount_minor
    hours = get_settings().limit_cooling_off_hours
    limits.change_amount(
        ask.session,
        limit=existing,
        amount_minor=minor,
        now=ask.now,
        cooling_off=timedelta(hours=hours),
    )
    values = {
        "name": _limit_name(ask, existing, accounts),
        "amount": ask.money(minor, currency),
        "old": ask.money(old, currency),
        "period": _period_words(ask, existing),
    }
    if minor < old:
        return ask.reply(ask.t("limit_lowered", **values), (("menu:left", ask.t("button_left")),))
    if minor == old:
        return ask.reply(ask.t("limit_same", **values), (("menu:left", ask.t("button_left")),))
    assert existing.pending_effective_at is not None
    when = texts.moment(existing.pending_effective_at.astimezone(ask.tz), ask.locale)
    text = ask.t("limit_raised", when=when, hours=hours, **values)
    keep = (f"menu:keep:{existing.id}", ask.t("button_keep", amount=values["old"]))
    return ask.reply(text, (keep, ("menu:left", ask.t("button_left"))))


def keep_limit(ask: Ask, limit_id: int) -> BotReply:
    """Cancel a raise that is still cooling off."""
    limit = limits.get_limit(ask.session, user_id=ask.user_id, limit_id=limit_id, now=ask.now)
    if limit.pending_effective_at is None:
        return ask.reply(ask.t("limit_nothing_pending"), (("menu:left", ask.t("button_left")),))
    limits.cancel_pending(ask.session, limit=limit, now=ask.now)
    name = _limit_name(ask, limit, _accounts(ask))
    text = ask.t("limit_kept", name=name, amount=ask.money(limit.amount_minor, limit.currency))
    return ask.reply(text, (("menu:left", ask.t("button_left")),))


# -- why -------------------------------------------------------------------------------------------

_REASONS_ZH = {
    "within_policy": "不在你的免打扰时段内，也没有超出你设定的提醒次数。",
    "security_notice": "账户安全通知会随时发送，不受次数限制。",
    "reply": "这是对你消息的回复。",
    "stop_confirmation": "这是确认已为你停止消息。",
    "not_before": "它按计划在预定时间发送。",
    "quiet_hours": "它在你的免打扰时段被暂缓，之后才发出。",
    "daily_cap": "它因当天提醒次数已满被暂缓，之后才发出。",
    "weekly_cap": "它因近7天提醒次数已满被暂缓，之后才发出。",
    "debt_ceiling": "同一笔账单7天内提醒不超过7次，它因此被暂缓。",
    "snoozed": "你推迟过这类提醒，它在推迟结束后发出。",
}
_SCENARIO_EN = {
    "statement_ready": "a note that your new statement is ready",
    "due_soon": "a reminder that a bill is due soon",
    "overdue": "a reminder that a bill is past its due date",
    "limit_threshold": "a heads-up that you passed part of one of your limits",
}
_SCENARIO_ZH = {
    "statement_ready": "新账单已出的通知",
    "due_soon": "账单即将到期的提醒",
    "overdue": "账单已逾期的提醒",
    "limit_threshold": "限额使用进度的提醒",
}


def _what(ask: Ask, scenario: str) -> str:
    known = _SCENARIO_ZH if ask.locale == "zh-CN" else _SCENARIO_EN
    if scenario in known:
        return known[scenario]
    if is_scenario(scenario):
        description = get_scenario(scenario).description
        return description.get(ask.locale) or description["en"]
    return scenario.replace("_", " ")


def why_message(ask: Ask) -> BotReply:
    """The latest message we sent them, what it was about, and why it went when it did."""
    message = ask.session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.user_id) == ask.user_id,
            col(OutboxMessage.status) == OutboxStatus.SENT,
            col(OutboxMessage.category) != Category.REPLY,
            col(OutboxMessage.scenario) != STOP_CONFIRMATION,
        )
        .order_by(col(OutboxMessage.sent_at).desc(), col(OutboxMessage.id).desc())
        .limit(1)
    ).first()
    if message is None:
        return ask.reply(ask.t("why_none"), menu_buttons(ask))
    if ask.locale == "zh-CN":
        how = _REASONS_ZH.get(message.reason or "", "")
    else:
        how = message.explanation or ""
    sent = message.sent_at or message.created_at
    text = ask.t(
        "why_message",
        sent=texts.moment(sent.astimezone(ask.tz), ask.locale),
        what=_what(ask, message.scenario),
        how=how,
    ).strip()
    buttons: tuple[tuple[str, str], ...] = (("menu:help", ask.t("button_help")),)
    if message.debt_key and message.debt_key.startswith("statement:"):
        statement = message.debt_key.split(":", 1)[1]
        buttons = (
            (f"snooze:{statement}", ask.t("button_snooze")),
            (f"paid:{statement}", ask.t("button_paid")),
        )
    return ask.reply(text, buttons)


def _latest_at(ask: Ask, merchant: str) -> Transaction | None:
    wanted = merchant.casefold()
    return ask.session.exec(
        select(Transaction)
        .where(
            col(Transaction.user_id) == ask.user_id,
            or_(
                func.lower(col(Transaction.merchant_name)).contains(wanted, autoescape=True),
                func.lower(col(Transaction.merchant_raw)).contains(wanted, autoescape=True),
            ),
        )
        .order_by(col(Transaction.posted_at).desc(), col(Transaction.id).desc())
        .limit(1)
    ).first()


def _shown(merchant: str) -> str:
    return merchant.title() if merchant.isascii() else merchant


def why_category(ask: Ask, merchant: str | None) -> BotReply:
    """Why their latest purchase at a merchant has its category (the stored reason)."""
    transaction = _latest_at(ask, merchant or "") if merchant else None
    if transaction is None:
        text = ask.t("why_category_no_tx", merchant=_shown(merchant or ""))
        return ask.reply(text, menu_buttons(ask))
    explained = explain_transaction(transaction, ask.locale)
    text = ask.t(
        "why_category",
        merchant=transaction.merchant_name or transaction.merchant_raw,
        amount=ask.money(transaction.amount_minor, transaction.currency),
        day=texts.day(transaction.local_date, ask.locale),
        sub=explained["sub_category_label"] or explained["sub_category"] or "-",
        category=explained["category_label"] or explained["category"] or "-",
        reason=explained["reason"],
        short=_shown(merchant or ""),
    )
    return ask.reply(text)


def always_category(ask: Ask, merchant: str | None, category: str | None) -> BotReply:
    """A rule of their own: this merchant is always this sub-category, history included."""
    slug = category_slug(category or "")
    taxonomy = load_taxonomy()
    if slug is None or not taxonomy.is_sub_category(slug):
        return ask.reply(ask.t("always_unknown_category", category=category or ""))
    key = merchant_key(merchant or "")
    if len(key) < 3:
        return ask.reply(ask.t("always_bad_merchant"))
    assert merchant is not None
    stored = ask.session.exec(
        select(CategoryRule).where(
            col(CategoryRule.user_id) == ask.user_id, col(CategoryRule.match) == "contains"
        )
    ).all()
    record = next((r for r in stored if merchant_key(r.pattern) == key), None)
    if record is None:
        record = categorize.create_rule(
            ask.session,
            user_id=ask.user_id,
            match="contains",
            pattern=merchant,
            sub_category=slug,
            label=_shown(merchant),
            now=ask.now,
        )
        count = categorize.apply_user_rule(ask.session, user_id=ask.user_id, record=record)
    else:
        before = categorize.update_rule(
            ask.session, record=record, changes={"sub_category": slug}, now=ask.now
        )
        count = categorize.apply_user_rule(
            ask.session, user_id=ask.user_id, record=record, previous=before
        )
    text = ask.t(
        "always_done",
        merchant=_shown(merchant),
        sub=taxonomy.label(slug, ask.locale),
        category=taxonomy.label(taxonomy.category_of(slug), ask.locale),
        count=count,
    )
    return ask.reply(text)


# -- stop, pause, start ----------------------------------------------------------------------------


def stop(ask: Ask, *, pause: bool = False) -> BotReply:
    """STOP (or PAUSE): nothing more on any channel but this confirmation, until START."""
    set_stopped(ask.session, user_id=ask.user_id, stopped=True, now=ask.now)
    return ask.reply(ask.t("paused" if pause else "stopped"))


def start(ask: Ask) -> BotReply:
    """START: messages again, within quiet hours and caps."""
    if preferences(ask.session, user_id=ask.user_id, now=ask.now).stopped_at is None:
        return ask.reply(ask.t("already_started"), menu_buttons(ask))
    set_stopped(ask.session, user_id=ask.user_id, stopped=False, now=ask.now)
    return ask.reply(ask.t("started"), menu_buttons(ask))
