"""Where things are in a CSV export: its delimiter, its header row and the column of each field."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

from billbot.imports.csv_profiles import HEADER_ALIASES, CsvProfile, normalize_header
from billbot.imports.dates import DateError, DateReader, date_formats
from billbot.imports.errors import ImportFileError

_DELIMITERS = (",", ";", "\t", "|")
# Banks put account details, blank lines and titles above the header; look this far for it.
_HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """Column indices for one file; None where the file has no such column."""

    header_row: int | None
    date: int
    description: int
    amount: int | None = None
    debit: int | None = None
    credit: int | None = None
    direction: int | None = None
    time: int | None = None
    mcc: int | None = None
    currency: int | None = None
    id: int | None = None
    kind: int | None = None

    def columns(self) -> dict[str, int]:
        """Mapped fields and their indices."""
        names = (
            "date", "description", "amount", "debit", "credit", "direction", "time", "mcc",
            "currency", "id", "kind",
        )  # fmt: skip
        found = {name: getattr(self, name) for name in names}
        return {name: index for name, index in found.items() if index is not None}

    @property
    def width(self) -> int:
        """How many fields a row needs for every mapped column to exist."""
        return max(self.columns().values()) + 1

    def last_field(self) -> str:
        """The field in the right-most mapped column (for short-row messages)."""
        return max((index, name) for name, index in self.columns().items())[1]


def sniff_delimiter(head: str) -> str:
    """The delimiter that splits the first lines most consistently (`,` `;` tab `|`)."""
    lines = [line for line in head.splitlines()[:_HEADER_SEARCH_ROWS] if line.strip()]
    best, best_score = ",", (0, 0)
    for candidate in _DELIMITERS:
        counts = [_count_unquoted(line, candidate) for line in lines]
        nonzero = [count for count in counts if count]
        if not nonzero:
            continue
        modal = max(sorted(set(nonzero)), key=nonzero.count)
        # Most lines agreeing wins; among equals, more fields per line (`;` beats the `,` of
        # decimal commas, which appear once per amount).
        score = (counts.count(modal), modal)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _count_unquoted(line: str, delimiter: str) -> int:
    count = 0
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def read_rows(text: str, delimiter: str) -> tuple[list[list[str]], list[int] | None]:
    """All records, and their first line numbers unless every record is exactly one line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ImportFileError(
            f"the file is not valid CSV ({exc})", line=reader.line_num, code="import.bad_csv"
        ) from exc
    if reader.line_num == len(rows):
        # The common case: no quoted line breaks, so record n is line n.
        return rows, None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    lines = []
    previous = 0
    for _ in reader:
        lines.append(previous + 1)
        previous = reader.line_num
    return rows, lines


def is_blank(row: list[str]) -> bool:
    """Whether a record has nothing but empty fields."""
    return not any(cell.strip() for cell in row)


def plan_columns(rows: list[list[str]], profile: CsvProfile) -> ColumnPlan:
    """Find the header row (past any preamble) and the column of every field."""
    refs = profile.column_refs()
    by_index = "date" in refs and all(isinstance(ref, int) for ref in refs.values())
    if profile.has_header is False or (by_index and profile.has_header is None):
        plan = _columns(None, None, profile)
        if isinstance(plan, str):
            raise ImportFileError(plan, code="import.missing_column")
        first = next((i for i, row in enumerate(rows) if not is_blank(row)), None)
        if profile.has_header is None and first is not None and _is_header(rows[first], plan):
            plan = replace(plan, header_row=first)
        return plan
    problem = None
    for index, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if is_blank(row):
            continue
        found = _columns(index, row, profile)
        if isinstance(found, ColumnPlan):
            return found
        problem = problem or found
        if profile.has_header:
            break
    raise ImportFileError(problem or "the file has no header row", code="import.missing_column")


def _is_header(row: list[str], plan: ColumnPlan) -> bool:
    """With columns mapped by index: is this row words rather than a transaction?"""
    if len(row) <= plan.date:
        return True
    reader = DateReader(date_formats((), "dmy") + date_formats((), "mdy"))
    try:
        reader.read(row[plan.date])
    except DateError:
        return True
    return False


def _columns(
    header_row: int | None, header: list[str] | None, profile: CsvProfile
) -> ColumnPlan | str:
    """The column plan for `header` (None: index mapping only), or why there is none."""
    names = [normalize_header(cell) for cell in header] if header is not None else []
    found: dict[str, int] = {}
    for key, ref in profile.column_refs().items():
        if isinstance(ref, int):
            found[key] = ref
        elif (wanted := normalize_header(ref)) in names:
            found[key] = names.index(wanted)
        else:
            return f"the file has no column named {ref!r} (for the {key})"
    skip = {"signed": {"debit", "credit"}, "debit_credit": {"amount", "direction"}}.get(
        profile.amount_mode, set()
    )
    used = set(found.values())
    for key, aliases in HEADER_ALIASES.items():
        if key in found or key in skip:
            continue
        # One amount column or the debit/credit pair, never both; a direction needs an amount.
        if (key in ("debit", "credit") and "amount" in found) or (
            key == "direction" and "amount" not in found
        ):
            continue
        for alias in aliases:
            if alias in names and names.index(alias) not in used:
                found[key] = names.index(alias)
                used.add(found[key])
                break
    for key in ("date", "description"):
        if key not in found:
            return _missing(key)
    if not found.keys() & {"amount", "debit", "credit"}:
        return _missing("debit" if profile.amount_mode == "debit_credit" else "amount")
    return ColumnPlan(header_row=header_row, **found)


def _missing(key: str) -> str:
    examples = ", ".join(HEADER_ALIASES[key][:6])
    return f"the file has no {key} column (looked for headers such as {examples})"
