"""How a CSV export is laid out: named profiles, and the header words billbot recognises.

A column is referred to by header name (matched case-insensitively, ignoring a trailing unit
such as `Amount (USD)`) or by 0-based index. Columns a profile leaves unset are found through
`HEADER_ALIASES`, in English and Chinese plus the usual European bank words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from billbot.imports.dates import DATE_ORDERS
from billbot.imports.errors import ImportFileError

ColumnRef = str | int | None

SIGN_CONVENTIONS = ("spend_positive", "spend_negative")
AMOUNT_MODES = ("auto", "signed", "debit_credit")

# Ordered by preference: when an export has both "Transaction Date" and "Post Date", the
# posting date is the one statements and due dates are computed from.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": (
        "posted date", "post date", "posting date", "booking date", "记账日期", "入账日期",
        "date", "transaction date", "trans date", "trans. date", "txn date", "交易日期",
        "交易时间", "日期", "buchungstag", "buchungsdatum", "datum", "fecha", "date opération",
        "date operation",
    ),
    "amount": (
        "amount", "transaction amount", "amt", "金额", "交易金额", "betrag", "montant",
        "importe", "bedrag",
    ),
    "debit": (
        "debit", "debit amount", "debits", "withdrawal", "withdrawals", "money out", "paid out",
        "支出", "支出金额", "借方金额", "soll", "belastung", "lastschrift", "débit",
    ),
    "credit": (
        "credit", "credit amount", "credits", "deposit", "deposits", "money in", "paid in",
        "收入", "收入金额", "存入", "贷方金额", "haben", "gutschrift", "crédit",
    ),
    "direction": ("收/支", "收支", "debit/credit", "dr/cr", "direction", "借贷标志", "借贷"),
    "description": (
        "merchant", "merchant name", "商户名称", "交易对方", "payee", "description",
        "transaction description", "交易描述", "details", "narrative", "摘要", "交易摘要",
        "商品说明", "name", "对方户名", "verwendungszweck", "buchungstext", "beschreibung",
        "libellé", "libelle", "concepto", "omschrijving", "memo",
    ),
    "time": ("time", "transaction time", "交易时间", "时间"),
    "mcc": ("mcc", "merchant category code", "mcc code", "商户类别码", "商户类型码"),
    "currency": (
        "currency", "ccy", "currency code", "币种", "货币", "交易币种", "währung", "devise",
    ),
    "id": (
        "id", "transaction id", "transaction reference", "reference", "reference number", "ref",
        "trans id", "交易流水号", "流水号", "交易订单号", "交易号", "交易单号", "referenz",
        "référence",
    ),
    "kind": ("kind", "type", "transaction type", "trans type", "交易类型"),
}  # fmt: skip

KIND_ALIASES: dict[str, str] = {
    **dict.fromkeys(("purchase", "sale", "spend", "pos", "消费", "购物"), "purchase"),
    **dict.fromkeys(("refund", "return", "退款", "退货"), "refund"),
    **dict.fromkeys(("fee", "手续费", "费用", "年费"), "fee"),
    **dict.fromkeys(("interest", "利息"), "interest"),
    **dict.fromkeys(("repayment", "payment", "还款"), "repayment"),
    **dict.fromkeys(("cash_advance", "cash advance", "atm", "取现", "预借现金"), "cash_advance"),
}

# Values of a direction column ("收/支"): True = money spent, False = money received.
DIRECTION_ALIASES: dict[str, bool] = {
    **dict.fromkeys(("支出", "支", "debit", "dr", "d", "借", "out", "expense"), True),
    **dict.fromkeys(("收入", "收", "credit", "cr", "c", "贷", "in", "income"), False),
}

_UNIT_SUFFIX = re.compile(r"\s*[(（][^)）]*[)）]\s*$")


def normalize_header(cell: str) -> str:
    """`" Amount (USD): "` to `"amount"`: the form header words are compared in."""
    text = cell.strip().lstrip("\ufeff").strip(" :*#").casefold()
    text = _UNIT_SUFFIX.sub("", text)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class CsvProfile:
    """Where a CSV keeps each field and how it writes numbers, dates and signs.

    `decimal_separator` None means decide from the file; `thousands_separator` lists the
    grouping characters accepted (None: any common one other than the decimal separator).
    `timezone` places times that carry no offset (without one, and without the importer's
    zone, such times are dropped rather than guessed). `amount_mode` "auto" uses an amount
    column when there is one, else debit and credit columns.
    """

    name: str = "custom"
    delimiter: str | None = None
    has_header: bool | None = None
    encoding: str | None = None
    date_column: ColumnRef = None
    description_column: ColumnRef = None
    amount_column: ColumnRef = None
    debit_column: ColumnRef = None
    credit_column: ColumnRef = None
    direction_column: ColumnRef = None
    time_column: ColumnRef = None
    mcc_column: ColumnRef = None
    currency_column: ColumnRef = None
    id_column: ColumnRef = None
    kind_column: ColumnRef = None
    date_formats: tuple[str, ...] = field(default=())
    date_order: str | None = None
    decimal_separator: str | None = None
    thousands_separator: str | None = None
    sign: str = "spend_positive"
    amount_mode: str = "auto"
    timezone: str | None = None

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise ImportFileError(f"profile {self.name!r}: {problem}", code="import.bad_profile")

    def _problem(self) -> str | None:
        if self.delimiter is not None and len(self.delimiter) != 1:
            return "the delimiter must be one character"
        if self.decimal_separator not in (None, ".", ","):
            return "the decimal separator must be '.' or ','"
        if self.decimal_separator and self.decimal_separator in (self.thousands_separator or ""):
            return "the decimal separator cannot also group thousands"
        if self.sign not in SIGN_CONVENTIONS:
            return f"sign must be one of {', '.join(SIGN_CONVENTIONS)}"
        if self.amount_mode not in AMOUNT_MODES:
            return f"amount_mode must be one of {', '.join(AMOUNT_MODES)}"
        if self.date_order is not None and self.date_order not in DATE_ORDERS:
            return f"date_order must be one of {', '.join(DATE_ORDERS)}"
        if self.amount_column is not None and (self.debit_column, self.credit_column) != (
            None,
            None,
        ):
            return "map either an amount column or debit/credit columns, not both"
        if self.has_header is False and any(
            isinstance(ref, str) for ref in self.column_refs().values()
        ):
            return "a file without a header row can only map columns by index"
        if self.timezone is not None:
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                return f"{self.timezone!r} is not an IANA time zone"
        return None

    def column_refs(self) -> dict[str, str | int]:
        """The columns this profile maps explicitly, by billbot field name."""
        refs = {
            "date": self.date_column,
            "description": self.description_column,
            "amount": self.amount_column,
            "debit": self.debit_column,
            "credit": self.credit_column,
            "direction": self.direction_column,
            "time": self.time_column,
            "mcc": self.mcc_column,
            "currency": self.currency_column,
            "id": self.id_column,
            "kind": self.kind_column,
        }
        return {key: ref for key, ref in refs.items() if ref is not None}


PROFILES: dict[str, CsvProfile] = {
    profile.name: profile
    for profile in (
        # Detect everything: delimiter, header row, columns, decimal separator, date order.
        CsvProfile(name="auto"),
        # Continental European banks and card issuers: `;` between fields, `1.234,56`,
        # `31.12.2026` or `31/12/2026`, and bank-style signs (a purchase is negative).
        CsvProfile(
            name="eu",
            delimiter=";",
            decimal_separator=",",
            thousands_separator=". \u00a0\u202f",
            date_order="dmy",
            sign="spend_negative",
        ),
        # Swiss banks: `11'373.94` (ASCII or typographic apostrophe), day-first dates,
        # bank-style signs when the amount is one signed column.
        CsvProfile(
            name="swiss",
            decimal_separator=".",
            thousands_separator="'\u2019",
            date_order="dmy",
            sign="spend_negative",
        ),
        # Money out and money in in two unsigned columns (Debit/Credit, Withdrawals/Deposits).
        CsvProfile(name="debit_credit", amount_mode="debit_credit"),
        # One signed amount column, bank style: money out (spending) is negative.
        CsvProfile(name="bank_negative", sign="spend_negative", amount_mode="signed"),
    )
}


def get_profile(name: str) -> CsvProfile:
    """The built-in profile called `name`; ImportFileError listing the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ImportFileError(
            f"there is no CSV profile {name!r}; known profiles: {known}",
            code="import.unknown_profile",
        ) from None
