"""The categoriser: order of precedence, MCC refinements, kinds, refunds and explanations."""

from __future__ import annotations

import pytest

from billbot.categorize import Categorisation, Categoriser, Rule, RuleError, explain
from billbot.categorize.taxonomy import Category, SubCategory, Taxonomy, TaxonomyError

LUCKIN_USER = Rule("u1", "user", "exact", "Luckin Coffee", "restaurants", "Luckin Coffee")
LUCKIN_OPERATOR = Rule("o1", "operator", "contains", "luckin", "groceries", "Luckin promo")


@pytest.fixture(scope="module")
def categoriser() -> Categoriser:
    return Categoriser(operator_rules=[LUCKIN_OPERATOR])


def test_kind_beats_everything(categoriser: Categoriser) -> None:
    result = categoriser.categorise(
        "LUCKIN COFFEE", mcc="5814", kind="repayment", user_rules=[LUCKIN_USER]
    )
    assert (result.category, result.sub_category) == ("transfers_cash", "credit_repayment")
    assert (result.source, result.rule) == ("kind", "repayment")
    assert result.reason == "transaction kind: repayment"


def test_user_rule_beats_operator_rule(categoriser: Categoriser) -> None:
    result = categoriser.categorise(
        "LUCKIN COFFEE #12 XIAMEN CN", mcc="5814", user_rules=[LUCKIN_USER]
    )
    assert (result.sub_category, result.source, result.rule) == ("restaurants", "user_rule", "u1")
    assert result.reason == "your rule for 'Luckin Coffee'"


def test_operator_rule_beats_mcc(categoriser: Categoriser) -> None:
    result = categoriser.categorise("LUCKIN COFFEE #12 XIAMEN CN", mcc="5814")
    assert (result.sub_category, result.source, result.rule) == ("groceries", "operator_rule", "o1")
    assert result.reason == "operator rule 'Luckin promo'"


def test_strong_mcc_beats_a_pattern_of_another_category(categoriser: Categoriser) -> None:
    # "Shell" is a fuel brand, but a restaurant code is the issuer's word on what was sold.
    result = categoriser.categorise("SHELL", mcc="5812")
    assert (result.sub_category, result.source, result.rule) == ("restaurants", "mcc", "5812")
    assert result.reason == "MCC 5812 eating places and restaurants"


def test_pattern_sharpens_a_strong_mcc_within_its_category(categoriser: Categoriser) -> None:
    result = categoriser.categorise("STARBUCKS STORE 08123 SEATTLE WA", mcc="5814")
    assert (result.category, result.sub_category) == ("food", "coffee")
    assert (result.source, result.rule) == ("pattern", "starbucks")
    assert result.reason == "merchant name matches 'starbucks'"
    plain = categoriser.categorise("MCDONALD'S F12345", mcc="5814")
    assert (plain.sub_category, plain.source) == ("fast_food", "mcc")


def test_weak_mcc_lets_patterns_decide_and_falls_back(categoriser: Categoriser) -> None:
    pharmacy = categoriser.categorise("SQ *SUNRISE PHARMACY OAKLAND CA", mcc="5999")
    assert (pharmacy.category, pharmacy.sub_category, pharmacy.source) == (
        "health",
        "pharmacy",
        "pattern",
    )
    unknown = categoriser.categorise("SQ *ZQXW TRADING", mcc="5999")
    assert (unknown.sub_category, unknown.source, unknown.rule) == (
        "general_merchandise",
        "mcc",
        "5999",
    )
    assert unknown.reason == "MCC 5999 miscellaneous and speciality retail outlets"


def test_pattern_decides_without_an_mcc(categoriser: Categoriser) -> None:
    result = categoriser.categorise("支付宝-瑞幸咖啡", mcc=None)
    assert (result.sub_category, result.source) == ("coffee", "pattern")
    delivery = categoriser.categorise("美团外卖")
    assert delivery.sub_category == "food_delivery"


def test_uncategorised_when_nothing_matches(categoriser: Categoriser) -> None:
    result = categoriser.categorise("ZQXW HOLDINGS 0042")
    assert result == Categorisation(
        "uncategorised", "unrecognised", "uncategorised", None, "no rule matched", None
    )
    assert categoriser.categorise("", mcc="") == result


def test_refund_is_categorised_like_its_purchase(categoriser: Categoriser) -> None:
    purchase = categoriser.categorise("NETFLIX.COM 866-579-7172 CA", mcc="4899", kind="purchase")
    refund = categoriser.categorise("NETFLIX.COM 866-579-7172 CA", mcc="4899", kind="refund")
    assert refund == purchase
    assert refund.sub_category == "video_streaming"


