"""The bot's intent parser: both languages, typos, slots, and what must fall to the menu."""

from __future__ import annotations

import pytest

from billbot.bot.intents import Kind, parse
from billbot.bot.language import detect
from billbot.bot.targets import category_slug, limit_target, parse_amount


@pytest.mark.parametrize(
    ("text", "kind", "period"),
    [
        ("how much did i spend this weeek", Kind.SPENDING, "week"),
        ("How much did I spend this week?", Kind.SPENDING, "week"),
        ("hw much did i spnd this month", Kind.SPENDING, "month"),
        ("spending today", Kind.SPENDING, "today"),
        ("本周花了多少", Kind.SPENDING, "week"),
        ("这个月花了多少钱？", Kind.SPENDING, "month"),
        ("还款", Kind.REPAY_OPTIONS, None),
        ("how do I pay", Kind.REPAY_OPTIONS, None),
        ("installments?", Kind.REPAY_OPTIONS, None),
        ("分期", Kind.REPAY_OPTIONS, None),
        ("账单", Kind.BILL, None),
        ("帐单", Kind.BILL, None),
        ("when is my bill due", Kind.BILL, None),
        ("还款日是哪天", Kind.BILL, None),
        ("paid", Kind.PAID, None),
        ("I already paid!", Kind.PAID, None),
        ("我已经还了", Kind.PAID, None),
        ("remind me tomorrow", Kind.SNOOZE, None),
        ("remnd me tomorow", Kind.SNOOZE, None),
        ("明天提醒我", Kind.SNOOZE, None),
        ("how much is left", Kind.LEFT, None),
        ("how much can i spend", Kind.LEFT, None),
        ("还剩多少", Kind.LEFT, None),
        ("why did i get this", Kind.WHY_MESSAGE, None),
        ("why did I get a reminder?", Kind.WHY_MESSAGE, None),
        ("为什么收到这条消息", Kind.WHY_MESSAGE, None),
        ("stop", Kind.STOP, None),
        ("STOP", Kind.STOP, None),
        ("stpo", Kind.STOP, None),
        ("退订", Kind.STOP, None),
        ("start", Kind.START, None),
        ("订阅", Kind.START, None),
        ("help", Kind.HELP, None),
        ("帮助", Kind.HELP, None),
        ("pause", Kind.PAUSE, None),
        ("暂停提醒", Kind.PAUSE, None),
        ("hello", Kind.GREETING, None),
        ("你好", Kind.GREETING, None),
    ],
)
def test_intents_in_both_languages_with_typos(text: str, kind: Kind, period: str | None) -> None:
    intent = parse(text)
    assert intent.kind == kind
    assert intent.period == period


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "🙂",
        "123",
        "asdfgh",
        "what's the weather like",
        "tell me a joke",
        "will you marry me",
        "shop",
        "我想吃饭",
        "天气怎么样",
        "x" * 5000,
        "why",
    ],
)
def test_anything_else_falls_to_the_menu(text: str | None) -> None:
    assert parse(text).kind == Kind.MENU


@pytest.mark.parametrize(
    ("text", "target", "amount", "period"),
    [
        ("limit food 2000", "food", "2000", None),
        ("Limit fod 2000", "fod", "2000", None),
        ("set my coffee limit to 150 a week", "coffee", "150", "week"),
        ("budget for food 1.5k", "food", "1.5k", None),
        ("ideal bill 12,000", "ideal bill", "12000", None),
        ("咖啡每周限额150", "咖啡", "150", "week"),
        ("把餐饮的预算设为2000元", "餐饮", "2000元", None),
        ("limit 咖啡 150", "咖啡", "150", None),
    ],
)
def test_limit_slots(text: str, target: str, amount: str, period: str | None) -> None:
    intent = parse(text)
    assert (intent.kind, intent.target, intent.amount, intent.period) == (
        Kind.SET_LIMIT,
        target,
        amount,
        period,
    )


@pytest.mark.parametrize(
    ("text", "kind", "merchant", "category"),
    [
        ("why is STARBUCKS in coffee", Kind.WHY_CATEGORY, "starbucks", "coffee"),
        ("Why is my Uber categorised as taxi?", Kind.WHY_CATEGORY, "uber", "taxi"),
        ("为什么星巴克是咖啡", Kind.WHY_CATEGORY, "星巴克", "咖啡"),
        ("always categorise Etsy as gifts", Kind.ALWAYS_CATEGORY, "etsy", "gifts"),
        ("always categorize Etsy as gifts", Kind.ALWAYS_CATEGORY, "etsy", "gifts"),
        ("alwys categorise etsy as gifts", Kind.ALWAYS_CATEGORY, "etsy", "gifts"),
        ("以后把Etsy都归为礼物", Kind.ALWAYS_CATEGORY, "etsy", "礼物"),
    ],
)
def test_category_slots(text: str, kind: Kind, merchant: str, category: str) -> None:
    intent = parse(text)
    assert (intent.kind, intent.merchant, intent.category) == (kind, merchant, category)


@pytest.mark.parametrize(
    ("text", "fallback", "language"),
    [
        ("本周花了多少", "en", "zh-CN"),
        ("how much did I spend", "zh-CN", "en"),
        ("limit 咖啡 150", "en", "zh-CN"),
        ("123", "zh-CN", "zh-CN"),
        ("🙂", "en", "en"),
        (None, "zh_CN", "zh-CN"),
        ("", "fr", "en"),
    ],
)
def test_language_from_the_message_else_the_setting(
    text: str | None, fallback: str, language: str
) -> None:
    assert detect(text, fallback=fallback) == language


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("gifts", "gifts_flowers"),
        ("coffee", "coffee"),
        ("Coffe", "coffee"),
        ("food", "food"),
        ("groceries", "groceries"),
        ("礼物", "gifts_flowers"),
        ("餐饮", "food"),
        ("咖啡", "coffee"),
        ("nonsense words", None),
        ("", None),
    ],
)
def test_category_names(text: str, slug: str | None) -> None:
    assert category_slug(text) == slug


def test_limit_targets_and_amounts() -> None:
    assert limit_target("ideal bill") == "ideal_bill"
    assert limit_target("理想账单") == "ideal_bill"
    assert parse_amount("2000", "CNY") == 200_000
    assert parse_amount("1.5k", "USD") == 150_000
    assert parse_amount("¥2,000元", "CNY") == 200_000
    assert parse_amount("3万", "CNY") == 3_000_000
    assert parse_amount("1500", "JPY") == 1500
    assert parse_amount("1.234", "CNY") is None  # finer than the currency allows
    assert parse_amount("lots", "CNY") is None
