"""Reading what a borrower names in a message: a category or sub-category, an amount."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from rapidfuzz import fuzz, process

from billbot.categorize.taxonomy import load_taxonomy
from billbot.money import MoneyError, to_minor

IDEAL_BILL = "ideal_bill"

# Everyday words for slugs, beside the taxonomy's own labels (en and zh-CN).
_SYNONYMS: dict[str, str] = {
    "gift": "gifts_flowers",
    "gifts": "gifts_flowers",
    "flowers": "gifts_flowers",
    "礼物": "gifts_flowers",
    "礼品": "gifts_flowers",
    "鲜花": "gifts_flowers",
    "takeaway": "food_delivery",
    "takeout": "food_delivery",
    "delivery": "food_delivery",
    "外卖": "food_delivery",
    "eating out": "restaurants",
    "dining": "restaurants",
    "dining out": "restaurants",
    "下馆子": "restaurants",
    "吃饭": "food",
    "餐饮": "food",
    "吃喝": "food",
    "drinks": "food",
    "grocery": "groceries",
    "supermarket": "groceries",
    "超市": "groceries",
    "买菜": "groceries",
    "taxi": "taxis",
    "cab": "taxis",
    "uber": "ride_hailing",
    "didi": "ride_hailing",
    "打车": "ride_hailing",
    "滴滴": "ride_hailing",
    "出租车": "taxis",
    "clothes": "clothing",
    "衣服": "clothing",
    "petrol": "fuel",
    "gas": "fuel",
    "加油": "fuel",
    "gym": "gym_fitness",
    "健身": "gym_fitness",
    "movies": "cinema",
    "电影": "cinema",
    "games": "video_games",
    "游戏": "video_games",
    "streaming": "video_streaming",
    "subscriptions": "subscriptions_digital",
    "订阅": "subscriptions_digital",
    "bubble tea": "tea_and_juice",
    "奶茶": "tea_and_juice",
    "tea": "tea_and_juice",
    "bars": "bars_nightlife",
    "酒吧": "bars_nightlife",
    "books": "books",
    "书": "books",
    "travel": "travel",
    "旅游": "travel",
    "pets": "family_pets",
    "宠物": "pet_supplies",
    "shopping": "shopping",
    "网购": "online_marketplaces",
    "transport": "transport",
    "交通": "transport",
    "出行": "transport",
}
_IDEAL_BILL_WORDS = frozenset(
    {
        "ideal bill",
        "ideal",
        "bill",
        "monthly bill",
        "total",
        "overall",
        "everything",
        "all",
        "spending",
        "all spending",
        "理想账单",
        "账单",
        "总",
        "总额",
        "总预算",
        "每月账单",
        "月账单",
        "全部",
        "总消费",
    }
)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every name a category or sub-category goes by, case-folded, to its slug."""
    taxonomy = load_taxonomy()
    names: dict[str, str] = {}
    for category in taxonomy.categories:
        for slug, labels in [(category.slug, category.labels)] + [
            (s.slug, s.labels) for s in category.sub_categories
        ]:
            names.setdefault(slug, slug)
            names.setdefault(slug.replace("_", " "), slug)
            for label in labels.values():
                folded = label.casefold()
                names.setdefault(folded, slug)
                for part in re.split(r"\s*(?:&|,|\band\b|与)\s*", folded):
                    if part:
                        names.setdefault(part.strip(), slug)
    names.update(_SYNONYMS)
    return names


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def category_slug(text: str) -> str | None:
    """The category or sub-category slug `text` names ("coffee", "gifts", "餐饮"), or None."""
    words = re.sub(r"^(?:the|my|a)\s+|\s+(?:category|spending|limit|类|分类)$", "", text.casefold())
    words = words.strip()
    if not words:
        return None
    names = _names()
    for candidate in (words, _singular(words)):
        if candidate in names:
            return names[candidate]
    if not words.isascii():
        # Chinese: a label that contains the words, or words that contain a label.
        best = None
        for name, slug in names.items():
            if name.isascii():
                continue
            close = (words in name or name in words) and min(len(name), len(words)) >= 2
            if close and (best is None or abs(len(name) - len(words)) < best[0]):
                best = (abs(len(name) - len(words)), slug)
        return best[1] if best else None
    found = process.extractOne(
        words, [n for n in names if n.isascii()], scorer=fuzz.ratio, score_cutoff=84
    )
    return names[str(found[0])] if found else None


def limit_target(text: str) -> str | None:
    """`ideal_bill`, or the category / sub-category slug a limit is on, or None."""
    folded = text.casefold().strip()
    if folded in _IDEAL_BILL_WORDS:
        return IDEAL_BILL
    return category_slug(folded)


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(k|千|万)?")


def parse_amount(written: str, currency: str) -> int | None:
    """Minor units of an amount as written ("2000", "1.5k", "¥2,000元", "3万"), or None."""
    found = _AMOUNT.search(written.replace(",", ""))
    if found is None:
        return None
    try:
        value = Decimal(found.group(1))
    except InvalidOperation:
        return None
    scale = {"k": 1000, "千": 1000, "万": 10_000}.get(found.group(2) or "", 1)
    try:
        minor = to_minor(value * scale, currency)
    except MoneyError:
        return None
    return minor if 0 <= minor < 10**15 else None
