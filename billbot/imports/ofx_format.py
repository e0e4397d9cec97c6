"""OFX and QFX bank and credit-card statements (v1 SGML and v2 XML) to ParsedTransactions.

Sign: in both statement kinds a negative TRNAMT is money out of the account or a charge on the
card, so billbot's amount is -TRNAMT.

Kind, only where the file is unambiguous and the sign agrees with the kind:

- FEE, SRVCHG that add to what is owed: "fee"; INT that adds to it: "interest".
- On a credit card (CCSTMTRS, or a bank statement of a CREDITLINE account):
  PAYMENT that reduces the balance: "repayment"; ATM or CASH that adds to it: "cash_advance".
- Everything else (DEBIT, POS, CREDIT, DEP, DIRECTDEP, XFER, ...): None, and the service
  infers the kind from the sign. CREDIT in particular is not mapped to "refund": card issuers
  use it for payments received as much as for merchant refunds.

Dates: DTPOSTED gives `posted_date` as written and, when it carries a time, an aware
`posted_at` in the offset it names (`[-5:EST]`; none means UTC). Statements of investment
accounts are skipped; a file with nothing else is refused.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from billbot.imports.amounts import AmountError, AmountStyle, currency_exponent, parse_amount
from billbot.imports.errors import ImportFileError
from billbot.imports.ofx_markup import read_tree, unescape
from billbot.imports.records import ParsedFile, ParsedTransaction, StableIds
from billbot.money import MoneyError, to_minor

_STATEMENTS = ("STMTRS", "CCSTMTRS")
_DATETIME = re.compile(
    r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?(?:\.\d+)?)?"
    r"\s*(?:\[\s*([+-]?\d{1,2}(?:\.\d{1,2})?)\s*(?::[^\]]*)?\])?"
)
# NAME values that say what kind of movement it was rather than who was paid; the MEMO is
# then the better merchant text.
_GENERIC_NAMES = frozenset(
    {
        "DEBIT", "CREDIT", "DEPOSIT", "PAYMENT", "PURCHASE", "POS", "POS PURCHASE", "TRANSFER",
        "WITHDRAWAL", "CHECK", "CHEQUE", "ATM", "FEE", "DIRECTDEBIT", "DIRECT DEBIT", "XFER",
        "OTHER", "CARD PURCHASE",
    }
)  # fmt: skip
_POINT = AmountStyle(decimal=".", thousands="")
_COMMA = AmountStyle(decimal=",", thousands="")


def parse_ofx(data: bytes, *, currency: str) -> ParsedFile:
    """Every transaction of every bank and credit-card statement in an OFX/QFX file."""
    root = read_tree(data)
    statements = [element for element in root.iter() if element.tag in _STATEMENTS]
    if not statements:
        if any(element.tag == "INVSTMTRS" for element in root.iter()):
            raise ImportFileError(
                "this is an investment statement; billbot imports bank and credit-card "
                "statements only",
                code="import.investment_statement",
            )
        raise ImportFileError(
            "the file holds no bank or credit-card statement", code="import.no_statement"
        )
    reader = _StatementReader(currency.upper())
    transactions = [
        reader.transaction(number, statement, element)
        for number, (statement, element) in enumerate(_transactions(root, None), start=1)
    ]
    accounts = []
    for statement in statements:
        account = _account(statement)
        if account and account not in accounts:
            accounts.append(account)
    return ParsedFile(
        format="ofx",
        transactions=transactions,
        accounts=accounts,
        currency=_text(statements[0], "CURDEF").upper() or None,
    )


def _transactions(
    element: ET.Element, statement: ET.Element | None
) -> Iterator[tuple[ET.Element, ET.Element]]:
    """(statement, STMTTRN) pairs in file order, each with its nearest enclosing statement."""
    for child in element:
        if child.tag == "INVSTMTRS":
            continue
        if child.tag == "STMTTRN":
            if statement is not None:
                yield statement, child
            continue
        yield from _transactions(child, child if child.tag in _STATEMENTS else statement)


def _text(element: ET.Element | None, tag: str) -> str:
    if element is None:
        return ""
    found = element.find(tag)
    return unescape((found.text or "").strip()) if found is not None else ""


def _account(statement: ET.Element) -> str:
    source = statement.find("CCACCTFROM" if statement.tag == "CCSTMTRS" else "BANKACCTFROM")
    return _text(source, "ACCTID")


class _StatementReader:
    """Converts STMTTRN elements, remembering FITIDs to refuse a repeated one."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.ids = StableIds("ofx:")
        self.fitids: dict[tuple[str, str], int] = {}

    def transaction(self, number: int, statement: ET.Element, trn: ET.Element) -> ParsedTransaction:
        """One ParsedTransaction from a STMTTRN of `statement`."""
        account = _account(statement) or None
        curdef = _text(statement, "CURDEF").upper() or None
        currency = (_text(trn.find("CURRENCY"), "CURSYM").upper() or curdef) or None
        if currency is not None:
            try:
                currency_exponent(currency)
            except MoneyError as exc:
                raise _error(number, "currency", str(exc), "import.bad_currency") from None
        amount_minor = self._amount(number, trn, currency or self.currency)
        stamp = _text(trn, "DTPOSTED") or _text(trn, "DTUSER")
        if not stamp:
            raise _error(number, "date", "the transaction has no DTPOSTED", "import.missing_field")
        posted_date, posted_at = _when(number, stamp)
        description = _describe(
            _text(trn, "NAME") or _text(trn.find("PAYEE"), "NAME"), _text(trn, "MEMO")
        )
        fitid = _text(trn, "FITID")
        if fitid:
            earlier = self.fitids.setdefault((account or "", fitid), number)
            if earlier != number:
                raise _error(
                    number, "id", f"FITID {fitid!r} is also transaction {earlier}'s",
                    "import.duplicate_id",
                )  # fmt: skip
            external_id = "ofx:" + fitid
        else:
            external_id = self.ids.next_id(posted_date, amount_minor, description)
        card = (
            statement.tag == "CCSTMTRS"
            or _text(statement.find("BANKACCTFROM"), "ACCTTYPE").upper() == "CREDITLINE"
        )
        return ParsedTransaction(
            line=number,
            external_id=external_id,
            posted_date=posted_date,
            posted_at=posted_at,
            amount_minor=amount_minor,
            currency=currency,
            description=description,
            mcc=_mcc(number, _text(trn, "SIC")),
            kind=ofx_kind(_text(trn, "TRNTYPE"), amount_minor, card=card),
            source_account=account,
        )

    def _amount(self, number: int, trn: ET.Element, currency: str) -> int:
        text = _text(trn, "TRNAMT")
        if not text:
            raise _error(number, "amount", "the transaction has no TRNAMT", "import.missing_field")
        # The OFX specification allows a comma as the decimal point.
        style = _COMMA if "," in text and "." not in text else _POINT
        try:
            value, _ = parse_amount(text, style)
            return -to_minor(value, currency)
        except (AmountError, MoneyError) as exc:
            raise _error(number, "amount", f"TRNAMT {exc}", "import.bad_amount") from None


