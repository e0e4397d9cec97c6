"""The transaction frame the core hands to insights: its schema and its validation.

One row per transaction. `amount_minor` follows the core's sign convention: positive adds to what
the borrower owes (purchases, fees, interest, cash advances), negative reduces it (refunds,
repayments, other credits). Money is integer minor units, never float.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

UNCATEGORISED = "uncategorised"

KINDS = frozenset(
    {"purchase", "refund", "fee", "interest", "repayment", "cash_advance", "installment"}
)
STATUSES = frozenset({"pending", "posted"})

INTEGER_COLUMNS = ("user_id", "transaction_id", "account_id", "amount_minor")
LABEL_COLUMNS = ("currency", "kind", "status", "category", "sub_category", "merchant_name")
REQUIRED_COLUMNS = (
    "user_id",
    "transaction_id",
    "account_id",
    "local_date",
    "amount_minor",
    "currency",
    "kind",
    "status",
    "category",
    "sub_category",
    "merchant_name",
)
# `row_count`: how many transactions a row stands for (default 1), so a caller may hand in rows
# already summed by its database. Such a row must not mix signs (purchases with refunds) or
# periods, and its other columns must be shared by every transaction it sums.
OPTIONAL_COLUMNS = ("installment_plan_id", "row_count")
TRANSACTION_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


class TransactionFrameError(ValueError):
    """A transaction frame that does not follow the schema; the message names what is wrong."""

    def __init__(self, message: str, *, missing: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


def validate_transactions(tx: pd.DataFrame) -> pd.DataFrame:
    """Check a transaction frame against the schema and return a normalised copy of its columns.

    The copy has exactly the schema's columns: int64 ids and amounts, `local_date` as
    datetime64[ns] at midnight, text labels as categoricals with sorted categories (missing
    category and sub-category become "uncategorised", a missing merchant name ""), and a nullable
    Int64 `installment_plan_id`.
    """
    if not isinstance(tx, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame of transactions, got {type(tx).__name__}")
    missing = [column for column in REQUIRED_COLUMNS if column not in tx.columns]
    if missing:
        raise TransactionFrameError(
            "transaction frame is missing columns: " + ", ".join(missing), missing=missing
        )
    columns: dict[str, pd.Series] = {}
    for name in INTEGER_COLUMNS:
        columns[name] = _int64_column(tx[name], name)
    columns["local_date"] = _local_date_column(tx["local_date"])
    columns["currency"] = _label_column(tx["currency"], "currency", fill=None)
    columns["kind"] = _label_column(tx["kind"], "kind", fill=None)
    columns["status"] = _label_column(tx["status"], "status", fill=None)
    columns["category"] = _label_column(tx["category"], "category", fill=UNCATEGORISED)
    columns["sub_category"] = _label_column(tx["sub_category"], "sub_category", fill=UNCATEGORISED)
    columns["merchant_name"] = _label_column(tx["merchant_name"], "merchant_name", fill="")
    columns["installment_plan_id"] = _plan_id_column(tx)
    columns["row_count"] = _row_count_column(tx)
    _check_values(columns["kind"], "kind", KINDS)
    _check_values(columns["status"], "status", STATUSES)
    _check_currencies(columns["currency"])
    ordered = {name: columns[name] for name in TRANSACTION_COLUMNS}
    return pd.DataFrame(ordered, index=pd.RangeIndex(len(tx)))


def empty_transactions() -> pd.DataFrame:
    """Return a valid transaction frame with no rows."""
    frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in REQUIRED_COLUMNS})
    return validate_transactions(frame)


def _int64_column(values: pd.Series, name: str) -> pd.Series:
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        if dtype.kind == "u" and len(values) and values.max() > np.iinfo(np.int64).max:
            raise TransactionFrameError(f"{name} has values too large for int64")
        return pd.Series(values.to_numpy(dtype=np.int64), name=name)
    if pd.api.types.is_bool_dtype(dtype):
        raise TransactionFrameError(f"{name} must hold integers, got booleans")
    if values.isna().any():
        raise TransactionFrameError(f"{name} has missing values")
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.infer_dtype(values) in (
        "integer",
        "empty",
    ):
        return pd.Series(values.to_numpy(dtype=np.int64), name=name)
    hint = " (money is integer minor units, never float)" if name == "amount_minor" else ""
    raise TransactionFrameError(f"{name} must hold integers, got {dtype}{hint}")


def _local_date_column(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        raise TransactionFrameError("local_date must be a local calendar date without time zone")
    if values.isna().any():
        raise TransactionFrameError("local_date has missing values")
    if not pd.api.types.is_datetime64_dtype(values.dtype):
        inferred = pd.api.types.infer_dtype(values)
        if inferred not in ("date", "datetime", "datetime64", "empty"):
            raise TransactionFrameError(
                f"local_date must hold dates or datetime64 values, got {inferred}"
            )
        values = pd.to_datetime(values)
    # Truncating to whole days drops any time of day: the date is already local.
    days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return pd.Series(days.astype("datetime64[ns]"), name="local_date")


def _label_column(values: pd.Series, name: str, *, fill: str | None) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype) and (values.cat.codes >= 0).all():
        return _categorical_label_column(values, name)
    # Factorising once gives the missing values, the distinct labels to check and the codes.
    codes, labels = pd.factorize(values.to_numpy(dtype=object), sort=True)
    if (codes < 0).any():
        if fill is None:
            raise TransactionFrameError(f"{name} has missing values")
        return _label_column(values.astype(object).fillna(fill), name, fill=None)
    if pd.api.types.infer_dtype(labels, skipna=False) not in ("string", "empty"):
        raise TransactionFrameError(f"{name} must hold text")
    categories = pd.Index(labels, dtype=str)
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), name=name)


def _categorical_label_column(values: pd.Series, name: str) -> pd.Series:
    # Already coded (validated before, or loaded as categoricals): keep the codes, drop unused
    # labels so the value checks see only what occurs, and sort the categories.
    labels = values.array
    if (np.bincount(labels.codes, minlength=len(labels.categories)) == 0).any():
        labels = labels.remove_unused_categories()
    if pd.api.types.infer_dtype(labels.categories, skipna=False) not in ("string", "empty"):
        raise TransactionFrameError(f"{name} must hold text")
    if not labels.categories.is_monotonic_increasing:
        labels = labels.reorder_categories(labels.categories.sort_values())
    return pd.Series(labels, name=name)


def _plan_id_column(tx: pd.DataFrame) -> pd.Series:
    if "installment_plan_id" not in tx.columns:
        return pd.Series(pd.array([pd.NA] * len(tx), dtype="Int64"), name="installment_plan_id")
    values = tx["installment_plan_id"]
    if pd.api.types.is_bool_dtype(values.dtype):
        raise TransactionFrameError("installment_plan_id must hold integers, got booleans")
    try:
        plan_ids = values.astype("Int64")
    except (TypeError, ValueError):
        raise TransactionFrameError(
            f"installment_plan_id must hold integers or missing values, got {values.dtype}"
        ) from None
    return pd.Series(plan_ids.array, name="installment_plan_id")


def _row_count_column(tx: pd.DataFrame) -> pd.Series:
    if "row_count" not in tx.columns:
        return pd.Series(np.ones(len(tx), dtype=np.int64), name="row_count")
    counts = _int64_column(tx["row_count"], "row_count")
    if len(counts) and counts.min() < 1:
        raise TransactionFrameError("row_count must be at least 1")
    return counts


def _check_values(labels: pd.Series, name: str, allowed: frozenset[str]) -> None:
    unexpected = sorted(set(labels.cat.categories) - allowed)
    if unexpected:
        raise TransactionFrameError(
            f"{name} has unexpected values: {', '.join(unexpected)} "
            f"(expected one of {', '.join(sorted(allowed))})"
        )


def _check_currencies(labels: pd.Series) -> None:
    malformed = sorted(
        code
        for code in labels.cat.categories
        if not (len(code) == 3 and code.isascii() and code.isalpha() and code.isupper())
    )
    if malformed:
        raise TransactionFrameError(
            "currency must be an ISO 4217 code such as USD, got: " + ", ".join(malformed)
        )
