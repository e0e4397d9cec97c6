"""CSV exports: settle the layout once, then convert every row or name the first bad one.

The column plan, the date order and the decimal separator are decided for the whole file before
the first row is converted, so the per-row loop only looks values up; each distinct date and
amount text is converted once.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from hashlib import sha256
from zoneinfo import ZoneInfo

from billbot.imports.amounts import (
    AmountError,
    AmountStyle,
    MinorConverter,
    currency_exponent,
    detect_decimal_separator,
)
from billbot.imports.csv_layout import (
    ColumnPlan,
    is_blank,
    plan_columns,
    read_rows,
    sniff_delimiter,
)
from billbot.imports.csv_profiles import DIRECTION_ALIASES, KIND_ALIASES, CsvProfile
from billbot.imports.dates import DateError, DateReader, date_formats, infer_date_order, parse_time
from billbot.imports.decoding import decode_text
from billbot.imports.errors import ImportFileError
from billbot.imports.records import ParsedFile, ParsedTransaction, build_transaction
from billbot.money import MoneyError
from billbot.transactions.models import CREDIT_KINDS

# Longer ids would not fit the 128-character external id; they are hashed instead.
_MAX_ID_LENGTH = 100


def parse_csv(
    data: bytes,
    *,
    currency: str,
    profile: CsvProfile,
    date_order: str | None = None,
    timezone: str | None = None,
) -> ParsedFile:
    """Every row of a CSV export as a ParsedTransaction, or the first bad row's error."""
    text = decode_text(data, profile.encoding)
    if not text.strip():
        raise ImportFileError("the file is empty", code="import.empty_file")
    delimiter = profile.delimiter or sniff_delimiter(text[:16384])
    rows, lines = read_rows(text, delimiter)
    plan = plan_columns(rows, profile)
    first = 0 if plan.header_row is None else plan.header_row + 1
    body = rows[first:]
    body_lines = lines[first:] if lines is not None else None
    if all(is_blank(row) for row in body):
        raise ImportFileError("the file has no transactions", code="import.empty_file")
    order = date_order or profile.date_order
    if not profile.date_formats and order is None:
        order = infer_date_order({row[plan.date] for row in body if len(row) > plan.date})
    converter = _RowConverter(
        plan,
        profile,
        currency,
        DateReader(date_formats(profile.date_formats, order)),
        _amount_style(profile, body, plan),
        profile.timezone or timezone,
    )
    return ParsedFile(
        format="csv",
        transactions=converter.convert_all(body, body_lines, first),
        accounts=[],
        currency=None,
    )


def _amount_style(profile: CsvProfile, body: list[list[str]], plan: ColumnPlan) -> AmountStyle:
    decimal = profile.decimal_separator
    if decimal is None:
        columns = [i for i in (plan.amount, plan.debit, plan.credit) if i is not None]
        values = (row[i] for row in body for i in columns if len(row) > i)
        decimal = detect_decimal_separator(values) or "."
    return AmountStyle.for_decimal(decimal, profile.thousands_separator)


