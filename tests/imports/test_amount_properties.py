"""Properties: amounts written in a profile's style come back as the same minor units."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billbot.imports import get_profile, parse_file
from billbot.imports.amounts import plain_minor
from billbot.money import to_minor

CENTS = st.integers(min_value=-(10**11), max_value=10**11)


def _grouped(whole: int, mark: str) -> str:
    digits = str(whole)
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return mark.join(groups)


def write(cents: int, style: str) -> str:
    """`cents` written the way an export in `style` would write it."""
    whole, frac = divmod(abs(cents), 100)
    negative = cents < 0
    if style == "eu":
        body = f"{_grouped(whole, '.')},{frac:02d}"
        return f"-{body}" if negative else body
    if style == "swiss":
        body = f"{_grouped(whole, chr(39))}.{frac:02d}"
        return f"-{body}" if negative else body
    if style == "accounting":
        body = f"${_grouped(whole, ',')}.{frac:02d}"
        return f"({body})" if negative else body
    # "trailing": the minus after the number, as some mainframe exports do.
    body = f"{whole}.{frac:02d}"
    return f"{body}-" if negative else body


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(CENTS, min_size=1, max_size=8),
    style=st.sampled_from(["eu", "swiss", "accounting", "trailing"]),
)
def test_amounts_round_trip_through_a_profile(values: list[int], style: str) -> None:
    profile = {"eu": "eu", "swiss": "swiss"}.get(style, "auto")
    delimiter = ";" if style == "eu" else ","
    lines = [delimiter.join(["date", "description", "amount"])]
    for n, cents in enumerate(values):
        lines.append(delimiter.join(["01.02.2026", f"Row {n}", f'"{write(cents, style)}"']))
    parsed = parse_file(
        ("\n".join(lines) + "\n").encode(), currency="EUR", profile=profile, date_order="dmy"
    )
    # eu and swiss are bank style (a purchase is negative); the others are billbot's own sign.
    sign = -1 if profile in ("eu", "swiss") else 1
    assert [t.amount_minor for t in parsed.transactions] == [sign * c for c in values]
    assert get_profile(profile).sign == ("spend_negative" if sign < 0 else "spend_positive")


@given(
    whole=st.integers(min_value=0, max_value=10**15),
    frac=st.text(alphabet="0123456789", max_size=4),
    negative=st.booleans(),
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
)
def test_fast_path_agrees_with_to_minor(
    whole: int, frac: str, negative: bool, currency: str
) -> None:
    text = ("-" if negative else "") + str(whole) + (f".{frac}" if frac else "")
    exponent = {"USD": 2, "JPY": 0, "KWD": 3}[currency]
    fast = plain_minor(text, ".", exponent)
    if len(frac) > exponent:
        # Too many digits for the fast path: it defers to the Decimal path instead.
        assert fast is None
    else:
        assert fast == to_minor(Decimal(text), currency)
