"""Merchants the demo borrower spends at: raw statement text, MCC, typical amount, visits a week."""

from __future__ import annotations

from typing import NamedTuple


class DemoMerchant(NamedTuple):
    raw: str
    mcc: str
    low: int  # minor units
    high: int
    per_week: float


# A Shanghai professional's card (CNY): everyday life with a food-delivery habit.
CNY_MERCHANTS: tuple[DemoMerchant, ...] = (
    DemoMerchant("瑞幸咖啡 LUCKIN COFFEE #0231 SHANGHAI", "5814", 1500, 3200, 4.0),
    DemoMerchant("STARBUCKS 星巴克 静安店", "5814", 3000, 5500, 1.0),
    DemoMerchant("美团外卖 MEITUAN WAIMAI", "5812", 2500, 9000, 3.5),
    DemoMerchant("饿了么 ELE.ME 外卖", "5812", 2200, 7000, 1.5),
    DemoMerchant("盒马鲜生 FRESHIPPO 0451", "5411", 6000, 32000, 1.2),
    DemoMerchant("全家便利店 FAMILYMART 1203", "5499", 800, 3500, 2.0),
    DemoMerchant("滴滴出行 DIDI CHUXING", "4121", 1800, 6500, 2.5),
    DemoMerchant("上海地铁 SHANGHAI METRO", "4111", 300, 900, 6.0),
    DemoMerchant("中国石化 SINOPEC 加油站", "5541", 25000, 42000, 0.3),
    DemoMerchant("海底捞火锅 HAIDILAO HOT POT", "5812", 18000, 45000, 0.4),
    DemoMerchant("京东商城 JD.COM", "5311", 5000, 80000, 0.6),
    DemoMerchant("天猫 TMALL 旗舰店", "5399", 4000, 60000, 0.5),
    DemoMerchant("优衣库 UNIQLO 南京西路店", "5651", 9900, 49900, 0.2),
    DemoMerchant("屈臣氏 WATSONS", "5912", 3000, 15000, 0.3),
    DemoMerchant("万达影城 WANDA CINEMA", "7832", 4500, 12000, 0.3),
    DemoMerchant("爱奇艺 IQIYI VIP 会员", "4899", 2500, 2500, 0.23),
    DemoMerchant("中国移动 CHINA MOBILE 话费", "4814", 12800, 12800, 0.23),
    DemoMerchant("国家电网 STATE GRID 电费", "4900", 15000, 38000, 0.23),
    DemoMerchant("健身房 PURE FITNESS", "7997", 58000, 58000, 0.23),
    DemoMerchant("携程旅行 CTRIP TRIP.COM", "4722", 60000, 240000, 0.05),
    DemoMerchant("大众点评 DIANPING 餐厅", "5812", 8000, 30000, 0.6),
    DemoMerchant("宠物医院 PET HOSPITAL", "0742", 20000, 80000, 0.05),
    DemoMerchant("新东方 NEW ORIENTAL 课程", "8299", 150000, 150000, 0.03),
    DemoMerchant("美团单车 MEITUAN BIKE", "4121", 150, 450, 1.5),
    DemoMerchant("叮咚买菜 DINGDONG", "5411", 4000, 15000, 0.8),
)

# A travel card in USD: trips, subscriptions and online shopping.
USD_MERCHANTS: tuple[DemoMerchant, ...] = (
    DemoMerchant("NETFLIX.COM 866-579-7172 CA", "4899", 1549, 1549, 0.23),
    DemoMerchant("SPOTIFY USA 877-778-1161", "5815", 1199, 1199, 0.23),
    DemoMerchant("APPLE.COM/BILL ITUNES.COM", "5818", 299, 999, 0.3),
    DemoMerchant("AMZN Mktp US*2K3LM0QZ1", "5942", 1200, 8900, 0.5),
    DemoMerchant("UBER *TRIP HELP.UBER.COM", "4121", 1100, 4500, 0.4),
    DemoMerchant("SQ *BLUE BOTTLE COFFEE #12 SAN FRANCISCO CA", "5814", 550, 900, 0.3),
    DemoMerchant("UNITED AIRLINES 0162345", "3000", 32000, 98000, 0.03),
    DemoMerchant("MARRIOTT HOTELS SAN FRANCISCO", "3509", 21000, 48000, 0.05),
    DemoMerchant("STEAMGAMES.COM 4259522985", "5816", 999, 5999, 0.15),
    DemoMerchant("PAYPAL *ETSY INC", "5999", 1500, 6500, 0.1),
)
