"""Merchant normalisation: real-looking descriptors to the names people expect; key stability."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from billbot.categorize import merchant_key, normalise_merchant

SAMPLE = Path(__file__).parent / "data" / "labelled_sample.csv"

CASES = [
    ("SQ *BLUE BOTTLE COFFEE #123 SAN FRANCISCO CA", "Blue Bottle Coffee"),
    ("BLUE BOTTLE COFFEE 0456", "Blue Bottle Coffee"),
    ("BLUE BOTTLE COFFEE CO", "Blue Bottle Coffee"),
    ("STARBUCKS STORE 08123 SEATTLE WA", "Starbucks"),
    ("POS PURCHASE STARBUCKS 800-782-7282 WA", "Starbucks"),
    ("TST* PHILZ COFFEE - MISSION SAN FRANCISCO CA", "Philz Coffee"),
    ("TST*NOPALITO SAN FRANCISCO CA", "Nopalito"),
    ("SQU*SQ *JOE'S PIZZA BROOKLYN NY", "Joe's Pizza"),
    ("PAYPAL *SPOTIFY 4029357733", "Spotify"),
    ("PP*DISNEYPLUS 4029357733", "Disneyplus"),
    ("SP * ALLBIRDS SAN FRANCISCO CA", "Allbirds"),
    ("SP GYMSHARK", "Gymshark"),
    ("SP GROUP SINGAPORE SG", "SP Group"),
    ("IZ *COFFEE CART BRIGHTON GB", "Coffee Cart"),
    ("SUMUP *BARBER SHOP LONDON GB", "Barber Shop"),
    ("AMZN Mktp US*2K3LM45Q1 Amzn.com/bill WA", "Amazon Marketplace"),
    ("AMAZON.COM*MK1AB2CD3 AMZN.COM/BILL WA", "Amazon.com"),
    ("GOOGLE *Google One 650-253-0000 CA", "Google One"),
    ("GOOGLE *CLOUD F3KD92 g.co/helppay#", "Google Cloud"),
    ("APPLE.COM/BILL 866-712-7753 CA", "Apple.com/Bill"),
    ("DD *DOORDASH CHIPOTLE 855-973-1040 CA", "DoorDash"),
    ("DOORDASH*SWEETGREEN SAN FRANCISCO CA", "DoorDash"),
    ("UBER *EATS PENDING", "Uber Eats"),
    ("UBER *TRIP HELP.UBER.COM CA", "Uber"),
    ("LYFT *RIDE SUN 5PM", "Lyft"),
    ("VISA PURCHASE CONTACTLESS TESCO STORES 3297 LONDON GB", "Tesco Stores"),
    ("CARD 1234 WALGREENS #12345 CHICAGO IL", "Walgreens"),
    ("PURCHASE AUTHORIZED ON 03/14 SAFEWAY #1234 OAKLAND CA CARD 5678", "Safeway"),
    ("MCDONALD'S F12345 CHICAGO IL", "McDonald's"),
    ("TRADER JOE S #552 QPS PORTLAND OR", "Trader Joe's"),
    ("RITE AID STORE - 5512", "Rite Aid"),
    ("THE UPS STORE 1234 SAN DIEGO CA", "The UPS Store"),
    ("WESTERN UNION 800-325-6000 CO", "Western Union"),
    ("ROGERS WIRELESS 888-764-3771 ON", "Rogers Wireless"),
    ("SONIC DRIVE IN #4521", "Sonic Drive In"),
    ("AIR FRANCE 0572345678901", "Air France"),
    ("AMERICAN AIR0012345678901 FORT WORTH TX", "American Air"),
    ("SEVEN-ELEVEN JAPAN TOKYO JP", "Seven-Eleven"),
    ("UNIQLO USA 5TH AVE NEW YORK NY", "Uniqlo"),
    ("GITHUB, INC. GITHUB.COM CA", "GitHub"),
    ("JUST EAT.CO.UK LTD LONDON GB", "Just Eat"),
    ("NCP LTD CAR PARK BIRMINGHAM GB", "NCP Car Park"),
    ("ZALANDO SE BERLIN DE", "Zalando"),
    ("BP#9412345 CIRCLE K", "BP Circle K"),
    ("CVS/PHARMACY #04521 BOSTON MA", "CVS/Pharmacy"),
    ("ＳＴＡＲＢＵＣＫＳ　上海", "Starbucks"),
    ("支付宝-瑞幸咖啡", "瑞幸咖啡"),
    ("财付通-瑞幸咖啡(北京国贸店)", "瑞幸咖啡"),
    ("微信支付-星巴克（上海南京西路店）", "星巴克"),
    ("拉扎斯网络科技(上海)有限公司", "拉扎斯网络科技"),
    ("美团外卖", "美团外卖"),
    ("转账-张三", "转账-张三"),
    ("MANNER COFFEE 上海", "Manner Coffee"),
    ("ALIPAY*HEMA FRESH SHANGHAI CN", "Hema Fresh"),
    ("   ", ""),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise_merchant(raw) == expected


def test_spec_examples_group_together() -> None:
    first = normalise_merchant("SQ *BLUE BOTTLE COFFEE #123 SAN FRANCISCO CA")
    second = normalise_merchant("BLUE BOTTLE COFFEE 0456")
    assert first == second == "Blue Bottle Coffee"
    assert merchant_key(first) == merchant_key(second) == "blue bottle coffee"


def _sample_descriptions() -> list[str]:
    with SAMPLE.open(encoding="utf-8") as handle:
        return [row["description"] for row in csv.DictReader(handle)]


def test_normalising_twice_changes_nothing() -> None:
    for raw in [raw for raw, _ in CASES] + _sample_descriptions():
        once = normalise_merchant(raw)
        assert normalise_merchant(once) == once, raw


def test_descriptors_never_normalise_to_nothing() -> None:
    for raw in _sample_descriptions():
        assert normalise_merchant(raw), raw
    assert normalise_merchant("POS 1234") == "1234"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("McDonald's", "mcdonalds"),
        ("MCDONALD’S", "mcdonalds"),
        ("H&M", "hm"),
        ("7-Eleven", "7 eleven"),
        ("Café Nero", "cafe nero"),
        ("ＫＦＣ", "kfc"),
        ("Starbucks星巴克", "starbucks 星巴克"),
        ("瑞幸咖啡 LUCKIN", "瑞幸咖啡 luckin"),
        ("Apple.com/Bill", "apple com bill"),
        ("  blue-bottle   COFFEE ", "blue bottle coffee"),
        ("", ""),
    ],
)
def test_merchant_key(name: str, key: str) -> None:
    assert merchant_key(name) == key


def test_key_is_stable_across_spellings_of_one_name() -> None:
    spellings = [
        "Blue Bottle Coffee",
        "BLUE BOTTLE COFFEE",
        "blue-bottle coffee",
        "Blue  Bottle\tCoffee",
    ]
    assert len({merchant_key(spelling) for spelling in spellings}) == 1
    assert merchant_key(merchant_key("Peet's Coffee")) == merchant_key("Peet's Coffee")
