"""Every reminder scenario a borrower can switch off, snooze or tune, with its own settings.

Each scenario is declared once here: its name (the outbox `scenario`), what it is about in en and
zh-CN, the settings the borrower may change (with defaults and bounds), and, for the scenarios
that protect a repayment, what switching it off means, told before they do it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from billbot.categorize.taxonomy import load_taxonomy
from billbot.errors import NotFoundError, ValidationFailed

SettingKind = Literal["amount", "integer", "number", "clock", "sub_categories"]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Setting:
    """One tunable value of a scenario; `amount` is integer minor units of the borrower's money."""

    name: str
    kind: SettingKind
    default: Any
    description: Mapping[str, str]
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False

    def check(self, value: Any) -> Any:
        """`value` if it is allowed for this setting; raises `ValidationFailed` otherwise."""
        if value is None:
            if self.nullable:
                return None
            raise self._invalid("cannot be empty")
        if self.kind == "clock":
            if not isinstance(value, str) or not _CLOCK.match(value):
                raise self._invalid("is a 24-hour time like 00:00")
            return value
        if self.kind == "sub_categories":
            taxonomy = load_taxonomy()
            if not isinstance(value, list) or not value or len(value) > 20:
                raise self._invalid("is a list of 1 to 20 sub-categories")
            unknown = [v for v in value if not (isinstance(v, str) and taxonomy.is_sub_category(v))]
            if unknown:
                raise self._invalid(f"names unknown sub-categories {unknown}")
            return sorted(set(value))
        whole = self.kind != "number"
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            raise self._invalid("is a whole number" if whole else "is a number")
        number = float(value)
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            raise self._invalid(f"is between {self.minimum:g} and {self.maximum:g}")
        return value

    def _invalid(self, problem: str) -> ValidationFailed:
        return ValidationFailed(
            f"{self.name} {problem}", code="scenario.setting", setting=self.name
        )

    def public(self, locale: str) -> dict[str, Any]:
        """How the setting is described to the borrower."""
        return {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "nullable": self.nullable,
            "description": _text(self.description, locale),
        }


