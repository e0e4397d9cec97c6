"""QIF: Quicken's bank, cash and card lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from billbot.imports import ImportFileError, ParsedFile, parse_file

DATA = Path(__file__).parent / "data"


def parse(text: str, **options: str) -> ParsedFile:
    return parse_file(text.encode(), currency="USD", filename="export.qif", **options)


def error_of(text: str, **options: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        parse(text, **options)
    return caught.value


def test_bank_file_with_splits_and_thousands() -> None:
    parsed = parse_file((DATA / "bank.qif").read_bytes(), currency="USD")
    assert parsed.format == "qif"
    groceries, salary, coffee = parsed.transactions
    # QIF is bank style: money out is negative, which adds to what is owed.
    assert [t.amount_minor for t in parsed.transactions] == [123456, -25000, 450]
    assert groceries.description == "Whole Foods Market"
    assert salary.description == "Salary"
    assert coffee.posted_date == date(2026, 11, 2)
    assert [t.line for t in parsed.transactions] == [2, 9, 13]
    assert {t.currency for t in parsed.transactions} == {None}
    assert all(t.external_id.startswith("qif:") for t in parsed.transactions)


def test_card_file_with_apostrophe_years_and_no_final_caret() -> None:
    parsed = parse_file((DATA / "card_no_final_caret.qif").read_bytes(), currency="USD")
    fuel, payment = parsed.transactions
    assert (fuel.posted_date, fuel.amount_minor, fuel.description) == (
        date(2026, 1, 5),
        4500,
        "Shell Oil 5544",
    )
    assert (payment.posted_date, payment.amount_minor) == (date(2026, 1, 15), -10000)


def test_investment_accounts_are_refused() -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_file((DATA / "investments.qif").read_bytes(), currency="USD")
    assert caught.value.code == "import.investment_statement"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("10/31/2026", date(2026, 10, 31)),
        ("10/31'26", date(2026, 10, 31)),
        ("31.10.2026", date(2026, 10, 31)),
        ("2026-10-31", date(2026, 10, 31)),
        ("10/31/99", date(1999, 10, 31)),
    ],
)
def test_date_spellings(written: str, expected: date) -> None:
    parsed = parse(f"!Type:Bank\nD{written}\nT-1.00\nPShop\n^\n")
    assert parsed.transactions[0].posted_date == expected


def test_ambiguous_dates_need_a_date_order() -> None:
    text = "!Type:Bank\nD03/04/2026\nT-1.00\n^\nD05/06/2026\nT-2.00\n^\n"
    assert error_of(text).code == "import.ambiguous_date"
    assert parse(text, date_order="dmy").transactions[0].posted_date == date(2026, 4, 3)
    assert parse(text, date_order="mdy").transactions[0].posted_date == date(2026, 3, 4)


def test_european_amounts_are_detected() -> None:
    parsed = parse("!Type:CCard\nD31.10.2026\nT-1.234,56\nPMarkt\n^\n")
    assert parsed.transactions[0].amount_minor == 123456


def test_u_amount_when_t_is_absent_and_memo_when_no_payee() -> None:
    (only,) = parse("!Type:Cash\nD2026-10-31\nU-7.25\nMParking meter\n^\n").transactions
    assert (only.amount_minor, only.description) == (725, "Parking meter")


def test_identical_records_get_distinct_ids_that_repeat_on_reimport() -> None:
    text = "!Type:Bank\n" + "D2026-10-31\nT-4.50\nPCoffee\n^\n" * 2
    ids = [t.external_id for t in parse(text).transactions]
    assert len(set(ids)) == 2
    assert ids == [t.external_id for t in parse(text).transactions]


def test_bad_amount_names_the_t_line() -> None:
    err = error_of("!Type:Bank\nD2026-10-31\nT-4.50\n^\nD2026-11-01\nPTea\nT12,3x\n^\n")
    assert (err.line, err.field, err.code) == (7, "amount", "import.bad_amount")


def test_bad_date_names_the_d_line() -> None:
    err = error_of("!Type:Bank\nD2026-02-30\nT-4.50\n^\n")
    assert (err.line, err.field, err.code) == (2, "date", "import.bad_date")


@pytest.mark.parametrize(
    ("text", "field"),
    [("!Type:Bank\nT-4.50\nPTea\n^\n", "date"), ("!Type:Bank\nD2026-10-31\nPTea\n^\n", "amount")],
)
def test_records_missing_a_date_or_amount_are_refused(text: str, field: str) -> None:
    err = error_of(text)
    assert (err.line, err.field, err.code) == (2, field, "import.missing_field")


def test_account_lists_and_category_lists_are_not_transactions() -> None:
    text = (
        "!Option:AutoSwitch\n"
        "!Account\nNVisa\nTCCard\n^\n"
        "!Clear:AutoSwitch\n"
        "!Type:Cat\nNFood\nE\n^\n"
        "!Type:CCard\nD2026-10-31\nT-9.99\nPNetflix\n^\n"
    )
    parsed = parse(text)
    assert [(t.description, t.amount_minor) for t in parsed.transactions] == [("Netflix", 999)]
    assert parsed.transactions[0].line == 12


@pytest.mark.parametrize("text", ["!Type:Bank\n", "!Type:Bank\n^\n^\n", "!Type:Cat\nNFood\n^\n"])
def test_no_transactions_is_an_empty_file(text: str) -> None:
    assert error_of(text).code == "import.empty_file"


def test_a_qif_without_a_header_is_read_by_its_extension() -> None:
    parsed = parse("D2026-10-31\nT-9.99\nPNetflix\n^\n")
    assert parsed.format == "qif"
    assert parsed.transactions[0].amount_minor == 999
