"""Event-driven scenarios, evaluated in the ingest's own transaction, once per stored batch.

`evaluate_events` is the hook ingestion calls. It reads what the scenarios share once per batch
(the borrower, their limits and scenario settings in one statement; their limits' progress)
into an `EventContext`, then runs each scenario module over it. Scenarios about a purchase
(large, late night, frequent, spike, recurring) look only at purchases from the last `RECENT`
days: an import of old history tells the borrower nothing stale. Each message has a dedupe
key: the scenarios note their messages (`tell`), and once all have run the new ones are
rendered and queued together, so a re-import fires nothing. A switched-off scenario still
queues: the dispatcher suppresses it and the history shows why.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from billbot.accounts.models import Account
from billbot.categorize.taxonomy import load_taxonomy
from billbot.clock import local_date, zone
from billbot.db import column_names, instances_of, json_object_text, raw_rows
from billbot.limits.models import Limit, LimitPeriod, LimitScope
from billbot.limits.progress import Progress, progress_for
from billbot.limits.service import list_limits
from billbot.outbox.service import enqueue_many, queued_keys
from billbot.scenarios.history import History, Window, read_history
from billbot.scenarios.messages import money, render
from billbot.scenarios.registry import get_scenario
from billbot.transactions import kept_days
from billbot.transactions.ingest import StoredBatch

RECENT = timedelta(days=3)


class Purchase(NamedTuple):
    """One recent purchase of the batch."""

    account_id: int
    external_id: str
    posted_at: datetime
    local_date: date
    amount_minor: int
    currency: str
    merchant: str
    category: str | None
    sub_category: str | None


def recent_purchases(batch: StoredBatch, now: datetime) -> list[Purchase]:
    """The batch's purchases posted within `RECENT` of `now` (a scan of two columns)."""
    columns = batch.columns
    cutoff = now - RECENT
    kinds, posted, amounts = columns["kind"], columns["posted_at"], columns["amount_minor"]
    external, days, currencies = columns["external_id"], columns["local_date"], columns["currency"]
    names, raw = columns["merchant_name"], columns["merchant_raw"]
    categories, subs = columns["category"], columns["sub_category"]
    return [
        Purchase(
            batch.account_id,
            external[i],
            at,
            days[i],
            amounts[i],
            currencies[i],
            names[i] or raw[i] or "",
            categories[i],
            subs[i],
        )
        for i, at in enumerate(posted)
        if at >= cutoff and kinds[i] == "purchase" and amounts[i] > 0
    ]


class Borrower(NamedTuple):
    """What the scenarios need of the borrower (read as one plain row)."""

    id: int
    display_name: str
    locale: str
    time_zone: str
    currency: str


class Profile(NamedTuple):
    """The borrower with what every batch's scenarios read of them."""

    borrower: Borrower
    limits: list[Limit]  # not removed, as stored (a raise come due is settled by the context)
    settings: dict[str, dict[str, Any]]  # the stored overrides of each scenario
    # The borrower as opposed to another ever given the same id (when they joined, as stored).
    incarnation: tuple[int, Any]
    # Each scenario's effective settings, worked out when first asked for (`EventContext`).
    effective: dict[str, dict[str, Any]]


def read_profile(session: Session, user_id: int) -> Profile | None:
    """The borrower `user_id`, their limits and their scenario settings, in one read (None
    when there is no such user): a row per limit, each with the settings as one JSON object.

    The same rows as last read for the borrower give the same `Profile` (its limits and
    settings are read-only to the scenarios), so a borrower whose profile did not change costs
    only the read.
    """
    dialect = session.connection().dialect.name
    sql = _PROFILE_SQL.get(dialect)
    if sql is None:
        settings = json_object_text(dialect, "scenario", "settings")
        limit_columns = ", ".join(f"l.{name}" for name in column_names(Limit))
        sql = _PROFILE_SQL[dialect] = (
            # Only fixed column names and SQL go into the text; the user id is bound.
            "SELECT u.id, u.display_name, u.locale, u.time_zone, u.currency, "  # noqa: S608
            "u.created_at, "
            f"(SELECT {settings} FROM scenario_settings WHERE user_id = u.id), {limit_columns} "
            "FROM users u LEFT JOIN limits l ON l.user_id = u.id AND l.removed_at IS NULL "
            "WHERE u.id = {mark}"
        )
    rows = raw_rows(session, sql, [user_id])
    if not rows:
        return None
    key = (kept_days.database_key(session), user_id)
    with _LOCK:
        known = _PROFILES.get(key)
    if known is not None and known[0] == rows:
        return known[1]
    stored = json.loads(rows[0][6] or "{}")
    profile = Profile(
        Borrower(*rows[0][:5]),
        instances_of(session, Limit, [row[7:] for row in rows if row[7] is not None]),
        {scenario: json.loads(text or "{}") for scenario, text in stored.items()},
        (user_id, rows[0][5]),
        {},
    )
    with _LOCK:
        _PROFILES[key] = (rows, profile)
        _PROFILES.move_to_end(key)
        while len(_PROFILES) > MAX_PROFILES:
            _PROFILES.popitem(last=False)
    return profile


