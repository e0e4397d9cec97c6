"""Date (and optional time) text from CSV and QIF exports, with day-first/month-first resolution.

`03/04/2026` is 3 April in most of the world and March 4 in the US. A file is read one way
throughout: the caller says (`date_order`), or the whole column decides (a first field above 12
means day-first, a second field above 12 means month-first), or the import is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from billbot.imports.errors import ImportFileError

DATE_ORDERS = ("dmy", "mdy", "ymd")

_UNAMBIGUOUS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%d.%m.%y",
)
_BY_ORDER = {
    "dmy": ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d-%m-%y"),
    "mdy": ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%m-%d-%y"),
    # Year first with a two-digit year (26/10/31); four-digit years need no order.
    "ymd": ("%y/%m/%d", "%y-%m-%d", "%y.%m.%d"),
}
_TIME_FORMATS = ("%I:%M %p", "%I:%M:%S %p", "%I:%M%p", "%H%M%S", "%H%M")


class DateError(ValueError):
    """Date or time text that matches none of the accepted formats (message only)."""


def check_date_order(order: str | None) -> str | None:
    """`order` when it is None, "dmy", "mdy" or "ymd"; an ImportFileError otherwise."""
    if order is not None and order not in DATE_ORDERS:
        raise ImportFileError(
            f"date_order must be one of {', '.join(DATE_ORDERS)}, not {order!r}",
            code="import.bad_profile",
        )
    return order


def date_formats(custom: Sequence[str], order: str | None) -> tuple[str, ...]:
    """The strptime formats to try, in order: the profile's own, else billbot's defaults."""
    if custom:
        return tuple(custom)
    return _UNAMBIGUOUS + (_BY_ORDER[order] if order else ())


def infer_date_order(values: Iterable[str], *, field: str = "date") -> str | None:
    """Day-first or month-first from a whole column of dates; None if no value needs it."""
    day_first = month_first = ambiguous = None
    for value in values:
        parts = _numeric_parts(value)
        if parts is None:
            continue
        first, second = parts
        if first > 12 and second <= 12:
            day_first = day_first or value
        elif second > 12 and first <= 12:
            month_first = month_first or value
        elif first <= 12 and second <= 12:
            ambiguous = ambiguous or value
    if day_first and month_first:
        raise ImportFileError(
            f"the dates mix day-first ({day_first!r}) and month-first ({month_first!r}) order",
            field=field,
            code="import.ambiguous_date",
        )
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    if ambiguous:
        raise ImportFileError(
            f"dates like {ambiguous!r} can be read day-first or month-first; "
            "choose date_order 'dmy' (31/12/2026) or 'mdy' (12/31/2026)",
            field=field,
            code="import.ambiguous_date",
        )
    return None


def _numeric_parts(value: str) -> tuple[int, int] | None:
    """The first two fields of `dd/mm/yyyy`-like text, or None for any other shape."""
    head = value.strip().split(" ", 1)[0]
    sep = "/" if "/" in head else "-"
    parts = head.split(sep)
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    if len(parts[0]) > 2 or len(parts[1]) > 2:
        return None
    return int(parts[0]), int(parts[1])


class DateReader:
    """Reads `date` or `date time` text with a fixed list of formats, once per distinct text."""

    __slots__ = ("_cache", "_formats")

    def __init__(self, formats: Sequence[str]) -> None:
        self._formats = tuple(formats)
        self._cache: dict[str, tuple[date, time | None]] = {}

    def read(self, text: str) -> tuple[date, time | None]:
        """The date, and the time of day when the text carries one (aware if it has an offset)."""
        hit = self._cache.get(text)
        if hit is None:
            hit = self._cache[text] = self._parse(text)
        return hit

    def _parse(self, text: str) -> tuple[date, time | None]:
        s = text.strip()
        if not s:
            raise DateError("the date is missing")
        iso = "%Y-%m-%d" in self._formats and s[4:5] == "-"
        if iso and len(s) == 10:
            try:
                return date.fromisoformat(s), None
            except ValueError:
                pass
        if iso and len(s) > 10:
            try:
                moment = datetime.fromisoformat(s.replace(" ", "T", 1))
            except ValueError:
                pass
            else:
                return moment.date(), moment.timetz()
        day = self._parse_date(s)
        if day is not None:
            return day, None
        head, _, rest = s.partition(" ")
        if not rest and "T" in s:
            head, _, rest = s.partition("T")
        day = self._parse_date(head) if rest else None
        if day is None:
            raise DateError(f"{text!r} is not a date in any of the accepted formats")
        return day, parse_time(rest)

    def _parse_date(self, s: str) -> date | None:
        for fmt in self._formats:
            try:
                return datetime.strptime(s, fmt).date()  # noqa: DTZ007 - a calendar date only
            except ValueError:
                continue
        return None


def parse_time(text: str) -> time:
    """`13:45`, `13:45:07`, `1:45 PM`, `13:45:00+08:00` to a time (aware if it has an offset)."""
    s = text.strip()
    try:
        return time.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(s.upper(), fmt).time()  # noqa: DTZ007 - a time of day only
        except ValueError:
            continue
    raise DateError(f"{text!r} is not a time of day")