@dataclass(frozen=True)
class Scenario:
    """A kind of message the borrower can switch off, snooze and (sometimes) tune."""

    name: str
    category: Literal["repayment", "spending", "digest"]
    description: Mapping[str, str]
    settings: tuple[Setting, ...] = ()
    # For the scenarios that protect a repayment: what the borrower misses by switching it off.
    if_off: Mapping[str, str] | None = None
    _by_name: dict[str, Setting] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.settings})

    @property
    def repayment_critical(self) -> bool:
        """Whether its messages help the borrower avoid a missed payment."""
        return self.if_off is not None

    def defaults(self) -> dict[str, Any]:
        """Every setting at its default."""
        return {s.name: s.default for s in self.settings}

    def effective(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """The defaults with the borrower's stored overrides (unknown names ignored)."""
        values = self.defaults()
        values.update({k: v for k, v in overrides.items() if k in self._by_name})
        return values

    def validate(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """`changes` checked against the scenario's settings; raises on any unknown or bad one."""
        unknown = sorted(set(changes) - set(self._by_name))
        if unknown:
            raise ValidationFailed(
                f"{self.name} has no settings {unknown}", code="scenario.setting", setting=unknown
            )
        return {name: self._by_name[name].check(value) for name, value in changes.items()}


def _text(texts: Mapping[str, str], locale: str) -> str:
    return texts.get(locale) or texts["en"]


def _en_zh(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-CN": zh}


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "statement_ready",
        "spending",
        _en_zh("When a new statement is ready", "新账单出账时"),
    ),
    Scenario(
        "due_soon",
        "repayment",
        _en_zh("Before a bill is due (3 days and 1 day before, and on the day)", "账单到期前提醒"),
        if_off=_en_zh(
            "You will get no reminder before a bill is due. A missed payment can cost a late fee "
            "and interest, and may be reported to credit bureaus.",
            "账单到期前将不再提醒你。错过还款可能产生滞纳金和利息，并可能影响征信。",
        ),
    ),
    Scenario(
        "overdue",
        "repayment",
        _en_zh("When a minimum payment has been missed", "错过最低还款时"),
        if_off=_en_zh(
            "You will not be told when a payment is missed. Fees and interest keep growing until "
            "it is paid, and a late payment may be reported to credit bureaus.",
            "错过还款时将不再通知你。在还清之前，费用和利息会继续增加，逾期可能影响征信。",
        ),
    ),
    Scenario(
        "installment_due",
        "repayment",
        _en_zh("Before an installment is due", "分期还款到期前"),
        if_off=_en_zh(
            "You will get no reminder before an installment is due. A missed installment can "
            "cost a late fee and may be reported to credit bureaus.",
            "分期到期前将不再提醒你。错过分期还款可能产生滞纳金，并可能影响征信。",
        ),
    ),
    Scenario(
        "limit_threshold",
        "spending",
        _en_zh(
            "When spending reaches 50%, 80% or 100% of one of your limits",
            "消费达到限额的50%/80%/100%时",
        ),
    ),
    Scenario(
        "bill_zone",
        "spending",
        _en_zh(
            "When this month's bill moves into another zone of your ideal bill",
            "本月账单进入理想账单的另一个区间时",
        ),
    ),
    Scenario(
        "large_purchase",
        "spending",
        _en_zh(
            "A purchase above your own amount, or well above your usual for that kind of spending",
            "单笔消费超过你设定的金额，或远高于你在该类别的平常水平",
        ),
        settings=(
            Setting(
                "amount_minor",
                "amount",
                None,
                _en_zh("Tell me about any purchase above this amount", "超过此金额的消费都提醒我"),
                minimum=1,
                maximum=10**12,
                nullable=True,
            ),
            Setting(
                "median_multiple",
                "number",
                3,
                _en_zh(
                    "Or above this many times my median for the sub-category (last 90 days)",
                    "或超过该类别近90天中位数的这个倍数",
                ),
                minimum=1.5,
                maximum=20,
            ),
        ),
    ),
    Scenario(
        "spending_spike",
        "spending",
        _en_zh(
            "Unusually high spending in a sub-category this week, against your recent weeks",
            "某类别本周消费明显高于你最近几周",
        ),
        settings=(
            Setting(
                "multiple",
                "number",
                2,
                _en_zh("This many times my weekly average", "达到每周平均的这个倍数"),
                minimum=1.2,
                maximum=10,
            ),
            Setting(
                "weeks",
                "integer",
                4,
                _en_zh("Compared with this many recent weeks", "与最近这些周相比"),
                minimum=2,
                maximum=12,
            ),
        ),
    ),
    Scenario(
        "late_night",
        "spending",
        _en_zh("Spending late at night (your local time)", "深夜消费（当地时间）"),
        settings=(
            Setting("start", "clock", "00:00", _en_zh("Late night starts at", "深夜开始于")),
            Setting("end", "clock", "05:00", _en_zh("Late night ends at", "深夜结束于")),
        ),
    ),
    Scenario(
        "frequent_small",
        "spending",
        _en_zh(
            "Many small purchases of one kind in a few days (e.g. the 5th food delivery in 7 days)",
            "几天内同类小额消费频繁（如7天内第5次外卖）",
        ),
        settings=(
            Setting(
                "count",
                "integer",
                5,
                _en_zh("Tell me at this many purchases", "达到这么多笔时提醒"),
                minimum=2,
                maximum=50,
            ),
            Setting(
                "days",
                "integer",
                7,
                _en_zh("Within this many days", "在这么多天内"),
                minimum=1,
                maximum=31,
            ),
            Setting(
                "sub_categories",
                "sub_categories",
                ["food_delivery"],
                _en_zh("Which kinds of purchase count", "计入哪些类别"),
            ),
            Setting(
                "max_amount_minor",
                "amount",
                None,
                _en_zh("Only purchases up to this amount count", "只计入不超过此金额的消费"),
                minimum=1,
                maximum=10**12,
                nullable=True,
            ),
        ),
    ),
    Scenario(
        "recurring_charge",
        "spending",
        _en_zh(
            "A new monthly charge, or a price rise in one you already pay",
            "新的按月扣费，或已有扣费涨价",
        ),
        settings=(
            Setting(
                "rise_percent",
                "integer",
                5,
                _en_zh(
                    "Tell me about a price rise of at least this percent",
                    "涨价至少这个百分比时提醒",
                ),
                minimum=1,
                maximum=100,
            ),
        ),
    ),
    Scenario(
        "credit_utilisation",
        "spending",
        _en_zh(
            "When a card's balance passes 30% or 70% of its limit (your own lower cap if set)",
            "信用卡欠款超过额度的30%或70%时（如设置了自定上限则按上限）",
        ),
    ),
    Scenario(
        "weekly_report",
        "digest",
        _en_zh("When your weekly report is ready", "周报生成时"),
    ),
)
_BY_NAME = {s.name: s for s in SCENARIOS}


def get_scenario(name: str) -> Scenario:
    """The scenario called `name`; an unknown name is not found."""
    scenario = _BY_NAME.get(name)
    if scenario is None:
        raise NotFoundError(f"no scenario {name!r}", code="scenario.unknown")
    return scenario


def is_scenario(name: str) -> bool:
    """Whether `name` is a scenario the borrower can switch and snooze."""
    return name in _BY_NAME