class _RowConverter:
    """Converts the rows of one file under one plan, caching every repeated text it meets."""

    def __init__(
        self,
        plan: ColumnPlan,
        profile: CsvProfile,
        currency: str,
        dates: DateReader,
        style: AmountStyle,
        zone: str | None,
    ) -> None:
        self.plan = plan
        self.currency = currency.upper()
        self.dates = dates
        self.amounts = MinorConverter(style)
        self.negate = profile.sign == "spend_negative"
        self.zone: tzinfo | None = ZoneInfo(zone) if zone else None
        self.own_ids: dict[str, int] = {}
        self.currencies: dict[str, str | None] = {}
        self.mccs: dict[str, str | None] = {}
        self.times: dict[str, time] = {}

    def convert_all(
        self, body: list[list[str]], lines: list[int] | None, first: int
    ) -> list[ParsedTransaction]:
        """Convert every non-blank row, raising on the first bad one."""
        # This loop runs once per row of files with hundreds of thousands of rows: fields are
        # bound to locals, and dates and amounts are looked up in per-file caches before any
        # conversion is attempted.
        plan = self.plan
        width = plan.width
        di, si, ai, ci, ti = plan.date, plan.description, plan.amount, plan.currency, plan.time
        mi, ki, ii, ri = plan.mcc, plan.kind, plan.id, plan.direction
        account_currency = self.currency
        negate = self.negate
        day_of: dict[str, tuple[date, time | None, str]] = {}
        minor_of: dict[str, int] = {}
        seen: dict[str, int] = {}
        out: list[ParsedTransaction] = []
        append = out.append
        for number, row in enumerate(body, start=first + 1):
            # Without quoted line breaks, record n is line n.
            line = number if lines is None else lines[number - first - 1]
            if len(row) < width:
                if is_blank(row):
                    continue
                raise ImportFileError(
                    f"the row has {len(row)} fields, but the {plan.last_field()} is field {width}",
                    line=line,
                    code="import.short_row",
                )
            dated = day_of.get(row[di])
            if dated is None:
                if is_blank(row):
                    continue
                dated = day_of[row[di]] = self._date(row[di], line)
            day, clock, iso = dated
            description = row[si].strip()
            row_currency = None if ci is None else self._currency(row[ci], line)
            code = None
            if ai is None:
                minor, code = self._debit_credit(row, line, row_currency or account_currency)
            else:
                text = row[ai]
                found = minor_of.get(text) if row_currency is None else None
                if found is None:
                    minor, code = self._convert(text, row_currency or account_currency, line)
                    if code is None and row_currency is None:
                        minor_of[text] = minor
                else:
                    minor = found
                if ri is not None:
                    minor = self._directed(minor, row[ri], line)
                elif negate:
                    minor = -minor
            if code is not None:
                row_currency = self._agree(code, row_currency, line)
            if ti is not None and row[ti].strip():
                clock = self._time(row[ti], line)
            posted_at = None if clock is None else self._moment(day, clock)
            mcc = None if mi is None else self._mcc(row[mi], line)
            kind = None if ki is None else self._kind(row[ki], minor, line)
            own = "" if ii is None else row[ii].strip()
            if own:
                external_id = self._own_id(own, line)
            else:
                # StableIds.next_id, inlined: same key, same hash, same numbering.
                key = f"{iso}|{minor}|{description}"
                n = seen.get(key, 0)
                seen[key] = n + 1
                external_id = "csv:" + sha256(f"{key}|{n}".encode()).hexdigest()[:32]
            append(
                build_transaction(
                    line, external_id, day, posted_at, minor, row_currency, description, mcc,
                    kind, None,
                )
            )  # fmt: skip
        return out

    def _date(self, text: str, line: int) -> tuple[date, time | None, str]:
        try:
            day, clock = self.dates.read(text)
        except DateError as exc:
            raise ImportFileError(
                str(exc), line=line, field="date", code="import.bad_date"
            ) from None
        return day, clock, day.isoformat()

    def _kind(self, text: str, minor: int, line: int) -> str | None:
        kind = KIND_ALIASES.get(text.strip().casefold())
        if kind in CREDIT_KINDS and minor > 0:
            raise ImportFileError(
                f"a {kind} must reduce what is owed, but this row adds to it "
                "(check the profile's sign convention)",
                line=line,
                field="kind",
                code="import.kind_sign",
            )
        return kind

    def _debit_credit(self, row: list[str], line: int, currency: str) -> tuple[int, str | None]:
        plan = self.plan
        debit_text = "" if plan.debit is None else row[plan.debit].strip()
        credit_text = "" if plan.credit is None else row[plan.credit].strip()
        debit, debit_code = (
            self._convert(debit_text, currency, line, "debit") if debit_text else (0, None)
        )
        credit, credit_code = (
            self._convert(credit_text, currency, line, "credit") if credit_text else (0, None)
        )
        if debit and credit:
            raise ImportFileError(
                f"both debit ({debit_text!r}) and credit ({credit_text!r}) are filled in",
                line=line,
                field="debit",
                code="import.bad_amount",
            )
        if not debit_text and not credit_text:
            raise ImportFileError(
                "neither debit nor credit is filled in",
                line=line,
                field="debit",
                code="import.bad_amount",
            )
        # The column says which way the money went, so a sign some banks add is ignored.
        return (abs(debit) if debit else -abs(credit)), (debit_code or credit_code)

    def _convert(
        self, text: str, currency: str, line: int, field: str = "amount"
    ) -> tuple[int, str | None]:
        try:
            return self.amounts.convert(text, currency)
        except AmountError as exc:
            raise ImportFileError(
                str(exc), line=line, field=field, code="import.bad_amount"
            ) from None

    def _directed(self, minor: int, text: str, line: int) -> int:
        spent = DIRECTION_ALIASES.get(text.strip().casefold())
        if spent is None:
            raise ImportFileError(
                f"{text!r} does not say whether money was spent or received "
                f"(expected one of {', '.join(DIRECTION_ALIASES)})",
                line=line,
                field="direction",
                code="import.bad_amount",
            )
        return abs(minor) if spent else -abs(minor)

    def _currency(self, text: str, line: int) -> str | None:
        if text in self.currencies:
            return self.currencies[text]
        code = text.strip().upper() or None
        if code is not None:
            try:
                currency_exponent(code)
            except MoneyError as exc:
                raise ImportFileError(
                    str(exc), line=line, field="currency", code="import.bad_currency"
                ) from None
        self.currencies[text] = code
        return code

    def _agree(self, code: str, row_currency: str | None, line: int) -> str:
        """The currency written in the amount, which must match the currency column."""
        if row_currency is not None and code != row_currency:
            raise ImportFileError(
                f"the amount is in {code} but the currency column says {row_currency}",
                line=line,
                field="amount",
                code="import.bad_currency",
            )
        return code

    def _time(self, text: str, line: int) -> time:
        hit = self.times.get(text)
        if hit is None:
            try:
                hit = self.times[text] = parse_time(text)
            except DateError as exc:
                raise ImportFileError(
                    str(exc), line=line, field="time", code="import.bad_time"
                ) from None
        return hit

    def _moment(self, day: date, clock: time) -> datetime | None:
        if clock.tzinfo is not None:
            return datetime.combine(day, clock)
        # A wall-clock time means nothing without its zone; guessing one could move the
        # transaction to another day, so without a zone the time is left out.
        if self.zone is None:
            return None
        return datetime.combine(day, clock, tzinfo=self.zone)

    def _mcc(self, text: str, line: int) -> str | None:
        if text in self.mccs:
            return self.mccs[text]
        value = text.strip()
        if value and not (value.isascii() and value.isdigit() and len(value) <= 4):
            raise ImportFileError(
                f"{text!r} is not a merchant category code (four digits)",
                line=line,
                field="mcc",
                code="import.bad_mcc",
            )
        # Spreadsheets drop leading zeros: 742 is MCC 0742 (veterinary services).
        mcc = self.mccs[text] = value.zfill(4) if value else None
        return mcc

    def _own_id(self, own: str, line: int) -> str:
        earlier = self.own_ids.setdefault(own, line)
        if earlier != line:
            raise ImportFileError(
                f"the id {own!r} already appears on line {earlier}",
                line=line,
                field="id",
                code="import.duplicate_id",
            )
        if len(own) > _MAX_ID_LENGTH:
            return "csv:" + sha256(own.encode()).hexdigest()[:32]
        return "csv:" + own
