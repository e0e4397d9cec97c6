"""Time `Categoriser.categorise_frame` on a synthetic history, against a plain dict lookup.

Descriptions come from a few thousand merchants with real-world noise: processor prefixes, store
numbers, city and state suffixes, phone numbers, and for online merchants a fresh reference code
on every order (so many descriptions are unique, as in real statements). Operator rules and user
rules are added on top of the shipped MCC map and merchant patterns.

The baseline looks the merchant's already-normalised key up in a `dict` for every row, in the same
run over the same rows: the cost of categorising if normalisation and rules were free.

    .venv/bin/python benchmarks/categorize_bench.py
    .venv/bin/python benchmarks/categorize_bench.py --rows 200000 --patterns 1000 --user-rules 100
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from billbot.categorize import Categoriser, Rule, merchant_key, normalise_merchant

FIRST_WORDS = [
    "Golden",
    "Blue",
    "Red",
    "Green",
    "Silver",
    "Lucky",
    "Happy",
    "Royal",
    "Urban",
    "Sunny",
    "Harbor",
    "Maple",
    "Cedar",
    "Pine",
    "River",
    "Ocean",
    "Mountain",
    "Star",
    "Moon",
    "Metro",
    "Corner",
    "Village",
    "Central",
    "Northside",
    "Eastside",
    "Westend",
    "Old Town",
    "New Leaf",
    "Brightside",
    "Silk Road",
    "Jade",
    "Lotus",
    "Panda",
    "Phoenix",
    "Dragon",
    "Tiger",
    "Crane",
]
MIDDLE_WORDS = [
    "Garden",
    "Bay",
    "Hill",
    "Square",
    "Street",
    "Plaza",
    "Valley",
    "Lane",
    "Park",
    "Bridge",
    "Orchard",
    "Meadow",
    "Harvest",
    "Summit",
    "Willow",
    "Granite",
    "Amber",
    "Coral",
    "Ivory",
    "Saffron",
]
# (last word, MCC, sub-category a person would give it)
KINDS_OF_SHOP = [
    ("Coffee", "5814", "coffee"),
    ("Cafe", "5814", "coffee"),
    ("Bakery", "5462", "bakery_desserts"),
    ("Kitchen", "5812", "restaurants"),
    ("Noodle House", "5812", "restaurants"),
    ("Sushi", "5812", "restaurants"),
    ("Pizzeria", "5812", "restaurants"),
    ("Burger", "5814", "fast_food"),
    ("Tea House", "5814", "tea_and_juice"),
    ("Market", "5411", "groceries"),
    ("Grocery", "5411", "groceries"),
    ("Pharmacy", "5912", "pharmacy"),
    ("Dental", "8021", "dental"),
    ("Clinic", "8011", "doctors_clinics"),
    ("Salon", "7230", "hair_barbers"),
    ("Nails", "7230", "beauty_nails"),
    ("Spa", "7298", "spa_massage"),
    ("Books", "5942", "books"),
    ("Florist", "5992", "gifts_flowers"),
    ("Hardware", "5251", "home_improvement"),
    ("Furniture", "5712", "furniture"),
    ("Pet Supply", "5995", "pet_supplies"),
    ("Vet", "0742", "vet"),
    ("Fitness", "7997", "gym_fitness"),
    ("Yoga", "7997", "gym_fitness"),
    ("Cinema", "7832", "cinema"),
    ("Hotel", "7011", "lodging"),
    ("Taxi", "4121", "taxis"),
    ("Parking", "7523", "parking"),
    ("Fuel", "5541", "fuel"),
    ("Car Wash", "7542", "car_wash"),
    ("Tailor", "5697", "tailoring_repairs"),
    ("Boutique", "5651", "clothing"),
    ("Electronics", "5732", "electronics"),
    ("Trading", "5999", "general_merchandise"),
    ("Services", "7399", "professional_services"),
]
WELL_KNOWN = [
    ("STARBUCKS", "5814"),
    ("MCDONALD'S", "5814"),
    ("UBER *TRIP", "4121"),
    ("LYFT *RIDE", "4121"),
    ("SHELL OIL", "5541"),
    ("TESCO STORES", "5411"),
    ("WALGREENS", "5912"),
    ("NETFLIX.COM", "4899"),
    ("SPOTIFY", "5815"),
    ("APPLE.COM/BILL", "5818"),
    ("DOORDASH*", "5812"),
    ("WHOLEFDS MKT", "5411"),
    ("瑞幸咖啡", None),
    ("美团外卖", "5812"),
    ("滴滴出行", "4121"),
    ("盒马鲜生", "5411"),
    ("淘宝", None),
    ("COSTCO WHSE", "5300"),
    ("TARGET", "5310"),
    ("HOME DEPOT", "5200"),
    ("IKEA", "5712"),
    ("AMC", "7832"),
    ("MARRIOTT HOTEL", "3509"),
    ("UNITED", "3000"),
    ("CVS/PHARMACY", "5912"),
]
PREFIXES = np.array(
    ["", "", "", "SQ *", "TST* ", "PAYPAL *", "POS PURCHASE ", "SP * ", "支付宝-"], dtype=object
)
CITIES = np.array(
    [
        "SAN FRANCISCO CA",
        "NEW YORK NY",
        "SEATTLE WA",
        "LONDON GB",
        "AUSTIN TX",
        "CHICAGO IL",
        "BOSTON MA",
        "TORONTO ON",
        "SYDNEY AU",
        "SHANGHAI CN",
        "",
        "",
    ],
    dtype=object,
)
KINDS = np.array(
    ["purchase", "refund", "fee", "interest", "repayment", "cash_advance"], dtype=object
)
KIND_WEIGHTS = [0.90, 0.04, 0.02, 0.01, 0.02, 0.01]


def merchants(count: int, rng: np.random.Generator) -> pd.DataFrame:
    """Merchant names with an MCC (sometimes missing) and the sub-category a person would give."""
    names, mccs, subs = [], [], []
    for raw, mcc in WELL_KNOWN:
        names.append(raw)
        mccs.append(mcc)
        subs.append(None)
    seen = set(names)
    while len(names) < count:
        first = FIRST_WORDS[rng.integers(len(FIRST_WORDS))]
        middle = MIDDLE_WORDS[rng.integers(len(MIDDLE_WORDS))]
        last, mcc, sub = KINDS_OF_SHOP[rng.integers(len(KINDS_OF_SHOP))]
        name = f"{first} {middle} {last}".upper()
        if name in seen:
            continue
        seen.add(name)
        names.append(name)
        mccs.append(None if rng.random() < 0.1 else mcc)
        subs.append(sub)
    return pd.DataFrame({"name": names, "mcc": mccs, "sub_category": subs})


def transactions(
    rows: int, shops: pd.DataFrame, users: int, unique_share: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Synthetic transactions with descriptors as card networks spell them."""
    # Skewed popularity, as in real spending.
    shop = np.minimum(rng.zipf(1.3, size=rows), len(shops)) - 1
    names = shops["name"].to_numpy(dtype=object)[shop]
    store = rng.integers(0, 6, size=rows)  # each merchant has a handful of branches
    prefix = PREFIXES[rng.integers(0, len(PREFIXES), size=rows)]
    city = CITIES[(shop + store) % len(CITIES)]
    branch = np.char.add("#", (shop * 7 + store).astype(str)).astype(object)
    description = prefix + names + " " + branch + " " + city
    # Online orders carry a fresh reference code each time.
    online = rng.random(rows) < unique_share
    references = np.char.add(
        "AMZN Mktp US*", rng.integers(10**8, 10**9, size=online.sum()).astype(str)
    )
    description[online] = references.astype(object)
    return pd.DataFrame(
        {
            "description": description,
            "mcc": shops["mcc"].to_numpy(dtype=object)[shop],
            "kind": KINDS[rng.choice(len(KINDS), size=rows, p=KIND_WEIGHTS)],
            "user_id": rng.integers(1, users + 1, size=rows),
            "shop": shop,
        }
    )


