"""The one entry point: bytes of an upload in, a fully validated ParsedFile out."""

from __future__ import annotations

from billbot.imports.amounts import currency_exponent
from billbot.imports.csv_format import parse_csv
from billbot.imports.csv_profiles import CsvProfile, get_profile
from billbot.imports.dates import check_date_order
from billbot.imports.detect import detect_format
from billbot.imports.errors import ImportFileError
from billbot.imports.ofx_format import parse_ofx
from billbot.imports.qif_format import parse_qif
from billbot.imports.records import ParsedFile
from billbot.memory import cycle_collection_paused
from billbot.money import MoneyError


def parse_file(
    data: bytes,
    *,
    currency: str,
    filename: str | None = None,
    profile: CsvProfile | str | None = None,
    date_order: str | None = None,
    timezone: str | None = None,
) -> ParsedFile:
    """Parse a CSV, OFX/QFX or QIF export, validating every row; raise on the first bad one.

    `currency` is the target account's; it checks the decimals of rows that name none.
    `profile` and `timezone` (the IANA zone for CSV times without an offset) apply to CSV only.
    """
    try:
        currency_exponent(currency)
    except MoneyError as exc:
        raise ImportFileError(str(exc), code="import.bad_currency") from None
    check_date_order(date_order)
    if not data.strip():
        raise ImportFileError("the file is empty", code="import.empty_file")
    kind = detect_format(data, filename)
    chosen = profile if isinstance(profile, CsvProfile) else get_profile(profile or "auto")
    with cycle_collection_paused():
        if kind == "ofx":
            return parse_ofx(data, currency=currency)
        if kind == "qif":
            return parse_qif(data, currency=currency, date_order=date_order)
        return parse_csv(
            data, currency=currency, profile=chosen, date_order=date_order, timezone=timezone
        )
