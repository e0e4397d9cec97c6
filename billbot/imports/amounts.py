"""Amounts as banks write them (`1.234,56`, `11'373.94`, `(12.34)`, `12.34-`) in minor units.

Plain numbers (`-12.34`) take a fast integer path that is exact by construction; everything else
goes through `Decimal` and `billbot.money.to_minor`, which refuses sub-minor precision.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.numbers import is_currency

from billbot.money import MoneyError, exponent, to_minor

_MINUS = "-\u2212\u2013"
# Grouping characters seen in the wild: comma, dot, apostrophe (Swiss), right single quote
# (Swiss typography), space, no-break space and narrow no-break space (French locales).
_GROUPING = ",.'\u2019 \u00a0\u202f"
# Currency markers made of letters that are not ISO codes. Single letters are not among them:
# a trailing C or D can mean credit or debit, and dropping it would flip the sign silently.
_LETTER_SYMBOLS = frozenset({"kr", "Kr", "zł", "Kč", "Fr", "Rs", "Rp", "RM", "Ft", "lei", "Lei"})
# Dollars with a country prefix (R$ is the Brazilian real); all read as a plain "$".
_PREFIXED_DOLLAR = re.compile(r"\b(?:US|HK|NT|NZ|MX|[RCAS])\$")


class AmountError(ValueError):
    """Amount text that is not a number in the expected style (message only; no location)."""


@dataclass(frozen=True, slots=True)
class AmountStyle:
    """How a file writes numbers: its decimal separator and the grouping characters it may use."""

    decimal: str = "."
    thousands: str = ",'\u2019 \u00a0\u202f"

    def __post_init__(self) -> None:
        if self.decimal not in (".", ","):
            raise ValueError("the decimal separator must be '.' or ','")
        if self.decimal in self.thousands:
            raise ValueError("the decimal separator cannot also group thousands")

    @classmethod
    def for_decimal(cls, decimal: str, thousands: str | None = None) -> AmountStyle:
        """A style with `decimal`, and every other grouping character unless `thousands` says."""
        if thousands is None:
            thousands = _GROUPING.replace(decimal, "")
        return cls(decimal=decimal, thousands=thousands)


@lru_cache(maxsize=256)
def currency_exponent(code: str) -> int:
    """Minor-unit digits of a known ISO 4217 currency; `MoneyError` for anything else."""
    if not is_currency(code.upper()):
        raise MoneyError(f"{code!r} is not an ISO 4217 currency code")
    return exponent(code)


def detect_decimal_separator(values: Iterable[str]) -> str | None:
    """The decimal separator the first decisive value shows (`1,5`, `1.234,56`), or None."""
    for value in values:
        comma = value.rfind(",")
        dot = value.rfind(".")
        if comma < 0 and dot < 0:
            continue
        if comma >= 0 and dot >= 0:
            return "," if comma > dot else "."
        sep, other = (",", ".") if comma >= 0 else (".", ",")
        if value.count(sep) > 1:
            return other
        after = len(value) - max(comma, dot) - 1
        digits = 0
        while digits < after and value[max(comma, dot) + 1 + digits].isdigit():
            digits += 1
        # "1,234" could be either; only another digit count settles it.
        if digits != 3:
            return sep
    return None


def parse_amount(text: str, style: AmountStyle) -> tuple[Decimal, str | None]:
    """The signed value of `text` and the ISO code written next to it, if any."""
    s = text.strip()
    if not s:
        raise AmountError("no amount is given")
    if "$" in s:
        s = _PREFIXED_DOLLAR.sub("$", s)
    negative = False
    if s[0] == "(" and s[-1] == ")":
        negative = True
        s = s[1:-1].strip()
    if not any(c.isdigit() for c in s):
        raise AmountError(f"{text!r} is not a number")
    try:
        s, lead_minus, lead_code = _peel(s, from_left=True)
        s, trail_minus, trail_code = _peel(s, from_left=False)
    except AmountError:
        raise AmountError(f"{text!r} is not a number") from None
    if lead_code and trail_code:
        raise AmountError(f"{text!r} names two currencies")
    minus = lead_minus + trail_minus + int(negative)
    if minus > 1:
        raise AmountError(f"{text!r} has more than one minus sign")
    number = _plain_number(s, style)
    if number is None:
        raise AmountError(f"{text!r} is not a number")
    return (-number if minus else number), (lead_code or trail_code)


def _peel(s: str, *, from_left: bool) -> tuple[str, int, str | None]:
    """Strip signs, spaces and currency markers from one end; count minus signs, note a code."""
    minus = 0
    code = None
    while s:
        c = s[0] if from_left else s[-1]
        if c in _MINUS:
            minus += 1
            s = s[1:] if from_left else s[:-1]
        elif c == "+" or c.isspace() or unicodedata.category(c) == "Sc":
            s = s[1:] if from_left else s[:-1]
        elif c.isalpha():
            run = _letter_run(s, from_left=from_left)
            if len(run) == 3 and run.isascii() and run.isupper():
                if code is not None:
                    raise AmountError("it names two currencies")
                code = run
            elif run not in _LETTER_SYMBOLS:
                raise AmountError(f"{run!r} is not a currency code")
            s = s[len(run) :] if from_left else s[: -len(run)]
        else:
            break
    return s.strip(), minus, code


def _letter_run(s: str, *, from_left: bool) -> str:
    i = 0
    text = s if from_left else s[::-1]
    while i < len(text) and text[i].isalpha():
        i += 1
    return text[:i] if from_left else text[:i][::-1]


def _plain_number(s: str, style: AmountStyle) -> Decimal | None:
    """An unsigned number with optional grouping; None when the text is anything else."""
    if not s:
        return None
    whole, sep, frac = s.partition(style.decimal)
    if sep and not (frac.isascii() and frac.isdigit()):
        return None
    if not whole:
        whole = "0"
    if not (whole.isascii() and whole.isdigit()):
        digits = _ungroup(whole, style.thousands)
        if digits is None:
            return None
        whole = digits
    return Decimal(f"{whole}.{frac}" if frac else whole)


def _ungroup(whole: str, thousands: str) -> str | None:
    """`1,234,567` to `1234567`, insisting on one grouping character and sane group sizes."""
    marks = {c for c in whole if not c.isdigit()}
    if len(marks) != 1:
        return None
    mark = marks.pop()
    if mark not in thousands:
        return None
    groups = whole.split(mark)
    first, *rest = groups
    # Groups of three, or of two before the last three as in Indian lakh notation (1,23,456).
    if not (1 <= len(first) <= 3) or len(rest[-1]) != 3:
        return None
    if any(len(g) not in (2, 3) for g in rest[:-1]):
        return None
    if not all(g.isascii() and g.isdigit() for g in groups):
        return None
    return "".join(groups)


class MinorConverter:
    """Amount text to minor units for one file, remembering each distinct text it has seen."""

    __slots__ = ("_cache", "_style")

    def __init__(self, style: AmountStyle) -> None:
        self._style = style
        self._cache: dict[tuple[str, str], tuple[int, str | None]] = {}

    def convert(self, text: str, currency: str) -> tuple[int, str | None]:
        """`(minor units, ISO code written in the text or None)`; `AmountError` when invalid."""
        key = (text, currency)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        try:
            fast = plain_minor(text, self._style.decimal, currency_exponent(currency))
            if fast is not None:
                result: tuple[int, str | None] = (fast, None)
            else:
                value, code = parse_amount(text, self._style)
                result = (to_minor(value, code or currency), code)
                if code is not None:
                    currency_exponent(code)
        except MoneyError as exc:
            raise AmountError(str(exc)) from None
        self._cache[key] = result
        return result


def plain_minor(text: str, decimal: str, exp: int) -> int | None:
    """Minor units of `-1234.5`-style text with at most `exp` decimals, else None (slow path)."""
    negative = text[:1] == "-"
    body = text[1:] if negative else text
    whole, sep, frac = body.partition(decimal)
    if not (whole.isascii() and whole.isdigit()):
        return None
    if sep:
        if not (frac.isascii() and frac.isdigit()) or len(frac) > exp:
            return None
        value = int(whole + frac) * 10 ** (exp - len(frac))
    else:
        value = int(whole) * 10**exp
    return -value if negative else value