def operator_rules(count: int, shops: pd.DataFrame, rng: np.random.Generator) -> list[Rule]:
    """Operator rules naming synthetic merchants, half exact and half contains."""
    subs = shops["sub_category"].dropna().unique().tolist()
    picks = rng.choice(np.arange(len(WELL_KNOWN), len(shops)), size=count, replace=False)
    rules = []
    for number, index in enumerate(picks):
        name = shops["name"].iloc[index]
        match = "exact" if number % 2 else "contains"
        rules.append(
            Rule(f"op-{number}", "operator", match, name, subs[number % len(subs)], name.title())
        )
    return rules


def user_rules(count: int, shops: pd.DataFrame, rng: np.random.Generator) -> dict[int, list[Rule]]:
    """User rules for the first few users (five each), on merchants they might visit."""
    by_user: dict[int, list[Rule]] = {}
    popular = shops["name"].iloc[: min(len(shops), 200)].tolist()
    for number in range(count):
        user = 1 + number // 5
        name = popular[rng.integers(len(popular))]
        by_user.setdefault(user, []).append(
            Rule(f"user-{number}", "user", "exact", name, "restaurants", normalise_merchant(name))
        )
    return by_user


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Wall time of the first call, median of `repeat` calls (seconds), and the last result."""
    samples = []
    result: object = None
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
    print(f"  runs: {', '.join(f'{sample:.3f}s' for sample in samples)}")
    return samples[0], statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--merchants", type=int, default=3_000)
    parser.add_argument("--patterns", type=int, default=1_000, help="operator rules added")
    parser.add_argument("--user-rules", type=int, default=100)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument(
        "--unique-share",
        type=float,
        default=0.05,
        help="share of rows that are online orders with a fresh reference code",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20_241_127)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    shops = merchants(args.merchants, rng)
    frame = transactions(args.rows, shops, args.users, args.unique_share, rng)
    categoriser = Categoriser(operator_rules=operator_rules(args.patterns, shops, rng))
    rules_by_user = user_rules(args.user_rules, shops, rng)

    # The first call starts with cold token caches; later calls show a long-lived process.
    engine_first, engine_seconds, out = timed(
        lambda: categoriser.categorise_frame(frame, user_rules=rules_by_user), args.repeat
    )
    assert isinstance(out, pd.DataFrame)

    # Baseline: each row's merchant key is already known; look its sub-category up in a dict.
    shop_keys = np.array(
        [merchant_key(normalise_merchant(name)) for name in shops["name"]], dtype=object
    )
    lookup = {
        key: sub or "unrecognised"
        for key, sub in zip(shop_keys, shops["sub_category"], strict=True)
    }
    row_keys = shop_keys[frame["shop"].to_numpy()].tolist()
    _, baseline_seconds, _ = timed(lambda: [lookup[key] for key in row_keys], args.repeat)

    rows = len(frame)
    print(f"rows                    {rows:>12,}")
    print(f"distinct descriptions   {frame['description'].nunique():>12,}")
    print(f"distinct merchant names {out['merchant_name'].nunique():>12,}")
    print(f"operator rules          {args.patterns:>12,}")
    print(f"user rules              {sum(len(r) for r in rules_by_user.values()):>12,}")
    print(f"categorise_frame, first {engine_first:>11.3f}s  {rows / engine_first:>12,.0f} tx/s")
    print(f"categorise_frame, median{engine_seconds:>11.3f}s  {rows / engine_seconds:>12,.0f} tx/s")
    print(
        f"dict lookup baseline    {baseline_seconds:>11.3f}s  {rows / baseline_seconds:>12,.0f} tx/s"
    )
    print(
        f"engine / baseline time  {engine_seconds / baseline_seconds:>11.1f}x (median over median)"
    )
    sources = out["category_source"].value_counts()
    print("decided by              " + ", ".join(f"{k} {v:,}" for k, v in sources.items()))


if __name__ == "__main__":
    main()
