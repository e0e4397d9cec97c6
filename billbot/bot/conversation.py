"""The bot's front door: one inbound text or button press in, one `BotReply` out.

`reply_to` never raises for anything a borrower can send: an unclear message gets the menu,
another borrower's statement or limit id gets a polite "not found" (nothing about it leaks),
and a refusal from a service gets a short apology. Writes happen inside a savepoint, so an
answer that fails leaves nothing half-done; nothing is committed here (the caller commits).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from billbot.bot import answers
from billbot.bot.answers import Ask
from billbot.bot.intents import Intent, Kind, parse
from billbot.bot.language import detect
from billbot.bot.reply import BotReply
from billbot.bot.texts import text as say
from billbot.errors import BillbotError, NotFoundError
from billbot.users.models import User

log = logging.getLogger(__name__)

_SIMPLE: dict[Kind, Callable[[Ask], BotReply]] = {
    Kind.BILL: answers.bill,
    Kind.REPAY_OPTIONS: answers.repay_options,
    Kind.PAID: answers.paid,
    Kind.SNOOZE: answers.snooze,
    Kind.LEFT: answers.left,
    Kind.REPORT: answers.weekly_report,
    Kind.WHY_MESSAGE: answers.why_message,
    Kind.STOP: answers.stop,
    Kind.PAUSE: lambda ask: answers.stop(ask, pause=True),
    Kind.START: answers.start,
    Kind.HELP: answers.help_text,
    Kind.GREETING: answers.greeting,
    Kind.MENU: answers.menu,
}

_MENU: dict[str, Callable[[Ask], BotReply]] = {
    "bill": answers.bill,
    "spending": lambda ask: answers.spending(ask, "month"),
    "spending_week": lambda ask: answers.spending(ask, "week"),
    "left": answers.left,
    "report": answers.weekly_report,
    "options": answers.repay_options,
    "paid": answers.paid,
    "snooze": answers.snooze,
    "why": answers.why_message,
    "help": answers.help_text,
}

# Buttons on reminders queued before they named their statement.
_LEGACY: dict[str, Callable[[Ask], BotReply]] = {
    "repay_options": answers.repay_options,
    "snooze_1d": answers.snooze,
}


def _answer(ask: Ask, intent: Intent) -> BotReply:
    if intent.kind == Kind.SPENDING:
        return answers.spending(ask, intent.period)
    if intent.kind == Kind.SET_LIMIT:
        return answers.set_limit(ask, intent.target, intent.amount, intent.period)
    if intent.kind == Kind.WHY_CATEGORY:
        return answers.why_category(ask, intent.merchant)
    if intent.kind == Kind.ALWAYS_CATEGORY:
        return answers.always_category(ask, intent.merchant, intent.category)
    return _SIMPLE[intent.kind](ask)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None


def _press(ask: Ask, button_id: str) -> BotReply:
    """Route a button id: `options:`, `paid:`, `snooze:` + statement id, `choose:` + statement id
    and option, `menu:` + what (`menu:keep:` + limit id)."""
    action, _, rest = button_id.strip().partition(":")
    if not rest:
        return _LEGACY.get(action, answers.menu)(ask)
    if action == "menu":
        what, _, value = rest.partition(":")
        if what == "keep" and (limit_id := _number(value)) is not None:
            return answers.keep_limit(ask, limit_id)
        return _MENU.get(what, answers.menu)(ask)
    if action == "choose":
        statement, _, option = rest.partition(":")
        statement_id = _number(statement)
        if statement_id is None or not option:
            return answers.menu(ask)
        return answers.choose(ask, statement_id, option)
    statement_id = _number(rest)
    if statement_id is None:
        return answers.menu(ask)
    if action == "options":
        return answers.repay_options(ask, statement_id)
    if action == "paid":
        return answers.paid(ask, statement_id)
    if action == "snooze":
        return answers.snooze(ask, statement_id)
    return answers.menu(ask)


def reply_to(
    session: Session,
    *,
    user: User,
    channel: str,
    now: datetime,
    text: str | None = None,
    button_id: str | None = None,
) -> BotReply:
    """One answer to one inbound text or button press from a linked borrower.

    The language is the message's own (Chinese characters or Latin words), else the
    borrower's setting. May write (a limit, a snooze, a rule, STOP/START) but never commits.
    """
    ask = Ask(session=session, user=user, locale=detect(text, fallback=user.locale), now=now)
    try:
        with session.begin_nested():
            if button_id:
                return _press(ask, button_id)
            return _answer(ask, parse(text))
    except NotFoundError:
        return answers.menu(ask, "not_found")
    except BillbotError as exc:
        log.info("bot answer refused on %s: %s", channel, exc.code)
        return answers.menu(ask, "trouble")
    except Exception:  # a reply must never be a dead end; the failure is logged in full
        log.exception("bot answer failed on %s", channel)
        return answers.menu(ask, "trouble")


def unknown_sender_reply(text: str | None) -> BotReply:
    """How to link this chat to an account, in the sender's language; nothing about anyone."""
    locale = detect(text)
    return BotReply(text=say("unknown_sender", locale), locale=locale)
