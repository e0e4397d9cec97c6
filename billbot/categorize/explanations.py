"""Why a stored transaction has its category, told again in the borrower's language."""

from __future__ import annotations

from typing import Any

from billbot.categorize.result import Categorisation, explain
from billbot.categorize.service import MANUAL
from billbot.categorize.taxonomy import load_taxonomy
from billbot.locales import language_of
from billbot.transactions.models import Transaction

_MANUAL_TEXT = {
    "en": "you chose this category for this transaction",
    "zh-CN": "你为这笔交易手动选择了这个分类",
}
_PENDING_TEXT = {"en": "not categorised yet", "zh-CN": "尚未分类"}


def explain_transaction(transaction: Transaction, locale: str) -> dict[str, Any]:
    """The category, its labels and the reason, for one stored transaction."""
    language = language_of(locale)
    taxonomy = load_taxonomy()
    source = transaction.category_source
    if source is None or transaction.sub_category is None or transaction.category is None:
        reason = _PENDING_TEXT[language]
    elif source == MANUAL:
        reason = _MANUAL_TEXT[language]
    else:
        stored = Categorisation(
            category=transaction.category,
            sub_category=transaction.sub_category,
            source=source,  # type: ignore[arg-type]
            rule=transaction.category_rule,
            reason="",
            detail=transaction.category_detail,
        )
        reason = explain(stored, language, taxonomy)
    known = transaction.sub_category is not None and taxonomy.is_sub_category(
        transaction.sub_category
    )
    return {
        "transaction_id": transaction.id,
        "merchant_name": transaction.merchant_name,
        "category": transaction.category,
        "sub_category": transaction.sub_category,
        "category_label": taxonomy.label(transaction.category, language)
        if known and transaction.category
        else None,
        "sub_category_label": taxonomy.label(transaction.sub_category, language)
        if known and transaction.sub_category
        else None,
        "source": source,
        "reason": reason,
        "locale": language,
    }