MAX_PROFILES = 1024  # borrowers (per database) whose last profile is kept
_PROFILES: OrderedDict[tuple[int, int], tuple[list[tuple[Any, ...]], Profile]] = OrderedDict()
_PROFILE_SQL: dict[str, str] = {}
_LOCK = threading.Lock()


About = tuple[str, str | None, str | None]  # currency, category, sub-category


class _Noted(NamedTuple):
    """A message a scenario noted, rendered only if it was not told before."""

    scenario: str
    priority: int
    about: About | None
    values: dict[str, Any]
    details: Callable[[], dict[str, Any]] | None


class EventContext:
    """What the scenarios share for one borrower and batch, each part read at most once."""

    def __init__(
        self,
        session: Session,
        profile: Profile,
        *,
        account_id: int | None,
        now: datetime,
        purchases: list[Purchase],
        batch: StoredBatch | None = None,
    ) -> None:
        """`profile` is the borrower's as read in this transaction (`read_profile`)."""
        user = profile.borrower
        self.session, self.profile, self.user, self.user_id = session, profile, user, user.id
        self.account_id, self.now, self.purchases = account_id, now, purchases
        self.batch = batch
        self.tz = zone(user.time_zone)
        self.today = local_date(now, self.tz)
        self.week_start = self.today - timedelta(days=self.today.weekday())  # Monday
        self.language = "zh-CN" if user.locale == "zh-CN" else "en"
        self._noted: dict[str, _Noted] = {}  # by dedupe key

    @cached_property
    def added_purchases(self) -> dict[tuple[str, str], list[tuple[date, int]]]:
        """The (day, amount) of every purchase the batch stored, any day, per (sub-category,
        currency): what the batch added to the borrower's history."""
        added: dict[tuple[str, str], list[tuple[date, int]]] = defaultdict(list)
        if self.batch is None:
            return added
        columns = self.batch.columns
        for kind, sub, currency, day, amount in zip(
            columns["kind"],
            columns["sub_category"],
            columns["currency"],
            columns["local_date"],
            columns["amount_minor"],
            strict=True,
        ):
            if kind == "purchase" and sub:
                added[(sub, currency)].append((day, amount))
        return added

    @cached_property
    def accounts(self) -> dict[int, Account]:
        """The borrower's accounts by id."""
        rows = self.session.exec(select(Account).where(col(Account.user_id) == self.user_id))
        return {a.id: a for a in rows.all() if a.id is not None}

    @cached_property
    def account(self) -> Account | None:
        """The batch's account (as the ingest held it, else from the session)."""
        if self.account_id is None:
            return None
        given = self.batch.account if self.batch is not None else None
        if given is not None and given.id == self.account_id:
            return given
        return self.session.get(Account, self.account_id)

    @cached_property
    def limits(self) -> list[Limit]:
        """The borrower's limits in force now.

        As the profile read them; only when a raise or removal has come due are they read
        through `list_limits`, which settles and records it.
        """
        limits = self.profile.limits
        if any(
            limit.pending_effective_at is not None and self.now >= limit.pending_effective_at
            for limit in limits
        ):
            return list_limits(self.session, user_id=self.user_id, now=self.now)
        return sorted(limits, key=lambda limit: limit.id or 0)

    @cached_property
    def progress(self) -> dict[int, tuple[Progress, tuple[date, date] | None]]:
        """Each limit's progress (one grouped read of recent spending)."""
        # Accounts matter only to cycle limits and credit caps.
        needs_accounts = any(
            limit.period == LimitPeriod.CYCLE or limit.scope == LimitScope.CREDIT_CAP
            for limit in self.limits
        )
        return progress_for(
            self.session,
            limits=self.limits,
            accounts=self.accounts if needs_accounts else {},
            time_zone=self.user.time_zone,
            now=self.now,
            from_kept=True,
        )

    @cached_property
    def history(self) -> History:
        """The borrower's purchases in the batch's sub-categories (summed from the kept days).

        Reaches back as far as large purchase, spending spike and frequent small purchases look.
        """
        from billbot.scenarios import large_purchase

        subs = {p.sub_category for p in self.purchases if p.sub_category}
        if not subs:
            return {}
        frequent = self.settings("frequent_small")
        window = Window(
            today=self.today,
            week_start=self.week_start,
            large_since=large_purchase.window_start(self),
            weeks=int(self.settings("spending_spike")["weeks"]),
            frequent_since=self.today - timedelta(days=int(frequent["days"]) - 1),
            frequent_amounts=frequent["max_amount_minor"] is not None,
        )
        return read_history(self.session, user_id=self.user_id, window=window, sub_categories=subs)

    def settings(self, scenario: str) -> dict[str, Any]:
        """The borrower's effective settings of `scenario` (read-only; worked out once per
        profile, which serves the borrower's batches until it changes)."""
        effective = self.profile.effective
        found = effective.get(scenario)
        if found is None:
            stored = self.profile.settings.get(scenario, {})
            found = effective[scenario] = get_scenario(scenario).effective(stored)
        return found

    def money(self, amount_minor: int, currency: str) -> str:
        """An amount as this borrower reads it."""
        return money(amount_minor, currency, self.language)

    def label(self, slug: str | None) -> str:
        """A category or sub-category in the borrower's language."""
        taxonomy = load_taxonomy()
        if slug and (taxonomy.is_category(slug) or taxonomy.is_sub_category(slug)):
            return taxonomy.label(slug, self.language)
        return slug or ("other spending" if self.language == "en" else "其他消费")

    def limit_note(self, currency: str, category: str | None, sub_category: str | None) -> str:
        """Where the borrower stands against their closest own limit for this ("" if none)."""
        order = (
            (LimitScope.SUB_CATEGORY, sub_category),
            (LimitScope.CATEGORY, category),
            (LimitScope.IDEAL_BILL, None),
        )
        for scope, target in order:
            for limit in self.limits:
                if limit.scope != scope or limit.currency != currency:
                    continue
                if scope != LimitScope.IDEAL_BILL and (target is None or limit.target != target):
                    continue
                assert limit.id is not None
                figures, _ = self.progress[limit.id]
                subject = (
                    self.label(limit.target)
                    if scope != LimitScope.IDEAL_BILL
                    else ("monthly bill" if self.language == "en" else "每月账单")
                )
                return render(
                    "limit_note",
                    self.language,
                    subject=subject,
                    limit=self.money(limit.amount_minor, currency),
                    spent=self.money(figures.spent_minor, currency),
                    remaining=self.money(max(0, figures.remaining_minor), currency),
                    over=self.money(max(0, -figures.remaining_minor), currency),
                    is_over=figures.remaining_minor < 0,
                    period_end=figures.period_end.isoformat() if figures.period_end else None,
                )
        return ""

    def tell(
        self,
        scenario: str,
        dedupe_key: str,
        *,
        priority: int = 1,
        about: About | None = None,
        details: Callable[[], dict[str, Any]] | None = None,
        **values: Any,
    ) -> bool:
        """Note the scenario's message, queued by `queue_noted` once per `dedupe_key`; True
        when the key is new to this evaluation.

        The message's values are `values`, with those `details()` gives: a scenario that tells
        the same key with every batch (a threshold stays crossed all month) passes what costs
        to work out (amounts in the borrower's format) as `details`, asked only for a message
        not told before. Likewise `about` (currency, category, sub-category) adds `limit_note`,
        where the borrower stands against their own limit.
        """
        key = dedupe_key[:255]
        if key in self._noted:
            return False
        self._noted[key] = _Noted(scenario, priority, about, values, details)
        return True

    def queue_noted(self) -> int:
        """Queue the noted messages not told before (one read, one write); returns how many."""
        if not self._noted:
            return 0
        told = queued_keys(self.session, self._noted, known_for=self.profile.incarnation)
        messages = []
        for key, (scenario, priority, about, values, details) in self._noted.items():
            if key in told:
                continue
            if details is not None:
                values = {**values, **details()}
            if about is not None:
                values["limit_note"] = self.limit_note(*about)
            messages.append(
                {
                    "user_id": self.user_id,
                    "scenario": scenario,
                    "dedupe_key": key,
                    "category": "spending",
                    "body": render(scenario, self.language, name=self.user.display_name, **values),
                    "foldable": True,
                    "priority": priority,
                }
            )
        self._noted.clear()
        return enqueue_many(self.session, messages, now=self.now)


Evaluator = Callable[[EventContext], int]


def _evaluators() -> tuple[Evaluator, ...]:
    from billbot.scenarios import (
        bill_zone,
        credit_utilisation,
        frequent_small,
        large_purchase,
        late_night,
        limit_thresholds,
        recurring_charge,
        spending_spike,
    )

    return (
        limit_thresholds.evaluate,
        bill_zone.evaluate,
        credit_utilisation.evaluate,
        large_purchase.evaluate,
        spending_spike.evaluate,
        late_night.evaluate,
        frequent_small.evaluate,
        recurring_charge.evaluate,
    )


def evaluate_events(
    session: Session, *, user_id: int, now: datetime, batch: StoredBatch | None = None
) -> int:
    """Run every event scenario for one borrower's stored batch; returns how many queued."""
    profile = read_profile(session, user_id)
    if profile is None:
        return 0
    context = EventContext(
        session,
        profile,
        account_id=batch.account_id if batch is not None else None,
        now=now,
        purchases=recent_purchases(batch, now) if batch is not None else [],
        batch=batch,
    )
    for evaluate in _evaluators():
        evaluate(context)
    return context.queue_noted()
