"""Money as integer minor units plus an ISO 4217 code; parsing and formatting without floats.

Every amount in billbot is an `int` count of the currency's minor units (cents, fen, fils ...).
Parsing goes through `Decimal` and refuses values that do not fit the currency's exponent; rounding
happens only where a rule says so (`split_evenly` and `apply_rate_bps`, both tested to sum exactly).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision, list_currencies

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
    babel_locale, pattern = _currency_pattern(locale)
    # What `format_currency` does, without parsing the locale and its pattern on every call.
    return str(
        pattern.apply(to_major(amount_minor, currency), babel_locale, currency=currency.upper())
    )


@lru_cache(maxsize=64)
def _currency_pattern(locale: str) -> tuple[Locale, NumberPattern]:
    babel_locale = Locale.parse(locale.replace("-", "_"))
    return babel_locale, babel_locale.currency_formats["standard"]


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
