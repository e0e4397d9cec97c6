"""The number and date readers that CSV and QIF share."""

from __future__ import annotations

from datetime import date, time, timedelta, timezone
from decimal import Decimal

import pytest

from billbot.imports.amounts import (
    AmountError,
    AmountStyle,
    MinorConverter,
    detect_decimal_separator,
    parse_amount,
)
from billbot.imports.dates import DateError, DateReader, date_formats, infer_date_order
from billbot.imports.errors import ImportFileError

POINT = AmountStyle.for_decimal(".")
COMMA = AmountStyle.for_decimal(",")


@pytest.mark.parametrize(
    ("text", "style", "value", "code"),
    [
        ("1.234,56", COMMA, "1234.56", None),
        ("1 234,56", COMMA, "1234.56", None),
        ("1\u00a0234,56 €", COMMA, "1234.56", None),
        ("12,34 EUR", COMMA, "12.34", "EUR"),
        ("11'373.94", POINT, "11373.94", None),
        ("CHF 11’373.94", POINT, "11373.94", "CHF"),
        ("1,23,456.78", POINT, "123456.78", None),
        ("(12.34)", POINT, "-12.34", None),
        ("($12.34)", POINT, "-12.34", None),
        ("12.34-", POINT, "-12.34", None),
        ("\u221212.34", POINT, "-12.34", None),
        ("R$ 12,34", COMMA, "12.34", None),
        ("¥1,200", POINT, "1200", None),
        (".75", POINT, "0.75", None),
    ],
)
def test_parse_amount_spellings(
    text: str, style: AmountStyle, value: str, code: str | None
) -> None:
    assert parse_amount(text, style) == (Decimal(value), code)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1e5", "NaN", "Infinity", "--5", "(-5)", "5-5", "1,2,3", "12.34 CR", "1_000",
     "EUR 5 USD", "1.234.56", "12..5", "١٢"],
)  # fmt: skip
def test_parse_amount_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text, POINT)


def test_converter_refuses_sub_minor_precision_and_remembers_results() -> None:
    converter = MinorConverter(POINT)
    assert converter.convert("1.5", "USD") == (150, None)
    assert converter.convert("1.5", "KWD") == (1500, None)
    assert converter.convert("EUR 1.50", "USD") == (150, "EUR")
    with pytest.raises(AmountError, match="more decimals"):
        converter.convert("1.005", "USD")
    with pytest.raises(AmountError):
        converter.convert("5", "ZZZ")


@pytest.mark.parametrize(
    ("values", "decimal"),
    [
        (["12.50", "3"], "."),
        (["3", "1,5"], ","),
        (["1.234,56"], ","),
        (["1,234.56"], "."),
        (["1.234.567"], ","),
        (["1,234", "7"], None),
        ([], None),
    ],
)
def test_detect_decimal_separator(values: list[str], decimal: str | None) -> None:
    assert detect_decimal_separator(values) == decimal


def test_styles_cannot_group_with_their_decimal_separator() -> None:
    with pytest.raises(ValueError, match="decimal"):
        AmountStyle(decimal=",", thousands=",")
    with pytest.raises(ValueError, match="decimal"):
        AmountStyle(decimal=";")


def test_infer_date_order() -> None:
    assert infer_date_order(["2026-01-02", "2026-12-31"]) is None
    assert infer_date_order(["01/02/2026", "13/02/2026"]) == "dmy"
    assert infer_date_order(["01/02/2026", "02/13/2026 10:00"]) == "mdy"
    with pytest.raises(ImportFileError) as caught:
        infer_date_order(["01/02/2026"])
    assert caught.value.code == "import.ambiguous_date"


def test_date_reader_formats_and_times() -> None:
    reader = DateReader(date_formats((), "mdy"))
    assert reader.read("12/31/2026") == (date(2026, 12, 31), None)
    assert reader.read("31.12.2026") == (date(2026, 12, 31), None)
    assert reader.read("2026年12月31日") == (date(2026, 12, 31), None)
    assert reader.read("20261231") == (date(2026, 12, 31), None)
    assert reader.read("12/31/2026 1:45 PM") == (date(2026, 12, 31), time(13, 45))
    assert reader.read("2026-12-31T23:59:00Z") == (
        date(2026, 12, 31),
        time(23, 59, tzinfo=timezone(timedelta(0))),
    )
    ymd = DateReader(date_formats((), "ymd"))
    assert ymd.read("26/10/31") == (date(2026, 10, 31), None)
    for bad in ("", "31/12/2026", "2026-13-01", "yesterday", "12/31/2026 noon"):
        with pytest.raises(DateError):
            reader.read(bad)


def test_a_currency_code_in_the_text_must_be_a_real_one() -> None:
    with pytest.raises(AmountError, match="ISO 4217"):
        MinorConverter(POINT).convert("ABC 12.00", "USD")


def test_letters_that_may_mean_credit_or_debit_are_not_dropped() -> None:
    for text in ("12.34 C", "12.34 D", "12.34 CR", "DR 12.34"):
        with pytest.raises(AmountError):
            parse_amount(text, POINT)
    assert parse_amount("US$ 12.34", POINT) == (Decimal("12.34"), None)
    assert parse_amount("-NZ$12.34", POINT) == (Decimal("-12.34"), None)
    assert parse_amount("12,50 kr", COMMA) == (Decimal("12.50"), None)
