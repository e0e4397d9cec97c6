"""CSV exports: profiles, encodings, line ends, signs, ids, and errors naming line and field."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from billbot.imports import (
    PROFILES,
    CsvProfile,
    ImportFileError,
    ParsedFile,
    get_profile,
    parse_file,
)
from billbot.imports.records import StableIds

DATA = Path(__file__).parent / "data"


def parse(text: str, *, currency: str = "USD", **options: Any) -> ParsedFile:
    return parse_file(text.encode(), currency=currency, filename="export.csv", **options)


def amounts(parsed: ParsedFile) -> list[int]:
    return [t.amount_minor for t in parsed.transactions]


def error_of(text: str, **options: Any) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        parse(text, **options)
    return caught.value


# --- built-in profiles and real-looking exports -------------------------------------------


def test_eu_profile_reads_cp1252_decimal_comma_and_skips_the_preamble() -> None:
    parsed = parse_file((DATA / "eu_bank_cp1252.csv").read_bytes(), currency="EUR", profile="eu")
    assert parsed.format == "csv"
    assert [t.description for t in parsed.transactions] == [
        "Café Müller",
        "Rückerstattung Bücher",
        "Bäckerei Spezial",
    ]
    # Bank style: -1.234,56 spent is +123456 owed; the refund of 12,30 reduces what is owed.
    assert amounts(parsed) == [123456, -1230, 350]
    assert [t.posted_date for t in parsed.transactions] == [
        date(2026, 1, 2),
        date(2026, 1, 3),
        date(2026, 1, 15),
    ]
    assert {t.currency for t in parsed.transactions} == {"EUR"}
    # Lines count from the top of the file, preamble and header included.
    assert [t.line for t in parsed.transactions] == [4, 5, 6]


def test_swiss_profile_reads_apostrophe_thousands_and_a_utf8_bom() -> None:
    parsed = parse_file((DATA / "swiss_bom.csv").read_bytes(), currency="CHF", profile="swiss")
    assert amounts(parsed) == [1137394, 125000, -2500]
    assert parsed.transactions[0].description == "Migros Zürich"
    assert parsed.transactions[0].posted_date == date(2026, 10, 31)


def test_debit_and_credit_columns_are_found_by_header_and_prefer_the_posting_date() -> None:
    parsed = parse_file((DATA / "debit_credit.csv").read_bytes(), currency="USD")
    assert amounts(parsed) == [2345, -50000, 101999]
    assert [t.posted_date for t in parsed.transactions] == [
        date(2026, 10, 30),
        date(2026, 10, 31),
        date(2026, 11, 1),
    ]
    assert parsed.transactions[2].description == "AMAZON.COM, INC"


def test_debit_credit_profile_ignores_an_amount_column() -> None:
    text = "Date,Description,Amount,Debit,Credit\n2026-01-02,Coffee,999.99,4.50,\n"
    assert amounts(parse(text)) == [99999]
    assert amounts(parse(text, profile="debit_credit")) == [450]


def test_debit_column_sign_is_ignored_because_the_column_says_the_direction() -> None:
    text = "Date,Description,Debit,Credit\n2026-01-02,Coffee,-4.50,\n2026-01-03,Refund,,-4.50\n"
    assert amounts(parse(text)) == [450, -450]


def test_debit_and_credit_both_filled_is_refused() -> None:
    err = error_of("Date,Description,Debit,Credit\n2026-01-02,Coffee,4.50,1.00\n")
    assert (err.line, err.field, err.code) == (2, "debit", "import.bad_amount")


def test_debit_and_credit_both_empty_is_refused() -> None:
    err = error_of("Date,Description,Debit,Credit\n2026-01-02,Coffee,,\n")
    assert (err.line, err.field) == (2, "debit")


def test_cr_only_line_ends_and_cp1252_bytes() -> None:
    data = (DATA / "cr_only_cp1252.csv").read_bytes()
    assert b"\n" not in data
    parsed = parse_file(data, currency="USD")
    assert [t.description for t in parsed.transactions] == ["Café de Flore", "Crème Brûlée Co"]
    assert [t.line for t in parsed.transactions] == [2, 3]
    assert amounts(parsed) == [450, 1200]


def test_gbk_export_with_direction_column_ids_and_datetimes() -> None:
    parsed = parse_file(
        (DATA / "alipay_gbk.csv").read_bytes(), currency="CNY", timezone="Asia/Shanghai"
    )
    first, second, refund = parsed.transactions
    assert first.description == "瑞幸咖啡"
    assert amounts(parsed) == [1880, 5600, -1880]
    assert first.external_id == "csv:2026103122001"
    assert first.line == 6
    assert second.posted_at == datetime(2026, 10, 31, 23, 10, 44, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert refund.posted_date == date(2026, 11, 1)


def test_times_without_an_offset_or_a_zone_are_left_out_rather_than_guessed() -> None:
    parsed = parse_file((DATA / "alipay_gbk.csv").read_bytes(), currency="CNY")
    assert {t.posted_at for t in parsed.transactions} == {None}
    assert parsed.transactions[0].posted_date == date(2026, 10, 31)


def test_bank_negative_profile_turns_money_out_into_spending() -> None:
    text = "Date,Description,Amount\n2026-01-02,Coffee,-4.50\n2026-01-03,Card payment,100.00\n"
    assert amounts(parse(text, profile="bank_negative")) == [450, -10000]
    assert amounts(parse(text)) == [-450, 10000]


def test_auto_profile_detects_semicolons_and_decimal_commas() -> None:
    text = "Datum;Beschreibung;Betrag\n02.01.2026;Kaffee;4,50\n03.01.2026;Miete;1.250,00\n"
    assert amounts(parse(text, currency="EUR")) == [450, 125000]


def test_tab_and_pipe_delimiters_are_sniffed() -> None:
    assert amounts(parse("date\tdescription\tamount\n2026-01-02\tTea\t3.00\n")) == [300]
    assert amounts(parse("date|description|amount\n2026-01-02|Tea|3.00\n")) == [300]


def test_chinese_headers_are_recognised() -> None:
    text = "交易日期,交易描述,交易金额,币种\n2026-10-31,星巴克,35.00,CNY\n"
    parsed = parse(text, currency="CNY")
    assert parsed.transactions[0].description == "星巴克"
    assert parsed.transactions[0].currency == "CNY"


def test_headerless_file_mapped_by_index() -> None:
    profile = CsvProfile(has_header=False, date_column=0, amount_column=1, description_column=2)
    parsed = parse("2026-01-02,4.50,Coffee\n2026-01-03,12.00,Lunch\n", profile=profile)
    assert amounts(parsed) == [450, 1200]
    assert [t.line for t in parsed.transactions] == [1, 2]


def test_index_mapping_skips_a_header_row_it_does_not_need() -> None:
    profile = CsvProfile(date_column=0, amount_column=1, description_column=2)
    parsed = parse("When,How much,What\n2026-01-02,4.50,Coffee\n", profile=profile)
    assert amounts(parsed) == [450]
    assert parsed.transactions[0].line == 2


def test_columns_mapped_by_header_name() -> None:
    profile = CsvProfile(date_column="Wann", description_column="Was", amount_column="Wieviel")
    parsed = parse("Wann,Was,Wieviel\n2026-01-02,Kaffee,4.50\n", profile=profile)
    assert amounts(parsed) == [450]


def test_a_mapped_header_name_that_is_absent_is_named() -> None:
    profile = CsvProfile(date_column="Wann", description_column="Was", amount_column="Betrag")
    err = error_of("Wann,Was,Wieviel\n2026-01-02,Kaffee,4.50\n", profile=profile, date_order="dmy")
    assert err.code == "import.missing_column"
    assert "'Betrag'" in err.message


def test_explicit_encoding_in_a_profile() -> None:
    data = "date,description,amount\n2026-01-02,Caf\u00e9,4.50\n".encode("cp1252")
    profile = dataclasses.replace(get_profile("auto"), encoding="cp1252")
    parsed = parse_file(data, currency="USD", profile=profile)
    assert parsed.transactions[0].description == "Café"
    bad = dataclasses.replace(get_profile("auto"), encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        parse_file(data, currency="USD", profile=bad)
    assert caught.value.code == "import.bad_encoding"


def test_utf16_export_with_bom() -> None:
    data = "Date\tDescription\tAmount\r\n2026-01-02\tCafé\t4.50\r\n".encode("utf-16")
    parsed = parse_file(data, currency="USD")
    assert parsed.transactions[0].description == "Café"


def test_quoted_line_breaks_keep_line_numbers_true() -> None:
    text = 'date,description,amount\n2026-01-02,"two\nlines",1.00\n2026-01-03,after,x\n'
    err = error_of(text)
    assert (err.line, err.field) == (4, "amount")


# --- amounts -------------------------------------------------------------------------------


def test_bad_amount_names_its_line_and_field() -> None:
    rows = [f"2026-01-0{day},Coffee {day},4.50" for day in range(1, 6)]
    rows.insert(5, '2026-01-06,Oops,"12,3x"')
    err = error_of("date,description,amount\n" + "\n".join(rows) + "\n")
    assert (err.line, err.field, err.code) == (7, "amount", "import.bad_amount")
    assert str(err) == "line 7, field 'amount': '12,3x' is not a number"


@pytest.mark.parametrize(
    ("written", "minor"),
    [
        ("(12.34)", -1234),
        ("12.34-", -1234),
        ("$12.34", 1234),
        ("-$12.34", -1234),
        ("$-12.34", -1234),
        ("+7", 700),
        ("1,234,567.89", 123456789),
        ("USD 1.50", 150),
        ("0.5", 50),
        ("-3.770", -377),
    ],
)
def test_amount_spellings(written: str, minor: int) -> None:
    text = f'date,description,amount\n2026-01-02,Thing,"{written}"\n'
    assert amounts(parse(text)) == [minor]


def test_currency_code_in_the_amount_becomes_the_row_currency() -> None:
    parsed = parse('date,description,amount\n2026-01-02,Hotel,"EUR 120.00"\n')
    assert parsed.transactions[0].currency == "EUR"


def test_currency_code_in_the_amount_must_agree_with_the_currency_column() -> None:
    err = error_of('date,description,amount,currency\n2026-01-02,Hotel,"EUR 120.00",USD\n')
    assert (err.line, err.field, err.code) == (2, "amount", "import.bad_currency")


def test_more_decimals_than_the_currency_has_is_refused() -> None:
    err = error_of("date,description,amount\n2026-01-02,Gas,3.459\n")
    assert (err.line, err.field, err.code) == (2, "amount", "import.bad_amount")
    assert "USD" in err.message
    jpy = error_of("date,description,amount\n2026-01-02,Ramen,980.5\n", currency="JPY")
    assert jpy.code == "import.bad_amount"
    assert amounts(
        parse('date,description,amount\n2026-01-02,Ramen,"1,200"\n', currency="JPY")
    ) == [1200]


def test_row_currency_sets_the_decimals_checked() -> None:
    text = "date,description,amount,currency\n2026-01-02,Ramen,980,JPY\n2026-01-03,Gum,1.25,USD\n"
    parsed = parse(text)
    assert amounts(parsed) == [980, 125]
    assert [t.currency for t in parsed.transactions] == ["JPY", "USD"]


def test_unknown_currency_in_a_row_is_refused() -> None:
    err = error_of("date,description,amount,currency\n2026-01-02,Ramen,980,XYZ\n")
    assert (err.line, err.field, err.code) == (2, "currency", "import.bad_currency")


def test_empty_amount_is_an_error_not_zero() -> None:
    err = error_of("date,description,amount\n2026-01-02,Nothing,\n")
    assert (err.line, err.field, err.code) == (2, "amount", "import.bad_amount")


def test_grouping_that_is_really_a_decimal_comma_is_refused() -> None:
    err = error_of('date,description,amount\n2026-01-02,Coffee,1.50\n2026-01-03,Tea,"2,5"\n')
    assert (err.line, err.field) == (3, "amount")


# --- dates ----------------------------------------------------------------------------------


def test_ambiguous_dates_are_refused_with_a_way_out() -> None:
    text = "date,description,amount\n03/04/2026,Coffee,4.50\n05/06/2026,Tea,3.00\n"
    err = error_of(text)
    assert err.code == "import.ambiguous_date"
    assert "date_order" in err.message
    assert parse(text, date_order="dmy").transactions[0].posted_date == date(2026, 4, 3)
    assert parse(text, date_order="mdy").transactions[0].posted_date == date(2026, 3, 4)


def test_date_order_is_decided_by_the_whole_column() -> None:
    day_first = "date,description,amount\n03/04/2026,A,1.00\n25/04/2026,B,1.00\n"
    assert [t.posted_date for t in parse(day_first).transactions] == [
        date(2026, 4, 3),
        date(2026, 4, 25),
    ]
    month_first = "date,description,amount\n03/04/2026,A,1.00\n04/25/2026,B,1.00\n"
    assert parse(month_first).transactions[0].posted_date == date(2026, 3, 4)


def test_dates_in_both_orders_are_refused() -> None:
    err = error_of("date,description,amount\n25/04/2026,A,1.00\n04/25/2026,B,1.00\n")
    assert err.code == "import.ambiguous_date"


def test_bad_date_names_its_line() -> None:
    err = error_of("date,description,amount\n2026-01-02,A,1.00\n2026-02-30,B,1.00\n")
    assert (err.line, err.field, err.code) == (3, "date", "import.bad_date")


def test_custom_date_formats() -> None:
    profile = CsvProfile(date_formats=("%d %b %y",))
    parsed = parse("date,description,amount\n05 Jan 26,A,1.00\n", profile=profile)
    assert parsed.transactions[0].posted_date == date(2026, 1, 5)


def test_time_column_and_offsets() -> None:
    text = (
        "date,time,description,amount\n"
        "2026-01-02,23:30,Late snack,12.00\n"
        "2026-01-03T08:15:00+08:00,,Breakfast,5.00\n"
    )
    parsed = parse(text, timezone="Asia/Shanghai")
    late, breakfast = parsed.transactions
    assert late.posted_at == datetime(2026, 1, 2, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert breakfast.posted_at == datetime(2026, 1, 3, 8, 15, tzinfo=timezone(timedelta(hours=8)))
    assert breakfast.posted_date == date(2026, 1, 3)
    assert parse(text).transactions[0].posted_at is None


def test_bad_time_is_named() -> None:
    err = error_of("date,time,description,amount\n2026-01-02,25:99,Snack,1.00\n", timezone="UTC")
    assert (err.line, err.field, err.code) == (2, "time", "import.bad_time")


# --- ids ------------------------------------------------------------------------------------


def test_identical_rows_get_distinct_stable_ids_and_reimport_gives_the_same() -> None:
    text = (
        "date,description,amount\n"
        "2026-01-02,Coffee,4.50\n"
        "2026-01-02,Coffee,4.50\n"
        "2026-01-02,Bagel,4.50\n"
    )
    first, again = parse(text), parse(text)
    ids = [t.external_id for t in first.transactions]
    assert len(set(ids)) == 3
    assert ids == [t.external_id for t in again.transactions]
    assert all(i.startswith("csv:") and len(i) == 36 for i in ids)
    reference = StableIds("csv:")
    assert ids == [
        reference.next_id(date(2026, 1, 2), 450, "Coffee"),
        reference.next_id(date(2026, 1, 2), 450, "Coffee"),
        reference.next_id(date(2026, 1, 2), 450, "Bagel"),
    ]


def test_stable_ids_do_not_depend_on_the_row_position() -> None:
    text = "date,description,amount\n2026-01-02,Coffee,4.50\n2026-01-03,Tea,3.00\n"
    moved = "date,description,amount\n2026-01-03,Tea,3.00\n2026-01-02,Coffee,4.50\n"
    assert {t.external_id for t in parse(text).transactions} == {
        t.external_id for t in parse(moved).transactions
    }


def test_an_id_column_wins_and_repeats_are_refused() -> None:
    text = "date,description,amount,reference\n2026-01-02,Coffee,4.50,TX-1\n2026-01-02,Tea,3.00,\n"
    parsed = parse(text)
    assert parsed.transactions[0].external_id == "csv:TX-1"
    assert parsed.transactions[1].external_id.startswith("csv:")
    assert len(parsed.transactions[1].external_id) == 36
    err = error_of("date,description,amount,id\n2026-01-02,A,1.00,X\n2026-01-03,B,2.00,X\n")
    assert (err.line, err.field, err.code) == (3, "id", "import.duplicate_id")
    assert "line 2" in err.message


def test_very_long_ids_are_hashed_to_fit() -> None:
    long_id = "R" * 300
    parsed = parse(f"date,description,amount,id\n2026-01-02,A,1.00,{long_id}\n")
    assert len(parsed.transactions[0].external_id) == 36


# --- optional fields --------------------------------------------------------------------------


def test_mcc_column_is_padded_and_validated() -> None:
    parsed = parse("date,description,amount,mcc\n2026-01-02,Vet,80.00,742\n2026-01-03,Shop,1.00,\n")
    assert [t.mcc for t in parsed.transactions] == ["0742", None]
    err = error_of("date,description,amount,mcc\n2026-01-02,Vet,80.00,74A2\n")
    assert (err.line, err.field, err.code) == (2, "mcc", "import.bad_mcc")


def test_kind_column_maps_known_words_and_checks_their_sign() -> None:
    text = (
        "date,description,amount,type\n"
        "2026-01-02,Coffee,4.50,Sale\n"
        "2026-01-03,Card payment,-100.00,Payment\n"
        "2026-01-04,Annual fee,95.00,手续费\n"
        "2026-01-05,Adjustment,1.00,Adjustment\n"
    )
    assert [t.kind for t in parse(text).transactions] == ["purchase", "repayment", "fee", None]
    err = error_of(
        "date,description,amount,kind\n2026-01-02,Shoes,-20.00,refund\n2026-01-03,Shoes,20.00,refund\n"
    )
    assert (err.line, err.field, err.code) == (3, "kind", "import.kind_sign")


def test_direction_values_must_be_known() -> None:
    err = error_of(
        "date,description,amount,收/支\n2026-01-02,转账,10.00,不计收支\n", currency="CNY"
    )
    assert (err.line, err.field) == (2, "direction")


# --- file-level problems --------------------------------------------------------------------


def test_short_row_is_named() -> None:
    err = error_of("date,description,amount\n2026-01-02,Coffee,4.50\n2026-01-03,Tea\n")
    assert (err.line, err.code) == (3, "import.short_row")
    assert "amount" in err.message


def test_blank_lines_are_not_transactions() -> None:
    parsed = parse("date,description,amount\n\n2026-01-02,Coffee,4.50\n,,\n\n2026-01-03,Tea,3.00\n")
    assert [t.line for t in parsed.transactions] == [3, 6]


@pytest.mark.parametrize(
    "text", ["", "   \n\n", "date,description,amount\n", "date,description,amount\n,,\n"]
)
def test_no_transactions_is_an_empty_file(text: str) -> None:
    assert error_of(text).code == "import.empty_file"


def test_missing_columns_say_what_was_looked_for() -> None:
    err = error_of("date,amount\n2026-01-02,4.50\n")
    assert err.code == "import.missing_column"
    assert "description" in err.message
    assert err.line is None


def test_headerless_file_without_a_mapping_is_refused() -> None:
    assert error_of("2026-01-02,Coffee,4.50\n").code == "import.missing_column"


def test_profiles_by_name_and_unknown_names() -> None:
    assert set(PROFILES) >= {"auto", "eu", "swiss", "debit_credit", "bank_negative"}
    assert get_profile("eu").decimal_separator == ","
    with pytest.raises(ImportFileError) as caught:
        get_profile("klingon")
    assert caught.value.code == "import.unknown_profile"
    assert "auto" in caught.value.message and "swiss" in caught.value.message
    assert error_of("date,description,amount\n", profile="klingon").code == "import.unknown_profile"


@pytest.mark.parametrize(
    "options",
    [
        {"delimiter": ";;"},
        {"decimal_separator": ":"},
        {"decimal_separator": ",", "thousands_separator": ","},
        {"sign": "backwards"},
        {"amount_mode": "sometimes"},
        {"date_order": "ydm"},
        {"amount_column": "Amount", "debit_column": "Debit"},
        {"has_header": False, "date_column": "Date"},
        {"timezone": "Mars/Olympus"},
    ],
)
def test_inconsistent_profiles_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ImportFileError) as caught:
        CsvProfile(name="mine", **options)
    assert caught.value.code == "import.bad_profile"
    assert "'mine'" in caught.value.message
