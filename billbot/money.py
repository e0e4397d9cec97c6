"""Money as integer minor units plus an ISO 4217 code; parsing and formatting without floats.

Every amount in billbot is an `int` count of the currency's minor units (cents, fen, fils ...).
Parsing goes through `Decimal` and refuses values that do not fit the currency's exponent; rounding
happens only where a rule says so (`split_evenly` and `apply_rate_bps`, both tested to sum exactly).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import (
    NumberPattern,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
    list_currencies,
)

# ISO 4217 exponents differ from babel's "precision" only where cash rounding is involved; babel
# follows CLDR, which is what we want for display, but the ledger must use the ISO exponent.
_ISO_EXPONENT_OVERRIDES = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "HUF": 2,
    "TWD": 2,
    "IDR": 2,
    "BHD": 3,
    "JOD": 3,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
    "LYD": 3,
    "IQD": 3,
}


_KNOWN = frozenset(list_currencies())


class MoneyError(ValueError):
    """An amount that cannot be represented exactly in its currency."""


@lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    """How many minor-unit digits `currency` has (2 for USD, 0 for JPY, 3 for KWD)."""
    code = currency.upper()
    if len(code) != 3 or not code.isalpha() or code not in _KNOWN:
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code")
    if code in _ISO_EXPONENT_OVERRIDES:
        return _ISO_EXPONENT_OVERRIDES[code]
    return int(get_currency_precision(code))


def currency_code(value: str) -> str:
    """`value` as an upper-case ISO 4217 code, or ValueError saying why (for schema validators)."""
    try:
        exponent(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc
    return value.upper()


def to_minor(value: Decimal | str | int, currency: str) -> int:
    """Convert a major-unit amount (`"12.34"`) to minor units, refusing sub-minor precision."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise MoneyError(f"{value!r} is not a number") from exc
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{value} has more decimals than {currency.upper()} allows")
    return int(scaled)


def to_major(amount_minor: int, currency: str) -> Decimal:
    """The exact major-unit `Decimal` for a minor-unit amount."""
    return Decimal(amount_minor).scaleb(-exponent(currency))


def format_money(amount_minor: int, currency: str, locale: str = "en") -> str:
    """Format for people in their locale (`$1,234.50`, `¥1,234.50`)."""
    if amount_minor >= 0:
        fast = _plain_format(locale, currency.upper())
        if fast is not None:
            return fast(amount_minor)
    return _babel_format(amount_minor, currency, locale)


def _babel_format(amount_minor: int, currency: str, locale: str) -> str:
    babel_locale, pattern = _currency_pattern(locale)
    # What `format_currency` does, without parsing the locale and its pattern on every call.
    return str(
        pattern.apply(to_major(amount_minor, currency), babel_locale, currency=currency.upper())
    )


@lru_cache(maxsize=64)
def _currency_pattern(locale: str) -> tuple[Locale, NumberPattern]:
    babel_locale = Locale.parse(locale.replace("-", "_"))
    return babel_locale, babel_locale.currency_formats["standard"]


# Amounts whose text shows every way Babel could lay a number out: each count of digits, with
# and without zeros in the fraction and in each group.
_PROBES = (0, 1, 7, 10, 99, 305, *(10**k - 1 for k in range(3, 17)), *(10**k for k in range(3, 17)),
           *(int("1234567890123456"[:k]) for k in range(1, 17)))  # fmt: skip


@lru_cache(maxsize=256)
def _plain_format(locale: str, currency: str) -> Callable[[int], str] | None:
    """Babel's text for amounts from zero up as string operations (prefix, digits grouped by
    three, the fraction, suffix), when that gives exactly Babel's text for every probe amount;
    None for the locales and currencies it does not (other groupings, digits, signs)."""
    babel_locale, _ = _currency_pattern(locale)
    digits = exponent(currency)
    scale = 10**digits
    group, decimal = get_group_symbol(babel_locale), get_decimal_symbol(babel_locale)

    def number(amount_minor: int) -> str:
        whole, fraction = divmod(amount_minor, scale)
        text = f"{whole:,}".replace(",", group)
        return f"{text}{decimal}{fraction:0{digits}d}" if digits else text

    sample = _babel_format(123_456_789, currency, locale)
    body = number(123_456_789)
    if sample.count(body) != 1:
        return None
    prefix, _, suffix = sample.partition(body)

    def plain(amount_minor: int) -> str:
        return prefix + number(amount_minor) + suffix

    if any(plain(p) != _babel_format(p, currency, locale) for p in _PROBES):
        return None
    return plain


def split_evenly(total_minor: int, parts: int) -> list[int]:
    """Split `total_minor` into `parts` integers that differ by at most one and sum exactly."""
    if parts <= 0:
        raise ValueError("parts must be positive")
    base, remainder = divmod(total_minor, parts)
    # The earlier parts carry the extra minor units, so a schedule never ends on a larger payment.
    return [base + 1 if i < remainder else base for i in range(parts)]


def apply_rate_bps(amount_minor: int, rate_bps: int) -> int:
    """`amount × rate` for a rate in basis points (1/100 of a percent), halves away from zero."""
    whole, rest = divmod(abs(amount_minor * rate_bps), 10_000)
    rounded = whole + (1 if 2 * rest >= 10_000 else 0)
    return -rounded if amount_minor * rate_bps < 0 else rounded