@pytest.mark.parametrize(
    ("kind", "description", "sub_category", "reason"),
    [
        ("interest", "PURCHASE INTEREST CHARGE", "interest_charges", "transaction kind: interest"),
        ("cash_advance", "ATM 1234 LONDON", "cash_withdrawal", "transaction kind: cash advance"),
        ("repayment", "PAYMENT THANK YOU", "credit_repayment", "transaction kind: repayment"),
        ("fee", "LATE FEE", "late_fees", "transaction kind: fee ('late fee')"),
        (
            "fee",
            "FOREIGN TRANSACTION FEE",
            "fx_fees",
            "transaction kind: fee ('foreign transaction fee')",
        ),
        ("fee", "信用卡年费", "annual_fees", "transaction kind: fee ('年费')"),
        ("fee", "分期手续费", "installment_fees", "transaction kind: fee ('分期手续费')"),
        ("fee", "SERVICE CHARGE", "card_fees", "transaction kind: fee"),
        (" Fee ", "STARBUCKS", "card_fees", "transaction kind: fee"),
    ],
)
def test_kinds_decide_without_guessing(
    categoriser: Categoriser, kind: str, description: str, sub_category: str, reason: str
) -> None:
    result = categoriser.categorise(description, mcc="5814", kind=kind)
    assert (result.sub_category, result.source, result.reason) == (sub_category, "kind", reason)


def test_missing_or_unknown_kind_is_a_purchase(categoriser: Categoriser) -> None:
    expected = categoriser.categorise("STARBUCKS", mcc="5814")
    assert categoriser.categorise("STARBUCKS", mcc="5814", kind=None) == expected
    assert categoriser.categorise("STARBUCKS", mcc="5814", kind="adjustment") == expected
    assert categoriser.categorise("STARBUCKS", mcc=5814) == expected  # type: ignore[arg-type]


def test_invalid_mcc_is_ignored(categoriser: Categoriser) -> None:
    result = categoriser.categorise("STARBUCKS", mcc="not-a-code")
    assert (result.sub_category, result.source) == ("coffee", "pattern")


def test_explain_in_both_languages(categoriser: Categoriser) -> None:
    cases = [
        (
            categoriser.categorise("X", kind="repayment"),
            "transaction kind: repayment",
            "交易类型：还款",
        ),
        (
            categoriser.categorise("LATE FEE", kind="fee"),
            "transaction kind: fee ('late fee')",
            "交易类型：手续费（匹配「late fee」）",
        ),
        (
            categoriser.categorise("Luckin Coffee", user_rules=[LUCKIN_USER]),
            "your rule for 'Luckin Coffee'",
            "你为「Luckin Coffee」设置的规则",
        ),
        (
            categoriser.categorise("LUCKIN"),
            "operator rule 'Luckin promo'",
            "运营方规则「Luckin promo」",
        ),
        (
            categoriser.categorise("MCDONALD'S", mcc="5814"),
            "MCC 5814 fast food restaurants",
            "商户类别码 MCC 5814（快餐）",
        ),
        (
            categoriser.categorise("STARBUCKS", mcc="5814"),
            "merchant name matches 'starbucks'",
            "商户名称匹配「starbucks」",
        ),
        (categoriser.categorise("ZQXW"), "no rule matched", "没有匹配的规则"),
    ]
    for result, english, chinese in cases:
        assert result.reason == english
        assert explain(result, "en") == english
        assert explain(result, "en-US") == english
        assert explain(result, "zh-CN") == chinese
        assert explain(result, "zh_CN") == chinese


def test_user_rules_must_be_user_rules(categoriser: Categoriser) -> None:
    with pytest.raises(RuleError, match="operator rule"):
        categoriser.categorise("LUCKIN", user_rules=[LUCKIN_OPERATOR])


def test_operator_rules_are_validated_up_front() -> None:
    with pytest.raises(RuleError, match="unknown sub-category"):
        Categoriser(operator_rules=[Rule("o", "operator", "exact", "X", "no_such_slug", "X")])


def test_a_taxonomy_missing_shipped_slugs_is_refused() -> None:
    tiny = Taxonomy(
        [
            Category(
                "food",
                {"en": "Food", "zh-CN": "餐饮"},
                [SubCategory("coffee", "food", {"en": "Coffee", "zh-CN": "咖啡"})],
            )
        ]
    )
    with pytest.raises(TaxonomyError, match="lacks sub-categories"):
        Categoriser(taxonomy=tiny)
