"""Quicken Interchange Format: `!Type:Bank`, `!Type:CCard` and `!Type:Cash` transaction lists.

Each record is lines of a one-letter code and a value, ended by `^` (the last `^` is often
missing). Used: D date, T amount (U when T is absent), P payee, M memo. N is a cheque number,
not unique, so ids are the stable hash. QIF amounts are bank style (negative = money out), so
billbot's amount is -T. Category, account-list and memorised sections are not transactions and
are passed over; `!Type:Invst` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from billbot.imports.amounts import (
    AmountError,
    AmountStyle,
    MinorConverter,
    detect_decimal_separator,
)
from billbot.imports.dates import DateError, DateReader, date_formats, infer_date_order
from billbot.imports.decoding import decode_text
from billbot.imports.errors import ImportFileError
from billbot.imports.records import ParsedFile, ParsedTransaction, StableIds

_TRANSACTION_TYPES = frozenset({"BANK", "CCARD", "CASH", "OTH A", "OTH L"})
_INVESTMENT_TYPES = frozenset({"INVST", "PORT"})
_FIELDS = frozenset("DTUPM")


@dataclass(slots=True)
class _Record:
    """The fields of one record as written, each with its line number."""

    line: int
    fields: dict[str, tuple[int, str]] = field(default_factory=dict)


def parse_qif(data: bytes, *, currency: str, date_order: str | None = None) -> ParsedFile:
    """Every transaction of a QIF file, or the first bad record's error."""
    records = _records(decode_text(data))
    if not records:
        raise ImportFileError("the file has no transactions", code="import.empty_file")
    for record in records:
        for key, name in (("D", "date"), ("T", "amount")):
            if key not in record.fields and not (key == "T" and "U" in record.fields):
                raise ImportFileError(
                    f"the record has no {key} ({name}) line",
                    line=record.line,
                    field=name,
                    code="import.missing_field",
                )
    dates = {record.line: _normalise_date(record.fields["D"][1]) for record in records}
    order = date_order or infer_date_order(set(dates.values()))
    reader = DateReader(date_formats((), order))
    amounts = [_amount_field(record)[1] for record in records]
    style = AmountStyle.for_decimal(detect_decimal_separator(amounts) or ".")
    converter = MinorConverter(style)
    ids = StableIds("qif:")
    account_currency = currency.upper()
    transactions = []
    for record in records:
        date_line, date_text = record.fields["D"]
        try:
            posted_date, _ = reader.read(dates[record.line])
        except DateError:
            raise ImportFileError(
                f"{date_text!r} is not a date", line=date_line, field="date", code="import.bad_date"
            ) from None
        amount_line, amount_text = _amount_field(record)
        try:
            value, code = converter.convert(amount_text, account_currency)
        except AmountError as exc:
            raise ImportFileError(
                str(exc), line=amount_line, field="amount", code="import.bad_amount"
            ) from None
        amount_minor = -value
        description = (
            record.fields.get("P", (0, ""))[1] or record.fields.get("M", (0, ""))[1]
        ).strip()
        transactions.append(
            ParsedTransaction(
                line=record.line,
                external_id=ids.next_id(posted_date, amount_minor, description),
                posted_date=posted_date,
                posted_at=None,
                amount_minor=amount_minor,
                currency=code,
                description=description,
                mcc=None,
                kind=None,
                source_account=None,
            )
        )
    return ParsedFile(format="qif", transactions=transactions, accounts=[], currency=None)


def _records(text: str) -> list[_Record]:
    """Transaction records in file order, skipping sections that hold no transactions."""
    records: list[_Record] = []
    # A file without any !Type header is read as a bank account.
    in_transactions = True
    current: _Record | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("!"):
            if current is not None and current.fields:
                records.append(current)
            current = None
            in_transactions = _section(line, number, in_transactions)
            continue
        if line.startswith("^"):
            if in_transactions and current is not None and current.fields:
                records.append(current)
            current = None
            continue
        if not in_transactions:
            continue
        if current is None:
            current = _Record(line=number)
        key = line[0].upper()
        # Split lines (S, E, $) repeat inside a record; the record's own total is T.
        if key in _FIELDS and key not in current.fields:
            current.fields[key] = (number, line[1:].strip())
    if in_transactions and current is not None and current.fields:
        records.append(current)
    return records


def _section(header: str, number: int, in_transactions: bool) -> bool:
    """Whether the records after a `!` line are transactions."""
    upper = header[1:].strip().upper()
    if upper.startswith("TYPE:"):
        kind = upper[5:].strip()
        if kind in _INVESTMENT_TYPES:
            raise ImportFileError(
                "this is an investment account; billbot imports bank, cash and credit-card "
                "accounts only",
                line=number,
                code="import.investment_statement",
            )
        return kind in _TRANSACTION_TYPES
    if upper.startswith(("OPTION", "CLEAR")):
        return in_transactions
    # !Account (account list) and anything unknown hold no transactions.
    return False


def _amount_field(record: _Record) -> tuple[int, str]:
    return record.fields["T"] if "T" in record.fields else record.fields["U"]


def _normalise_date(text: str) -> str:
    """Quicken's `10/31'26` (the apostrophe marks 2000-2099) and ` 1/ 5/26` as plain dates."""
    value = text.replace(" ", "")
    head, apostrophe, year = value.rpartition("'")
    if apostrophe and year.isascii() and year.isdigit() and len(year) <= 2:
        return f"{head}/{2000 + int(year)}"
    return value
