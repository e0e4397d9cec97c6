"""Merchant-name normalisation: raw card descriptors in, a stable, readable merchant name out.

`SQ *BLUE BOTTLE COFFEE #123 SAN FRANCISCO CA` and `BLUE BOTTLE COFFEE 0456` both become
`Blue Bottle Coffee`, so a merchant groups together however the card network spelled it. In order:

1. Unicode NFKC (full-width characters become ASCII), Chinese payment-platform prefixes
   (`支付宝-`, `财付通-`, `微信支付-` ...), bracketed branch names (`(北京国贸店)`),
   company suffixes (`有限公司`).
2. Card-network noise (`POS`, `VISA PURCHASE`, `CARD 1234`, `CONTACTLESS` ...).
3. Platforms that *are* the merchant collapse to one name: `DD *`/`DOORDASH*` → DoorDash,
   `UBER *EATS` → Uber Eats, `AMZN Mktp US*2K3..` → Amazon Marketplace, `APPLE.COM/BILL`.
   Delivery platforms keep the platform, not the restaurant: the borrower paid the platform.
4. Payment processors in front of the real merchant are stripped (`SQ *`, `TST*`, `PAYPAL *`,
   `PP*`, `SP `, `IZ *`, `SUMUP *`, `GOOGLE *`, `ALIPAY*` ...). For anything else `NAME*DETAIL`
   keeps `NAME`: what follows the star is a product or a reference.
5. Store numbers, reference codes, phone numbers and help URLs (any later token with a digit),
   a trailing ` - branch`, corporate suffixes, then city/state/country suffixes from the end.
6. Title case, keeping acronyms (`KFC`, `CVS/Pharmacy`) and a few shipped display spellings.

`merchant_key` is the matching form: casefolded, accents and punctuation removed, a space between
Chinese and Latin runs. Rules and merchant patterns compare keys, never display names.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache, lru_cache
from importlib.resources import files

from billbot.categorize.suffixes import CORPORATE_ANYWHERE, strip_suffixes

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_LATIN_BOUNDARY = re.compile(f"(?<=[{_CJK}])(?=[^{_CJK}\\s])|(?<=[^{_CJK}\\s])(?=[{_CJK}])")

_CN_PLATFORM = re.compile(
    r"^(?:支付宝|财付通|微信支付|微信|云闪付|京东支付|美团支付|抖音支付|银联)\s*[-—_:：]\s*"
)
_BRACKETED = re.compile(r"\s*[(\[【][^)\]】]*[)\]】]")
_CN_COMPANY = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|分公司|公司)$")

_CARD_NOISE = re.compile(
    r"\bPURCHASE\s+AUTHORI[ZS]ED\s+ON\s+\d{1,2}/\d{1,2}\b"
    r"|\b(?:VISA|DEBIT(?:\s+CARD)?|CHECK\s?CARD|POS|MC)\s+(?:PURCHASE|DDA\s+PUR|PUR)\b"
    r"|\bCARD\s+(?:ENDING\s+(?:IN\s+)?)?[X*]*\d{4}\b"
    r"|(?:\bX{2,}|\*{2,})\d{4}\b"
    r"|\bCHECKCARD\s+\d{4}\b"
)
_NOISE_WORDS = frozenset(
    {"POS", "QPS", "CONTACTLESS", "CHECKCARD", "PENDING", "RECURRING", "PURCHASE", "DDA", "PYMT"}
    | {"PYMTS", "PMT"}
)

# Platforms that are themselves the merchant: everything after them is detail.
_CANONICAL_NAMES = {
    "doordash": "DoorDash",
    "uber_eats": "Uber Eats",
    "amazon_marketplace": "Amazon Marketplace",
    "apple_bill": "Apple.com/Bill",
    "ebay": "eBay",
}
_CANONICAL = re.compile(
    r"(?P<doordash>DD\s*\*|DOORDASH\b)"
    r"|(?P<uber_eats>UBER\s*\*?\s*EATS\b|UBEREATS\b)"
    r"|(?P<amazon_marketplace>AMZN\s+MKTP|AMAZON\s+MKTPL?(?:ACE)?\b|AMZN\s+MARKETPLACE)"
    r"|(?P<apple_bill>APPLE\.COM\s*/?\s*BILL|ITUNES\.COM\s*/?\s*BILL)"
    r"|(?P<ebay>EBAY\s*O\s*\*)"
)
# Google's own services read better with the platform kept: "GOOGLE *CLOUD" is Google Cloud.
_GOOGLE_OWN = re.compile(
    r"^GOOGLE\s*\*\s*(?=(?:SERVICES|CLOUD|STORAGE|ADS|WORKSPACE|G\s?SUITE|PLAY|DOMAINS|FI|STORE)\b)"
)
_PROCESSOR = re.compile(
    r"^(?:SQU?|TST|PAYPAL|PP|PYPL|IZ|IZETTLE|ZETTLE_?|SUMUP|GOOGLE|ALIPAY|WECHAT\s?PAY|WXPAY|"
    r"WEIXIN|CKO|FS|BT|WPY|PADDLE(?:\.NET)?|STRIPE|LS|SP)\s*\*\s*"
    # Shopify writes "SP NAME" without a star; "SP GROUP" (Singapore Power) is a real merchant.
    r"|^SP\s+(?!GROUP\b|SERVICES\b|DIGITAL\b)(?=\S)"
)

_STORE_HASH = re.compile(r"#\s*[A-Z0-9-]*")
_STORE_NUMBER = re.compile(r"\b(?:STORE|STR|STO|UNIT|NO\.?)\s*(?:#|-)?\s*\d+\b")
_STREET = re.compile(
    r"\b\d+\w*\s+(?:ST|STREET|AVE|AVENUE|RD|ROAD|BLVD|DR|DRIVE|LN|LANE|HWY|PKWY)\b\.?"
)
_DASH_TAIL = re.compile(r"\s+[-–—]\s+")
_LOST_APOSTROPHE = re.compile(r"\b([A-Z]{2,}) S(?=\s|$)")
_HAS_DIGIT = re.compile(r"\d").search
_LETTERS_THEN_REFERENCE = re.compile(r"^([A-Z]{3,})(\d{6,})$")
_URL_TOKEN = re.compile(r"^(?:HTTPS?|WWW\.|HELP\.|G\.CO\b)|/")
_TLD = re.compile(r"\.(?:COM|NET|ORG|IO|CO|APP|AI|EU|DE|FR|CN|JP|AU|CA)(?:\.[A-Z]{2})?$")
_EDGE_PUNCT = ",;:.'\"()"
# Apostrophes and ampersands join (McDonald's → mcdonalds, H&M → hm); other marks split words.
_JOINING_MARKS = str.maketrans("", "", "'’`&")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_NON_WORD = re.compile(r"[\W_]+")
# Brands spell "plus" as "+" (Disney+, Paramount+, Canal+): match them as the word.
_PLUS_SUFFIX = re.compile(r"(?<=\w)\+")

_ALWAYS_DROPPED = frozenset({"US", "USA"})
_VOWELS = frozenset("AEIOUY")
# Consonant-only abbreviations that are words, not acronyms, so they title-case ("St Mary's").
_ABBREVIATIONS = frozenset(
    {"ST", "DR", "MR", "MRS", "MS", "JR", "SR", "MT", "MTN", "FT", "PL", "RD", "CT", "LN"}
    | {"BLVD", "CTR", "PKWY", "HWY", "WHSE", "MKT", "SVCS", "SVC", "WRLS"}
)


@cache
def _display_names() -> tuple[dict[str, str], dict[str, str]]:
    """Shipped spellings: whole names by merchant key, and acronym words by upper-case form."""
    text = files("billbot.categorize").joinpath("data/display_names.csv").read_text("utf-8")
    names: dict[str, str] = {}
    words: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        if row["scope"] == "word":
            words[row["display_name"].upper()] = row["display_name"]
        else:
            names[merchant_key(row["display_name"])] = row["display_name"]
    return names, words


@lru_cache(maxsize=131_072)
def merchant_key(name: str) -> str:
    """The matching form of a name: casefolded, accent- and punctuation-free, single-spaced."""
    text = unicodedata.normalize("NFKD", name.casefold()).translate(_JOINING_MARKS)
    if "+" in text:
        text = _PLUS_SUFFIX.sub(" plus ", text)
    spaced = _NON_WORD.sub(" ", _COMBINING.sub("", text))
    if not spaced.isascii():
        spaced = _CJK_LATIN_BOUNDARY.sub(" ", spaced)
    return " ".join(spaced.split())


@lru_cache(maxsize=65_536)
def normalise_merchant(raw: str) -> str:
    """A readable, stable merchant name for a raw descriptor; see the module docstring."""
    return normalise_uncached(raw)


def normalise_uncached(raw: str) -> str:
    """`normalise_merchant` without the cache, for batch paths that already de-duplicate."""
    # The cheap membership tests below skip regular expressions that cannot match: batch imports
    # normalise every distinct descriptor, and most are plain ASCII without brackets or dashes.
    ascii_only = raw.isascii()
    text = " ".join((raw if ascii_only else unicodedata.normalize("NFKC", raw)).split())
    if not text:
        return ""
    if not ascii_only:
        text = _CN_PLATFORM.sub("", text)
    if "(" in text or "[" in text or "【" in text:
        text = _BRACKETED.sub("", text).strip() or text
    if not ascii_only:
        text = _CN_COMPANY.sub("", text) or text
    upper = text.upper()
    if "CARD" in upper or "PUR" in upper or "XX" in upper or "**" in upper:
        upper = _CARD_NOISE.sub(" ", upper).strip()
    canonical = _CANONICAL.match(upper)
    if canonical is not None and canonical.lastgroup:
        return _CANONICAL_NAMES[canonical.lastgroup]
    tokens = _tokens(_strip_processors(upper))
    name = " ".join([_title_token(token) for token in tokens])
    if not name:
        # Everything was noise (a bare "POS 1234"): keep the descriptor rather than nothing.
        return " ".join([_title_token(token) for token in upper.split()])
    names, _ = _display_names()
    return names.get(merchant_key(name), name)


def _strip_processors(upper: str) -> str:
    if upper.startswith("GOOGLE"):
        upper = _GOOGLE_OWN.sub("GOOGLE ", upper)
    # Two passes: "PAYPAL *SQ *NAME" happens when a marketplace pays a Square seller.
    for _ in range(2):
        stripped = _PROCESSOR.sub("", upper, count=1)
        if stripped == upper or not stripped.strip():
            break
        upper = stripped.lstrip()
    if "*" in upper:
        head, _, tail = upper.partition("*")
        upper = head if head.strip() else tail
    if "#" in upper:
        upper = _STORE_HASH.sub(" ", upper)
    if not upper.startswith("THE "):
        # "STORE 0045" is a branch number, but "THE UPS STORE 1234" keeps its STORE.
        upper = _STORE_NUMBER.sub(" ", upper)
    upper = _STREET.sub(" ", upper)
    if " -" in upper or " –" in upper or " —" in upper:
        head = _DASH_TAIL.split(upper, maxsplit=1)[0]
        if head.strip():
            upper = head
    if " S" in upper:
        upper = _LOST_APOSTROPHE.sub(r"\1'S", upper)
    return upper


def _tokens(upper: str) -> list[str]:
    """Clean tokens, flagging numbers, then strip location and corporate suffixes from the end."""
    tokens: list[str] = []
    numeric: list[bool] = []
    for position, raw_token in enumerate(upper.split()):
        token = raw_token.strip(_EDGE_PUNCT)
        if not token or token in _NOISE_WORDS or (position and raw_token[0] == "."):
            continue
        if not tokens:
            tokens.append(_first_token(token))
            numeric.append(False)
            continue
        has_digit = _HAS_DIGIT(token) is not None
        if has_digit:
            split = _LETTERS_THEN_REFERENCE.match(token)
            if split:
                tokens.append(split.group(1))
                numeric.append(False)
                continue
        elif "." in token or "/" in token or token.startswith(("HTTP", "WWW")):
            if _URL_TOKEN.search(token):
                continue
            token = _TLD.sub("", token)
        if token in CORPORATE_ANYWHERE or token in _ALWAYS_DROPPED:
            continue
        tokens.append(token)
        numeric.append(has_digit)
    strip_suffixes(tokens, numeric)
    words = [token for token, is_number in zip(tokens, numeric, strict=True) if not is_number]
    # "EXPEDIA 7231.. EXPEDIA.COM" repeats the name once the reference is gone.
    return [word for i, word in enumerate(words) if i == 0 or word != words[i - 1]]


def _first_token(token: str) -> str:
    if "/" in token and "." in token.split("/", 1)[0]:
        return token.split("/", 1)[0]
    return token


_WORD_RUNS = re.compile(f"[{_CJK}]+|[^\\W\\d_{_CJK}]+|[\\W\\d_]+")


@lru_cache(maxsize=131_072)
def _title_token(token: str) -> str:
    _, words = _display_names()
    if "&" in token and not _CJK_CHAR.search(token):
        return token
    parts = []
    previous = ""
    for run in _WORD_RUNS.findall(token):
        if not run.isalpha() or _CJK_CHAR.match(run):
            parts.append(run)
        elif run in words:
            parts.append(words[run])
        elif _is_acronym(run):
            parts.append(run)
        elif _starts_word(previous):
            parts.append(run.capitalize())
        else:
            parts.append(run.lower())
        previous = run
    return "".join(parts)


def _starts_word(previous: str) -> bool:
    # Capitalise after a space, hyphen, slash, digit or Chinese ("7-Eleven", "Tony造型"), not
    # after an apostrophe or a dot ("McDonald's", "Netflix.com").
    if not previous:
        return True
    last = previous[-1]
    return last in " -/" or last.isdigit() or _CJK_CHAR.match(last) is not None


def _is_acronym(run: str) -> bool:
    # Short consonant-only words are initials (KFC, CVS, NCP), unless they are abbreviations.
    return (
        run.isascii()
        and 2 <= len(run) <= 4
        and not _VOWELS.intersection(run)
        and run not in _ABBREVIATIONS
    )
