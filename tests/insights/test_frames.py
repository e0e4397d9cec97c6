"""The transaction frame schema: what is accepted, normalised and refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from insights.frames import (
    REQUIRED_COLUMNS,
    TransactionFrameError,
    empty_transactions,
    validate_transactions,
)

MakeTx = Callable[..., pd.DataFrame]


def test_missing_columns_are_all_named(make_tx: MakeTx) -> None:
    tx = make_tx({}).drop(columns=["currency", "kind", "merchant_name"])
    with pytest.raises(TransactionFrameError) as error:
        validate_transactions(tx)
    assert str(error.value) == "transaction frame is missing columns: currency, kind, merchant_name"
    assert error.value.missing == ("currency", "kind", "merchant_name")


def test_installment_plan_id_is_optional(make_tx: MakeTx) -> None:
    valid = validate_transactions(make_tx({}, {}).drop(columns="installment_plan_id"))
    assert valid["installment_plan_id"].isna().all()
    assert str(valid["installment_plan_id"].dtype) == "Int64"


def test_normalises_dates_labels_and_ids(make_tx: MakeTx) -> None:
    tx = make_tx(
        {"local_date": date(2026, 10, 1), "category": None, "sub_category": None},
        {"local_date": datetime(2026, 10, 2, 23, 59), "merchant_name": None},
        {"local_date": date(2028, 2, 29), "installment_plan_id": 12},
    )
    valid = validate_transactions(tx)
    assert list(valid.columns) == [*REQUIRED_COLUMNS, "installment_plan_id", "row_count"]
    assert valid["row_count"].tolist() == [1] * len(valid)
    assert valid["local_date"].dtype == "datetime64[ns]"
    assert valid["local_date"].tolist() == [
        pd.Timestamp(2026, 10, 1),
        pd.Timestamp(2026, 10, 2),
        pd.Timestamp(2028, 2, 29),
    ]
    assert valid["category"].tolist() == ["uncategorised", "food", "food"]
    assert valid["sub_category"].tolist() == ["uncategorised", "coffee", "coffee"]
    assert valid["merchant_name"].tolist() == ["Luckin Coffee", "", "Luckin Coffee"]
    assert valid["installment_plan_id"].tolist() == [pd.NA, pd.NA, 12]
    assert valid["amount_minor"].dtype == "int64"


def test_datetime64_dates_at_any_resolution(make_tx: MakeTx) -> None:
    tx = make_tx({}, {}, {})
    tx["local_date"] = np.array(["2026-10-01T08:00", "2026-10-02", "2026-10-03"], "datetime64[s]")
    assert validate_transactions(tx)["local_date"].dt.day.tolist() == [1, 2, 3]


def test_validating_twice_changes_nothing(make_tx: MakeTx) -> None:
    once = validate_transactions(make_tx({}, {"category": "travel"}, {"merchant_name": "A"}))
    pd.testing.assert_frame_equal(validate_transactions(once), once)


def test_unsorted_categorical_labels_are_accepted(make_tx: MakeTx) -> None:
    tx = make_tx({"category": "travel"}, {"category": "food"})
    tx["category"] = pd.Categorical(tx["category"], categories=["zoo", "travel", "food"])
    labels = validate_transactions(tx)["category"]
    assert labels.cat.categories.tolist() == ["food", "travel"]
    assert labels.tolist() == ["travel", "food"]


def test_categorical_labels_with_missing_values_are_filled(make_tx: MakeTx) -> None:
    tx = make_tx({}, {})
    tx["category"] = pd.Categorical(["food", None])
    assert validate_transactions(tx)["category"].tolist() == ["food", "uncategorised"]


def test_unused_categories_are_not_checked(make_tx: MakeTx) -> None:
    tx = make_tx({}, {"kind": "refund", "amount_minor": -5})
    tx["kind"] = pd.Categorical(tx["kind"], categories=["purchase", "refund", "chargeback"])
    assert validate_transactions(tx)["kind"].cat.categories.tolist() == ["purchase", "refund"]


def test_plan_ids_read_as_floats_are_accepted(make_tx: MakeTx) -> None:
    tx = make_tx({}, {})
    tx["installment_plan_id"] = [np.nan, 7.0]
    assert validate_transactions(tx)["installment_plan_id"].tolist() == [pd.NA, 7]


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("amount_minor", [12.5, 3.0], "amount_minor must hold integers, got float64"),
        ("amount_minor", [1, None], "amount_minor has missing values"),
        ("user_id", [True, False], "user_id must hold integers, got booleans"),
        ("kind", ["purchase", "chargeback"], "kind has unexpected values: chargeback"),
        ("status", ["posted", "settled"], "status has unexpected values: settled"),
        ("status", ["posted", None], "status has missing values"),
        ("currency", ["USD", "usd"], "currency must be an ISO 4217 code such as USD, got: usd"),
        ("currency", ["USD", "US1"], "got: US1"),
        ("category", ["food", 7], "category must hold text"),
        ("local_date", ["2026-10-01", "2026-10-02"], "local_date must hold dates"),
        ("local_date", [date(2026, 10, 1), None], "local_date has missing values"),
        ("installment_plan_id", [1.5, None], "installment_plan_id must hold integers"),
    ],
)
def test_bad_values_are_refused(
    make_tx: MakeTx, column: str, values: list[object], message: str
) -> None:
    tx = make_tx({}, {})
    numeric = column in ("amount_minor", "user_id")
    tx[column] = pd.Series(values, dtype=None if numeric else object)
    with pytest.raises(TransactionFrameError, match=message):
        validate_transactions(tx)


def test_time_zone_aware_dates_are_refused(make_tx: MakeTx) -> None:
    tx = make_tx({})
    tx["local_date"] = pd.Timestamp("2026-10-01", tz="Asia/Shanghai")
    with pytest.raises(TransactionFrameError, match="without time zone"):
        validate_transactions(tx)


def test_only_data_frames_are_accepted() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        validate_transactions([{"user_id": 1}])  # type: ignore[arg-type]


def test_an_empty_frame_is_valid() -> None:
    empty = empty_transactions()
    assert len(empty) == 0
    assert empty["amount_minor"].dtype == "int64"
    assert empty["local_date"].dtype == "datetime64[ns]"


def test_unsigned_ids_beyond_int64_are_refused(make_tx: MakeTx) -> None:
    tx = make_tx({}, {})
    tx["transaction_id"] = np.array([1, 2**63 + 5], dtype=np.uint64)
    with pytest.raises(TransactionFrameError, match="too large for int64"):
        validate_transactions(tx)
