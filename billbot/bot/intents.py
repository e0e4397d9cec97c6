"""A small intent parser for what borrowers write to the bot, in English and Chinese.

Three passes over one normalised message (NFKC, case-folded, punctuation dropped):

1. whole-message keywords: STOP, START, HELP, PAUSE and greetings (carrier conventions included);
2. patterns that carry slots: "limit food 2000", "why is STARBUCKS in coffee",
   "always categorise Etsy as gifts" and their Chinese forms;
3. keyword scoring for the rest: each intent has phrases with weights; the best score of at least
   `THRESHOLD` wins, anything weaker is `Kind.MENU` (the caller shows a short menu).

English words are corrected towards the parser's own vocabulary before matching (one edit for
words of four letters or more, two from eight), with `rapidfuzz`'s optimal string alignment
distance, so "weeek", "spnd", "remnd" and "categorize" are understood. Real words that sit one
edit from a keyword ("will" from "bill", "shop" from "stop") are never corrected.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA


class Kind(StrEnum):
    """What the borrower asked for."""

    BILL = "bill"  # current bill and due date
    REPAY_OPTIONS = "repay_options"  # ways to pay
    PAID = "paid"  # "I paid"
    SNOOZE = "snooze"  # remind me tomorrow
    SPENDING = "spending"  # spending this week / month by category
    REPORT = "report"  # last week's report, the short version
    LEFT = "left"  # how much is left against limits
    SET_LIMIT = "set_limit"  # set or change a limit (target, amount, period)
    WHY_MESSAGE = "why_message"  # why did I get this message
    WHY_CATEGORY = "why_category"  # why is this transaction in this category (merchant, category)
    ALWAYS_CATEGORY = "always_category"  # always categorise X as Y (merchant, category)
    STOP = "stop"
    START = "start"
    PAUSE = "pause"
    HELP = "help"
    GREETING = "greeting"
    MENU = "menu"  # not understood: show the menu


@dataclass(frozen=True)
class Intent:
    """A parsed message: its kind and the slots the kind uses."""

    kind: Kind
    period: str | None = None  # "week", "month" or "today" (spending, set_limit)
    target: str | None = None  # what a limit is on ("food", "coffee", "ideal bill")
    amount: str | None = None  # the amount as written, digits normalised ("2000", "1.5k")
    merchant: str | None = None  # a merchant as written (why_category, always_category)
    category: str | None = None  # a category as written (why_category, always_category)
    score: int = 0


THRESHOLD = 2

# -- whole-message keywords ------------------------------------------------------------------------

_STOP = frozenset(
    {
        "stop",
        "stopall",
        "stop all",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "optout",
        "opt out",
        "revoke",
        "td",
        "stop messages",
        "stop all messages",
        "stop messaging me",
        "stop texting me",
        "退订",
        "停止",
        "停止发送",
        "不要再发了",
        "别再发了",
        "取消订阅",
    }
)
_START = frozenset(
    {
        "start",
        "yes",
        "unstop",
        "subscribe",
        "resume",
        "start again",
        "订阅",
        "恢复订阅",
        "恢复",
        "开始",
        "重新开始",
    }
)
_HELP = frozenset(
    {"help", "info", "menu", "commands", "what can you do", "帮助", "菜单", "你能做什么"}
)
_PAUSE = frozenset(
    {
        "pause",
        "pause reminders",
        "pause messages",
        "mute",
        "暂停",
        "暂停提醒",
        "暂停消息",
        "先别提醒",
    }
)
_GREETING = frozenset(
    {"hi", "hello", "hey", "hiya", "good morning", "good evening", "你好", "您好", "嗨", "哈喽"}
)
_WHOLE: tuple[tuple[frozenset[str], Kind], ...] = (
    (_STOP, Kind.STOP),
    (_START, Kind.START),
    (_HELP, Kind.HELP),
    (_PAUSE, Kind.PAUSE),
    (_GREETING, Kind.GREETING),
)

# -- scored phrases -------------------------------------------------------------------------
# English phrases match whole (corrected) words; Chinese phrases match as substrings.

_PHRASES: dict[Kind, tuple[tuple[str, int], ...]] = {
    Kind.BILL: (
        ("bill", 2),
        ("bills", 2),
        ("statement", 2),
        ("owe", 2),
        ("due", 2),
        ("due date", 3),
        ("balance", 2),
        ("when do i pay", 3),
        ("how much do i owe", 4),
        ("账单", 3),
        ("帐单", 3),
        ("欠", 2),
        ("到期", 3),
        ("还款日", 4),
        ("应还", 3),
        ("待还", 3),
        ("本期", 2),
    ),
    Kind.REPAY_OPTIONS: (
        ("repay", 3),
        ("repayment", 3),
        ("repayment options", 4),
        ("options", 2),
        ("how to pay", 4),
        ("how do i pay", 4),
        ("how can i pay", 4),
        ("ways to pay", 4),
        ("pay options", 4),
        ("installment", 3),
        ("installments", 3),
        ("instalment", 3),
        ("instalments", 3),
        ("minimum", 2),
        ("pay in full", 3),
        ("pay", 2),
        ("pay my bill", 3),
        ("还款", 3),
        ("怎么还", 4),
        ("如何还", 4),
        ("还款方式", 4),
        ("分期", 3),
        ("最低还款", 3),
        ("全额", 2),
    ),
    Kind.PAID: (
        ("paid", 3),
        ("i paid", 4),
        ("already paid", 4),
        ("have paid", 4),
        ("i've paid", 4),
        ("just paid", 4),
        ("made the payment", 4),
        ("payment done", 4),
        ("已还", 4),
        ("还了", 3),
        ("还清", 4),
        ("已经还", 4),
        ("已付", 4),
        ("付过了", 4),
        ("付了", 3),
    ),
    Kind.SNOOZE: (
        ("remind me tomorrow", 5),
        ("remind me later", 5),
        ("remind me", 2),
        ("tomorrow", 2),
        ("later", 2),
        ("snooze", 4),
        ("not now", 3),
        ("明天提醒", 5),
        ("明天再", 4),
        ("稍后", 3),
        ("晚点", 3),
        ("推迟", 3),
        ("过会", 3),
        ("提醒我", 2),
    ),
    Kind.SPENDING: (
        ("spend", 3),
        ("spent", 3),
        ("spending", 3),
        ("expenses", 3),
        ("breakdown", 3),
        ("where did my money go", 5),
        ("花了", 4),
        ("花费", 3),
        ("消费", 3),
        ("支出", 3),
        ("开销", 3),
        ("用了多少", 3),
    ),
    Kind.REPORT: (
        ("weekly report", 6),
        ("week report", 5),
        ("report", 4),
        ("weekly summary", 6),
        ("summary", 3),
        ("周报", 6),
        ("消费周报", 7),
        ("周总结", 5),
        ("上周总结", 6),
    ),
    Kind.LEFT: (
        ("left", 3),
        ("remaining", 3),
        ("remain", 3),
        ("budget", 3),
        ("budgets", 3),
        ("limits", 3),
        ("limit", 2),
        ("how much can i spend", 5),
        ("how much is left", 5),
        ("还剩", 4),
        ("剩多少", 4),
        ("剩余", 4),
        ("剩下", 4),
        ("预算", 3),
        ("限额", 3),
        ("额度", 3),
        ("还能花", 5),
    ),
    Kind.WHY_MESSAGE: (
        ("why did i get", 5),
        ("why did i receive", 5),
        ("why did you send", 5),
        ("why am i getting", 5),
        ("why this message", 5),
        ("why this", 3),
        ("why", 1),
        ("message", 1),
        ("reminder", 1),
        ("为什么收到", 5),
        ("为什么给我发", 5),
        ("为什么发", 4),
        ("为什么提醒", 5),
        ("为啥", 2),
        ("为什么", 2),
        ("这条消息", 3),
        ("这条提醒", 3),
        ("收到", 1),
    ),
}

# Words that mean a period (for spending and limits).
_PERIODS: tuple[tuple[str, str], ...] = (
    ("today", "today"),
    ("今天", "today"),
    ("今日", "today"),
    ("week", "week"),
    ("weekly", "week"),
    ("weeks", "week"),
    ("本周", "week"),
    ("这周", "week"),
    ("每周", "week"),
    ("一周", "week"),
    ("星期", "week"),
    ("month", "month"),
    ("monthly", "month"),
    ("本月", "month"),
    ("这个月", "month"),
    ("每月", "month"),
    ("月", "month"),
)

# Real words one edit from a keyword: left as they are.
_PROTECTED = frozenset(
    {
        "will",
        "fill",
        "till",
        "hill",
        "pill",
        "kill",
        "mill",
        "shop",
        "step",
        "stay",
        "what",
        "that",
        "when",
        "then",
        "than",
        "them",
        "they",
        "this",
        "those",
        "these",
        "weak",
        "wee",
        "sent",
        "rent",
        "want",
        "went",
        "lift",
        "lest",
        "loft",
        "paint",
        "pain",
        "said",
        "maid",
        "raid",
        "laid",
        "word",
        "work",
        "more",
        "mine",
        "time",
        "like",
        "limb",
        "dues",
        "doe",
        "does",
        "done",
        "later",
        "layer",
        "water",
        "owed",
        "stat",
        "star",
        "start",
        "stare",
        "spent",
        "spend",
        "spends",
        "speed",
        "send",
        "bull",
        "ball",
        "bell",
        "bile",
        "mush",
        "such",
        "much",
        "mouth",
        "moth",
        "month",
    }
)

_AMOUNT = (
    r"[¥$€£￥]?\s*\d[\d,]*(?:\.\d+)?\s*(?:k|千|万)?"
    r"(?:\s*(?:元|块|rmb|yuan|cny|usd|dollars?))?"
)

# "limit food 2000", "limit for coffee to 150 a week", "set my food limit to 2000",
# "food budget 2000", "ideal bill 12000"
_VERB = r"(?:please )?(?:set |change |make |update |lower |raise |increase |decrease |reduce )?"
_LIMIT_EN = (
    re.compile(
        rf"^{_VERB}(?:a |my |the )?(?:limit|budget|cap)s? (?:for |on |of )?"
        rf"(?P<target>[^\d¥$€£￥]+?)"
        rf" (?:to |at |of |is |= )?(?P<amount>{_AMOUNT})(?P<rest>.*)$"
    ),
    re.compile(
        rf"^{_VERB}(?:a |my |the )?(?P<target>[^\d¥$€£￥]+?) (?:limit|budget|cap)s?"
        rf" (?:to |at |of |is |= )?(?P<amount>{_AMOUNT})(?P<rest>.*)$"
    ),
    re.compile(rf"^(?P<target>ideal bill|monthly bill) (?:to |at |of |is )?(?P<amount>{_AMOUNT})"),
)
_LIMIT_ZH = (
    re.compile(
        rf"^(?:把|将|设置|设定|设)?(?:我的)?(?P<target>[^\d¥$€£￥]+?)的?(?:每周|每月|本周|本月)?"
        rf"(?:限额|预算|上限)(?:设为|设置为|设成|改为|改成|调到|调为|调成|定为|为|是|到|:)?"
        rf"(?P<amount>{_AMOUNT})(?P<rest>.*)$"
    ),
    re.compile(
        rf"^(?:限额|预算|上限)(?P<target>[^\d¥$€£￥]+?)(?:设为|改为|改成|为|到)?"
        rf"(?P<amount>{_AMOUNT})(?P<rest>.*)$"
    ),
)

_CATEGORISE_VERBS = (
    r"(?:categori[sz]e|categori[sz]ed|class(?:ify)?|file|put|treat|count|mark|tag|label|make)"
)
_ALWAYS_EN = re.compile(
    rf"^(?:please )?(?:always|from now on|in future) {_CATEGORISE_VERBS} (?P<merchant>.+?)"
    rf" (?:as|in|under|into|to) (?P<category>.+)$"
)
_ALWAYS_ZH = (
    re.compile(
        r"^(?:以后|今后)?(?:总是|一律|都|始终|永远|每次都)?把(?P<merchant>.+?)(?:都|总是|一律)?"
        r"(?:归为|归到|归入|算作|算成|算到|分到|分为|记为|记到|当作|当成|划到|归类为|归类到)"
        r"(?P<category>.+)$"
    ),
    re.compile(
        r"^(?P<merchant>[^把]+?)(?:以后|今后)?(?:都|总是|一律|永远)"
        r"(?:归为|归到|归入|算作|算成|算到|分到|分为|记为|记到|当作|当成|算)(?P<category>.+)$"
    ),
)
_WHY_CATEGORY_EN = re.compile(
    r"^why (?:is|are|was|were|does|did) (?:my )?(?P<merchant>.+?)"
    r" (?:categori[sz]ed as|classified as|classed as|counted as|filed under|put in|marked as"
    r"|labell?ed as|in|under|as|go in|go under|show as|a|an) (?P<category>.+?)$"
)
_WHY_CATEGORY_EN_SHORT = re.compile(
    r"^why (?:is|was|are) (?:my )?(?P<merchant>.+?) (?:categori[sz]ed|classified)"
    r"(?: (?:like|this way|that way))?$"
)
_WHY_CATEGORY_ZH = re.compile(
    r"^(?:为什么|为啥|怎么)(?P<merchant>.+?)(?:被归为|被归到|被分到|被算作|被算成|归为|归到|分到|算作"
    r"|算成|属于|算|是|在)(?P<category>.+?)(?:分类|类别|类)?$"
)
_NOT_A_MERCHANT = re.compile(
    r"(?:消息|提醒|通知|收到|发给我|发我|给我发|^我|^你|^(?:i|you|we|this|it|that)(?: |$)"
    r"|message|reminder|notification|\bgetting\b|\bget\b|\bgot\b|receiv)"
)

# Full stops and commas between digits stay (amounts: "1,500.50"); other punctuation is a space.
_PUNCT = re.compile(r"(?:[\s!?;:，。！？；：、~～…\"'“”‘’()（）\[\]【】]|(?<!\d)[.,]|[.,](?!\d))+")
_WORD = re.compile(r"[a-z][a-z']*")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), case-folded, punctuation as single spaces, trimmed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", _PUNCT.sub(" ", folded)).strip()


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    words: set[str] = set()
    for phrases in _PHRASES.values():
        for phrase, _ in phrases:
            words.update(_WORD.findall(phrase))
    for group in (_STOP, _START, _HELP, _PAUSE, _GREETING):
        for phrase in group:
            words.update(_WORD.findall(phrase))
    words.update(w for w, _ in _PERIODS if w.isascii())
    words.update(
        {
            "always",
            "categorise",
            "categorize",
            "categorised",
            "categorized",
            "classify",
            "limit",
            "budget",
            "ideal",
            "monthly",
            "weekly",
            "spending",
            "this",
            "much",
            "how",
        }
    )
    return tuple(sorted(w for w in words if len(w) >= 4))


@lru_cache(maxsize=4096)
def _correct_word(word: str) -> str:
    if len(word) < 4 or word in _PROTECTED or not word.isascii():
        return word
    vocabulary = _vocabulary()
    if word in vocabulary:
        return word
    cutoff = 2 if len(word) >= 8 else 1
    found = process.extract(word, vocabulary, scorer=OSA.distance, score_cutoff=cutoff, limit=None)
    if not found:
        return word
    nearest = min(distance for _, distance, _ in found)
    # Among the nearest, the one sharing most letters in order ("spnd" is "spend", not "send").
    choice = max(
        (str(c) for c, distance, _ in found if distance == nearest),
        key=lambda c: fuzz.ratio(word, c),
    )
    return choice if min(len(choice), len(word)) >= 4 else word


def correct(text: str) -> str:
    """`text` (normalised) with English words near a keyword corrected to it."""
    return _WORD.sub(lambda m: _correct_word(m.group(0)), text)


def _period(text: str) -> str | None:
    padded = f" {text} "
    for word, period in _PERIODS:
        if (word.isascii() and f" {word} " in padded) or (not word.isascii() and word in text):
            return period
    return None


def _amount(text: str) -> str:
    return _SPACES.sub("", text).replace(",", "")


def _limit_intent(text: str) -> Intent | None:
    for pattern in (*_LIMIT_EN, *_LIMIT_ZH):
        found = pattern.match(text)
        if found is None:
            continue
        target = found.group("target").strip()
        period = _period(text)
        target = re.sub(r"\b(?:weekly|monthly|a week|a month|per week|per month)\b", "", target)
        target = re.sub(r"(?:每周|每月|本周|本月|的)$", "", target.strip()).strip()
        if not target or len(target) > 40:
            continue
        return Intent(
            Kind.SET_LIMIT,
            target=target,
            amount=_amount(found.group("amount")),
            period=period,
            score=10,
        )
    return None


def _slot_intent(text: str, raw: str) -> Intent | None:
    """Patterns with slots, tried on the corrected text; merchants are taken as written."""
    for pattern in (_ALWAYS_EN, *_ALWAYS_ZH):
        found = pattern.match(text)
        if found is not None:
            as_written = pattern.match(raw)
            merchant = (as_written or found).group("merchant").strip()
            return Intent(
                Kind.ALWAYS_CATEGORY,
                merchant=merchant,
                category=found.group("category").strip(),
                score=10,
            )
    for pattern in (_WHY_CATEGORY_EN, _WHY_CATEGORY_EN_SHORT, _WHY_CATEGORY_ZH):
        found = pattern.match(text)
        if found is None:
            continue
        as_written = pattern.match(raw)
        merchant = (as_written or found).group("merchant").strip()
        if _NOT_A_MERCHANT.search(merchant) or merchant in ("i", "you", "we"):
            continue
        category = found.groupdict().get("category")
        return Intent(
            Kind.WHY_CATEGORY,
            merchant=merchant,
            category=category.strip() if category else None,
            score=10,
        )
    # Limit targets are taken as written when they can be ("food" is not "good").
    return _limit_intent(raw) or _limit_intent(text)


def _scored(text: str) -> Intent:
    padded = f" {text} "
    best, best_score = Kind.MENU, 0
    for kind, phrases in _PHRASES.items():
        score = 0
        for phrase, weight in phrases:
            if (phrase.isascii() and f" {phrase} " in padded) or (
                not phrase.isascii() and phrase in text
            ):
                score += weight
        if score > best_score:
            best, best_score = kind, score
    if best_score < THRESHOLD:
        return Intent(Kind.MENU, score=best_score)
    period = _period(text) if best in (Kind.SPENDING, Kind.LEFT) else None
    return Intent(best, period=period, score=best_score)


def parse(text: str | None) -> Intent:
    """The intent of one message; `Kind.MENU` when it is not understood (never raises)."""
    if not text:
        return Intent(Kind.MENU)
    raw = normalise(text)
    if not raw:
        return Intent(Kind.MENU)
    fixed = correct(raw)
    for words, kind in _WHOLE:
        if raw in words or fixed in words:
            return Intent(kind, score=10)
    slotted = _slot_intent(fixed, raw)
    if slotted is not None:
        return slotted
    return _scored(fixed)