def ofx_kind(trntype: str, amount_minor: int, *, card: bool) -> str | None:
    """billbot's kind for an OFX TRNTYPE, when the type and sign make it certain."""
    trntype = trntype.upper()
    if amount_minor > 0:
        if trntype in ("FEE", "SRVCHG"):
            return "fee"
        if trntype == "INT":
            return "interest"
        if card and trntype in ("ATM", "CASH"):
            return "cash_advance"
    elif amount_minor < 0 and card and trntype == "PAYMENT":
        return "repayment"
    return None


def _when(number: int, stamp: str) -> tuple[date, datetime | None]:
    """DTPOSTED as written: its calendar date, and an aware datetime when it has a time."""
    match = _DATETIME.fullmatch(stamp.strip())
    if match is None:
        raise _error(number, "date", f"DTPOSTED {stamp!r} is not an OFX date", "import.bad_date")
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        posted_date = date(int(year), int(month), int(day))
        if hour is None:
            return posted_date, None
        # Offsets are hours, sometimes fractional ([5.75:NPT] is UTC+05:45).
        minutes = int(Decimal(offset) * 60) if offset else 0
        zone = timezone(timedelta(minutes=minutes)) if minutes else UTC
        moment = datetime(
            posted_date.year, posted_date.month, posted_date.day,
            int(hour), int(minute), int(second or 0), tzinfo=zone,
        )  # fmt: skip
    except (ValueError, InvalidOperation):
        raise _error(
            number, "date", f"DTPOSTED {stamp!r} is not a valid date", "import.bad_date"
        ) from None
    return posted_date, moment


def _describe(name: str, memo: str) -> str:
    """The merchant text: NAME, unless it is empty, generic, numeric or a cut-off MEMO."""
    if not memo:
        return name
    if not name or name.upper() in _GENERIC_NAMES or not any(c.isalpha() for c in name):
        return memo
    # Many banks cut NAME at 32 characters and repeat the whole text in MEMO.
    return memo if memo.startswith(name) else name


def _mcc(number: int, sic: str) -> str | None:
    if not sic:
        return None
    if not (sic.isascii() and sic.isdigit() and len(sic) <= 4):
        raise _error(number, "mcc", f"SIC {sic!r} is not a four-digit code", "import.bad_mcc")
    return sic.zfill(4)


def _error(number: int, field: str, message: str, code: str) -> ImportFileError:
    return ImportFileError(message, line=number, field=field, code=code, unit="transaction")
