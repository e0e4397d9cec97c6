"""The entry point: format detection, argument checks and the shape of every error."""

from __future__ import annotations

import pickle

import pytest

from billbot.imports import ImportFileError, parse_file
from billbot.imports.detect import detect_format

OFX_V1 = b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1></BANKMSGSRSV1></OFX>"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (OFX_V1, None, "ofx"),
        (OFX_V1, "export.csv", "ofx"),
        (b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200"?>\n<OFX></OFX>', None, "ofx"),
        (b"\xef\xbb\xbf<OFX><STMTRS></STMTRS></OFX>", None, "ofx"),
        (b"<STMTTRN><TRNAMT>-1</STMTTRN>", "bank.QFX", "ofx"),
        (b"<STMTTRN><TRNAMT>-1</STMTTRN>", None, "csv"),
        (b"\n\n!Type:CCard\nD1/1/26\nT-1\n^\n", "x.csv", "qif"),
        (b"!Account\nNVisa\n^\n", None, "qif"),
        (b"!type:bank\nD1/1/26\n", None, "qif"),
        (b"D1/1/26\nT-1\n^\n", "x.qif", "qif"),
        (b"D1/1/26\nT-1\n^\n", "x.txt", "csv"),
        (b"date,description,amount\n2026-01-01,<OFX> mug,1.00\n", "x.csv", "csv"),
        (b"OFXHEADER:100 DATA:OFXSGML <OFX><STMTRS>", None, "ofx"),
        (b"junk line\n<OFX>\n<STMTRS>", None, "ofx"),
        (b"date,description,amount\n", "statement.ofx", "csv"),
        ("Date\tAmount\n".encode("utf-16"), None, "csv"),
    ],
)
def test_detect_format_by_content_with_the_extension_as_tie_breaker(
    data: bytes, filename: str | None, expected: str
) -> None:
    assert detect_format(data, filename) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00rest-of-xlsx",
        b"%PDF-1.7\n",
        b"\xd0\xcf\x11\xe0\xa1\xb1",
        b"\x00\x01\x02\x03",
    ],
)
def test_binary_uploads_are_an_unknown_format(data: bytes) -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_file(data, currency="USD", filename="export.csv")
    assert caught.value.code == "import.unknown_format"


@pytest.mark.parametrize("data", [b"", b" \r\n\t\n"])
def test_empty_uploads(data: bytes) -> None:
    with pytest.raises(ImportFileError) as caught:
        parse_file(data, currency="USD", filename="statement.ofx")
    assert caught.value.code == "import.empty_file"


def test_target_currency_and_date_order_are_checked() -> None:
    data = b"date,description,amount\n2026-01-02,Tea,1.00\n"
    with pytest.raises(ImportFileError) as caught:
        parse_file(data, currency="US")
    assert caught.value.code == "import.bad_currency"
    with pytest.raises(ImportFileError) as caught:
        parse_file(data, currency="USD", date_order="ddmm")
    assert caught.value.code == "import.bad_profile"
    assert parse_file(data, currency="usd").transactions[0].amount_minor == 100


def test_ymd_date_order_reads_two_digit_years_first() -> None:
    data = b"date,description,amount\n26/10/31,Tea,1.00\n"
    parsed = parse_file(data, currency="USD", date_order="ymd")
    assert parsed.transactions[0].posted_date.isoformat() == "2026-10-31"


def test_error_messages_read_like_a_sentence_about_the_file() -> None:
    assert str(ImportFileError("bad", line=12, field="amount")) == "line 12, field 'amount': bad"
    assert str(ImportFileError("bad", line=3)) == "line 3: bad"
    assert str(ImportFileError("bad", field="date")) == "field 'date': bad"
    assert str(ImportFileError("bad")) == "bad"
    assert str(ImportFileError("bad", line=2, unit="transaction")) == "transaction 2: bad"
    err = ImportFileError("bad", line=4, field="date", code="import.bad_date")
    assert (err.message, err.line, err.field, err.code) == ("bad", 4, "date", "import.bad_date")
    assert isinstance(err, ValueError)
    assert ImportFileError("x").code == "import.invalid"


def test_errors_survive_pickling() -> None:
    err = ImportFileError("bad", line=4, field="date", code="import.bad_date", unit="line")
    copy = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own object
    assert (str(copy), copy.code, copy.line, copy.field) == (str(err), err.code, 4, "date")


def test_garbage_text_is_an_error_not_a_crash() -> None:
    with pytest.raises(ImportFileError):
        parse_file(b"hello world\nthis is not a statement\n", currency="USD")
    with pytest.raises(ImportFileError):
        parse_file(b"<OFX><STMTRS><BANKTRANLIST><STMTTRN><<>><</OFX>", currency="USD")
