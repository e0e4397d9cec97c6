"""OFX/QFX: every captured real-world file, and the quirks each one carries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from billbot.imports import ImportFileError, ParsedFile, ofx_markup, parse_file

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "ofx"
# Every file, the licence texts too: whatever is uploaded, the answer is a ParsedFile or an
# ImportFileError, never another exception.
FILES = sorted(p for p in FIXTURES.glob("*/*") if p.is_file())

# Files that must be refused, and why. Every other file must parse completely.
REFUSED = {
    "LICENSE": "import.missing_column",
    "ofxdata-google.ofx": "import.investment_statement",
    "ofxdata-investments-xml.ofx": "import.investment_statement",
    "ofxdata-investments-oneline-xml.ofx": "import.investment_statement",
    "ofxdata-investments-multiple-accounts-xml.ofx": "import.investment_statement",
    # Its one STMTTRN holds the text "*snipped*" instead of fields.
    "ofxdata-banking-xml200.ofx": "import.missing_field",
}


def load(name: str) -> ParsedFile:
    path = next(p for p in FIXTURES.glob(f"*/{name}"))
    return parse_file(path.read_bytes(), currency="USD", filename=path.name)


def test_all_fixture_files_are_present() -> None:
    statements = [p for p in FILES if p.suffix.lower() in (".ofx", ".qfx")]
    assert (len(statements), len(FILES)) == (22, 24)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fixture_parses_fully_or_is_refused_for_a_named_reason(path: Path) -> None:
    data = path.read_bytes()
    expected_code = REFUSED.get(path.name)
    if expected_code is not None:
        with pytest.raises(ImportFileError) as caught:
            parse_file(data, currency="USD", filename=path.name)
        assert caught.value.code == expected_code
        return
    parsed = parse_file(data, currency="USD", filename=path.name)
    assert parsed.format == "ofx"
    # Counted independently of the parser: opening STMTTRN tags in the raw bytes.
    assert len(parsed.transactions) == data.upper().count(b"<STMTTRN>")
    assert [t.line for t in parsed.transactions] == list(range(1, len(parsed.transactions) + 1))
    assert len({(t.source_account, t.external_id) for t in parsed.transactions}) == len(
        parsed.transactions
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_tolerant_parser_agrees_with_the_ofxtools_tree(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def outcome() -> ParsedFile | str:
        try:
            return parse_file(path.read_bytes(), currency="USD", filename=path.name)
        except ImportFileError as err:
            return err.code

    usual = outcome()
    monkeypatch.setattr(ofx_markup, "_ofxtools_tree", lambda body: None)
    assert outcome() == usual


def test_trailing_zeros_beyond_the_currency_decimals_are_accepted() -> None:
    parsed = load("data-multi-decimal.ofx")
    assert [t.amount_minor for t in parsed.transactions] == [3000, 377]
    assert parsed.transactions[1].description == "STARBUCKS STORE 07604 01/21 PURC"
    assert parsed.transactions[1].external_id == "ofx:00092990121-3.77019012312828.01"
    assert parsed.transactions[1].posted_at == datetime(2019, 1, 23, 12, 0, tzinfo=UTC)


def test_entities_offsets_and_generic_names() -> None:
    first, second = load("html-vals.qfx").transactions
    # NAME is all digits there, so the MEMO is the merchant text.
    assert first.description == (
        "PREAUTHORIZED DEBIT;B.C. HYDRO & POWER AUTHORITY;Electronic Funds Transfer"
    )
    # Escaped twice by the bank: &amp;lt; is a plain "<".
    assert second.description == "TPAY <DEFTPYMT>"
    est = timezone(timedelta(hours=-5))
    assert first.posted_at == datetime(2023, 5, 9, 12, 0, tzinfo=est)
    assert first.posted_date == date(2023, 5, 9)
    assert first.currency == "CAD"


def test_raw_ampersands_and_quotes_in_memos() -> None:
    amp = load("ofxdata-memoWithAmpersand.ofx").transactions
    assert amp[0].description == "Amazon.Com.Br Amazon & Cloud 3/3"
    assert amp[4].description == 'IOF de "Leupay.Eu" & Whoelse'
    assert amp[0].amount_minor == 3330
    quotes = load("ofxdata-memoWithQuotes.ofx").transactions
    assert quotes[4].description == 'IOF de "Leupay.Eu"'


def test_cp1252_and_latin1_payees_decode_correctly() -> None:
    cafe = load("1252.qfx").transactions[0]
    assert cafe.description == "Café Métro €uro"
    assert cafe.amount_minor == 2000
    assert load("8859-1.qfx").transactions[0].description == "Paiement facture/Carte prépayée"


def test_a_charset_header_that_lies_about_utf8_bytes() -> None:
    (deposit,) = load("ofxdata-bb.ofx").transactions
    assert deposit.description == "DOC CRÉDITO EM CONTA"
    assert deposit.amount_minor == -23955
    assert deposit.posted_date == date(2015, 11, 3)
    assert deposit.posted_at is None


def test_two_statements_in_one_response_and_multiple_accounts() -> None:
    two = load("ofxdata-bb-two-stmtrs.ofx")
    assert two.accounts == ["455000-5", "655000-2"]
    assert {t.source_account for t in two.transactions} == {"655000-2"}
    assert two.transactions[0].description == "TED-CRÉDITO EM CONTA"
    many = load("ofx-multiple-accounts-xml.ofx")
    assert many.accounts == ["54658222458596", "546582659855", "21252344525548"]
    assert [t.source_account for t in many.transactions] == [
        "546582659855",
        "546582659855",
        "21252344525548",
    ]
    assert many.currency == "GBP"


def test_credit_card_statement() -> None:
    parsed = load("ofxdata-credit-card.ofx")
    (purchase,) = parsed.transactions
    assert parsed.accounts == ["1234567891234567"]
    assert purchase.amount_minor == 10000
    assert purchase.description == "VENDOR"
    assert purchase.currency == "GBP"


def test_one_line_file_self_closing_and_empty_elements() -> None:
    oneline = load("ofxdata-oneline.ofx").transactions
    assert oneline[0].description == "FRAIS TRIMESTRIELS"
    assert oneline[0].amount_minor == 155
    selfclose = load("ofxdata-selfclose.ofx").transactions
    assert selfclose[2].amount_minor == -30000
    assert selfclose[2].posted_at == datetime(
        2019, 9, 19, 10, 0, tzinfo=timezone(timedelta(hours=-3))
    )


def test_statement_without_account_or_start_date() -> None:
    parsed = load("ofxdata-emptyDateTime.ofx")
    assert parsed.accounts == []
    assert {t.source_account for t in parsed.transactions} == {None}
    assert parsed.transactions[0].amount_minor == -33750


def test_generic_name_gives_way_to_memo() -> None:
    deposit, transfer, cheque = load("ofxdata-xml.ofx").transactions
    assert (deposit.description, transfer.description) == (
        "automatic deposit",
        "Transfer from checking",
    )
    assert cheque.description == "Cheque"


def test_investment_statements_are_refused_with_an_explanation() -> None:
    with pytest.raises(ImportFileError) as caught:
        load("ofxdata-investments-xml.ofx")
    assert "bank and credit-card statements only" in str(caught.value)


def test_a_transaction_without_fields_is_refused_not_skipped() -> None:
    with pytest.raises(ImportFileError) as caught:
        load("ofxdata-banking-xml200.ofx")
    assert (caught.value.line, caught.value.unit) == (1, "transaction")
    assert str(caught.value).startswith("transaction 1, field ")


# --- synthetic files for the rules the captures do not exercise --------------------------------


def ofx(transactions: str, *, card: bool = True, curdef: str = "USD") -> bytes:
    statement = "CCSTMTRS" if card else "STMTRS"
    account = (
        "<CCACCTFROM><ACCTID>4111000011112222</CCACCTFROM>"
        if card
        else "<BANKACCTFROM><BANKID>1<ACCTID>999<ACCTTYPE>CHECKING</BANKACCTFROM>"
    )
    wrapper = "CREDITCARDMSGSRSV1" if card else "BANKMSGSRSV1"
    text = (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n"
        f"<OFX><{wrapper}><TRNRS><{statement}><CURDEF>{curdef}{account}"
        f"<BANKTRANLIST><DTSTART>20260101{transactions}</BANKTRANLIST>"
        f"</{statement}></TRNRS></{wrapper}></OFX>"
    )
    return text.encode("cp1252")


def trn(trntype: str, amount: str, fitid: str = "", extra: str = "", when: str = "20260115") -> str:
    fid = f"<FITID>{fitid}" if fitid else ""
    return (
        f"<STMTTRN><TRNTYPE>{trntype}<DTPOSTED>{when}<TRNAMT>{amount}{fid}"
        f"<NAME>Shop{extra}</STMTTRN>"
    )


def parse_ofx(data: bytes, currency: str = "USD") -> ParsedFile:
    return parse_file(data, currency=currency, filename="statement.qfx")


def test_kinds_on_a_credit_card() -> None:
    parsed = parse_ofx(
        ofx(
            trn("FEE", "-39.00", "1")
            + trn("SRVCHG", "-5.00", "2")
            + trn("INT", "-12.34", "3")
            + trn("PAYMENT", "500.00", "4")
            + trn("ATM", "-200.00", "5")
            + trn("CREDIT", "25.00", "6")
            + trn("POS", "-9.99", "7")
            + trn("FEE", "39.00", "8")
        )
    )
    assert [t.kind for t in parsed.transactions] == [
        "fee", "fee", "interest", "repayment", "cash_advance", None, None, None,
    ]  # fmt: skip
    assert [t.amount_minor for t in parsed.transactions][:4] == [3900, 500, 1234, -50000]


def test_kinds_on_a_bank_account() -> None:
    parsed = parse_ofx(
        ofx(
            trn("PAYMENT", "-80.00", "1") + trn("INT", "1.20", "2") + trn("ATM", "-40.00", "3"),
            card=False,
        )
    )
    assert [t.kind for t in parsed.transactions] == [None, None, None]


def test_a_missing_fitid_gets_a_stable_hash() -> None:
    data = ofx(trn("POS", "-4.50") + trn("POS", "-4.50"))
    first, second = parse_ofx(data).transactions
    assert first.external_id.startswith("ofx:") and len(first.external_id) == 36
    assert first.external_id != second.external_id
    assert [t.external_id for t in parse_ofx(data).transactions] == [
        first.external_id,
        second.external_id,
    ]


def test_a_repeated_fitid_is_refused() -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_ofx(ofx(trn("POS", "-4.50", "A") + trn("POS", "-5.50", "A")))
    assert (caught.value.line, caught.value.field, caught.value.code) == (
        2,
        "id",
        "import.duplicate_id",
    )


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("-12.3x", "import.bad_amount"),
        ("-3.771", "import.bad_amount"),
        ("", "import.missing_field"),
    ],
)
def test_bad_amounts_are_named(amount: str, code: str) -> None:
    data = ofx(trn("POS", "-1.00", "1") + trn("POS", amount, "2"))
    with pytest.raises(ImportFileError) as caught:
        parse_ofx(data)
    assert (caught.value.line, caught.value.field, caught.value.code) == (2, "amount", code)


def test_comma_decimal_amounts_are_read() -> None:
    assert parse_ofx(ofx(trn("POS", "-12,50", "1"))).transactions[0].amount_minor == 1250


@pytest.mark.parametrize("stamp", ["2026-01-15", "20261315", "2026011"])
def test_bad_dates_are_named(stamp: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_ofx(ofx(trn("POS", "-1.00", "1", when=stamp)))
    assert (caught.value.field, caught.value.code) == ("date", "import.bad_date")


def test_dates_keep_the_written_day_and_honour_any_offset() -> None:
    data = ofx(
        trn("POS", "-1.00", "1", when="20260115233000[+8:CST]")
        + trn("POS", "-1.00", "2", when="20260115120000.000[5.75:NPT]")
        + trn("POS", "-1.00", "3", when="202601151200")
    )
    late, nepal, no_offset = parse_ofx(data).transactions
    assert late.posted_date == date(2026, 1, 15)
    assert late.posted_at == datetime(2026, 1, 15, 23, 30, tzinfo=timezone(timedelta(hours=8)))
    assert nepal.posted_at is not None and nepal.posted_at.utcoffset() == timedelta(
        hours=5, minutes=45
    )
    assert no_offset.posted_at == datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_transaction_currency_and_sic() -> None:
    extra = "<SIC>5812<CURRENCY><CURRATE>1.1<CURSYM>EUR</CURRENCY>"
    (meal,) = parse_ofx(ofx(trn("POS", "-20.00", "1", extra=extra))).transactions
    assert (meal.mcc, meal.currency) == ("5812", "EUR")
    with pytest.raises(ImportFileError) as caught:
        parse_ofx(ofx(trn("POS", "-20.00", "1", extra="<SIC>58X2")))
    assert (caught.value.field, caught.value.code) == ("mcc", "import.bad_mcc")


def test_zero_decimal_statement_currency() -> None:
    (ramen,) = parse_ofx(ofx(trn("POS", "-980", "1"), curdef="JPY"), currency="JPY").transactions
    assert (ramen.amount_minor, ramen.currency) == (980, "JPY")
    with pytest.raises(ImportFileError):
        parse_ofx(ofx(trn("POS", "-980.5", "1"), curdef="JPY"), currency="JPY")


def test_a_statement_with_no_transactions_is_valid() -> None:
    parsed = parse_ofx(ofx(""))
    assert parsed.transactions == []
    assert parsed.accounts == ["4111000011112222"]


def test_no_statement_at_all() -> None:
    data = (
        b"OFXHEADER:100\nDATA:OFXSGML\n\n"
        b"<OFX><SIGNONMSGSRSV1><SONRS><CODE>0</SONRS></SIGNONMSGSRSV1></OFX>"
    )
    with pytest.raises(ImportFileError) as caught:
        parse_ofx(data)
    assert caught.value.code == "import.no_statement"
    assert str(caught.value) == "the file holds no bank or credit-card statement"


def test_xml_cdata_and_lowercase_tags() -> None:
    data = (
        b'<?xml version="1.0"?><?OFX OFXHEADER="200" VERSION="220"?>'
        b"<ofx><bankmsgsrsv1><stmttrnrs><stmtrs><curdef>USD</curdef><banktranlist>"
        b"<stmttrn><trntype>DEBIT</trntype><dtposted>20260102</dtposted><trnamt>-5.00</trnamt>"
        b"<fitid>x1</fitid><name><![CDATA[Fish & Chips <Ltd>]]></name></stmttrn>"
        b"</banktranlist></stmtrs></stmttrnrs></bankmsgsrsv1></ofx>"
    )
    (meal,) = parse_ofx(data).transactions
    assert meal.description == "Fish & Chips <Ltd>"


def test_unclosed_transactions_in_sgml() -> None:
    body = (
        "<STMTTRN><TRNTYPE>POS<DTPOSTED>20260102<TRNAMT>-1.00<FITID>a<NAME>One"
        "<STMTTRN><TRNTYPE>POS<DTPOSTED>20260103<TRNAMT>-2.00<FITID>b<NAME><MEMO>Two"
    )
    parsed = parse_ofx(ofx(body))
    assert [(t.description, t.amount_minor) for t in parsed.transactions] == [
        ("One", 100),
        ("Two", 200),
    ]


def test_utf16_file_with_a_bom() -> None:
    text = ofx(trn("POS", "-4.50", "1", extra="<MEMO>Café")).decode("cp1252")
    (coffee,) = parse_ofx(text.encode("utf-16")).transactions
    assert (coffee.amount_minor, coffee.description) == (450, "Shop")


def test_declared_single_byte_charsets_other_than_western() -> None:
    text = ofx(trn("POS", "-4.50", "1")).decode("cp1252").replace("CHARSET:1252", "CHARSET:KOI8-R")
    data = text.replace("<NAME>Shop", "<NAME>Кафе").encode("koi8-r")
    assert parse_ofx(data).transactions[0].description == "Кафе"
