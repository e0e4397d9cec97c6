"""Every ISO 18245 code maps to a real sub-category; code parsing; weak codes."""

from __future__ import annotations

import csv
from pathlib import Path

import iso18245
import pytest

from billbot.categorize import load_taxonomy
from billbot.categorize.mcc import load_mcc_table, normalise_mcc

GREGGLES = (
    Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "mcc" / "greggles_mcc_codes.csv"
)


def test_every_iso18245_code_maps_to_a_sub_category() -> None:
    table, taxonomy = load_mcc_table(), load_taxonomy()
    codes = [mcc.mcc for mcc in iso18245.get_all_mccs()]
    assert len(codes) > 900
    for code in codes:
        entry = table.lookup(code)
        assert entry is not None, code
        assert taxonomy.is_sub_category(entry.sub_category), (code, entry.sub_category)
        assert entry.description


@pytest.mark.skipif(not GREGGLES.exists(), reason="shared MCC fixture not checked out")
def test_every_greggles_code_maps_to_a_sub_category() -> None:
    table, taxonomy = load_mcc_table(), load_taxonomy()
    with GREGGLES.open(encoding="utf-8") as handle:
        codes = [row["mcc"] for row in csv.DictReader(handle)]
    for code in codes:
        entry = table.lookup(code)
        assert entry is not None and taxonomy.is_sub_category(entry.sub_category), code


def test_every_shipped_entry_names_a_real_sub_category() -> None:
    taxonomy = load_taxonomy()
    for entry in load_mcc_table().entries.values():
        assert taxonomy.is_sub_category(entry.sub_category), entry


@pytest.mark.parametrize(
    ("first", "last", "sub_category"),
    [(3000, 3350, "flights"), (3351, 3500, "car_rental"), (3501, 3999, "lodging")],
)
def test_brand_code_ranges(first: int, last: int, sub_category: str) -> None:
    table = load_mcc_table()
    for number in range(first, last + 1):
        entry = table.lookup(f"{number:04d}")
        assert entry is not None and entry.sub_category == sub_category, number
        assert not entry.weak


def test_named_codes() -> None:
    table = load_mcc_table()
    expected = {
        "5814": "fast_food",
        "5812": "restaurants",
        "5411": "groceries",
        "5541": "fuel",
        "4121": "taxis",
        "4111": "public_transit",
        "5912": "pharmacy",
        "0742": "vet",
        "4511": "flights",
        "7011": "lodging",
        "6011": "cash_withdrawal",
        "4900": "utility_bills",
        "8220": "university_fees",
        "7997": "gym_fitness",
        "5816": "video_games",
    }
    for code, sub_category in expected.items():
        entry = table.lookup(code)
        assert entry is not None and entry.sub_category == sub_category, code
    described = table.lookup("5814")
    assert described is not None and described.description == "fast food restaurants"


def test_generic_codes_are_weak_and_specific_ones_are_not() -> None:
    table = load_mcc_table()
    for code in ("5999", "7399", "8999", "5399", "7299", "5969", "9399", "4899", "5818"):
        entry = table.lookup(code)
        assert entry is not None and entry.weak, code
    for code in ("5812", "5814", "5411", "5541", "4121", "5912", "7011"):
        entry = table.lookup(code)
        assert entry is not None and not entry.weak, code


def test_unlisted_code_falls_back_to_its_iso_range_as_weak() -> None:
    entry = load_mcc_table().lookup("5555")
    assert entry is not None
    assert entry.sub_category == "general_merchandise" and entry.weak
    assert entry.description == "retail outlets"


@pytest.mark.parametrize(
    "code", ["0500", "1200", "9100", "9999", "", "abcd", "12345", "-123", "5814.5"]
)
def test_reserved_invalid_and_blank_codes_have_no_entry(code: str) -> None:
    assert load_mcc_table().lookup(code) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("5814", "5814"),
        (" 5814 ", "5814"),
        (742, "0742"),
        ("742", "0742"),
        (5814.0, "5814"),
        (float("nan"), None),
        (None, None),
        (True, None),
        ("５８１４", None),
        ("58 14", None),
    ],
)
def test_normalise_mcc(raw: object, code: str | None) -> None:
    assert normalise_mcc(raw) == code
