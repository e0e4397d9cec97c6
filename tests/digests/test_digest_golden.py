"""The rendered text and HTML of a fixed report match the stored goldens.

Refresh them after an intended change with `BILLBOT_REFRESH_GOLDEN=1 pytest tests/digests`.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from billbot.digests.content import AlsoThisWeek, DigestLinks, digest_content
from billbot.digests.render import render_digest

GOLDEN = Path(__file__).resolve().parent / "golden"
LINKS = DigestLinks(
    unsubscribe="https://billbot.example/v1/digest/unsubscribe?token=v1.1.sig",
    manage="https://billbot.example/v1/digest/manage?token=v1.1.sig",
    app="https://billbot.example/",
)
ALSO = [AlsoThisWeek(day=date(2026, 11, 12), text="Your Everyday Card statement is ready.")]


def _check(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("BILLBOT_REFRESH_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no golden {name}: run with BILLBOT_REFRESH_GOLDEN=1 once"
    assert rendered == path.read_text(encoding="utf-8"), f"{name} changed"


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_digest_matches_golden(fixed_report: dict[str, Any], locale: str) -> None:
    content = digest_content(fixed_report, locale=locale, name="Mei", links=LINKS, also=ALSO)
    digest = render_digest(content)
    _check(f"digest.{locale}.subject.txt", digest.subject + "\n")
    _check(f"digest.{locale}.txt", digest.text)
    _check(f"digest.{locale}.html", digest.html)


def test_html_is_email_safe(fixed_report: dict[str, Any]) -> None:
    html = render_digest(
        digest_content(fixed_report, locale="en", name="Mei", links=LINKS, also=ALSO)
    ).html
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<link" not in lowered
    assert "<style" not in lowered  # inlined onto the elements
    assert 'line-height: 1px;width: 100%" width="100%"' in html  # the widest bar of a chart
    assert "background-color: #4c6fff" in html  # the bar's colour came from the stylesheet
    assert "max-width: 600px" in html and 'name="viewport"' in html


def test_labels_and_amounts_follow_the_locale(fixed_report: dict[str, Any]) -> None:
    zh = render_digest(digest_content(fixed_report, locale="zh-CN", name="美", links=LINKS))
    en = render_digest(digest_content(fixed_report, locale="en", name="Mei", links=LINKS))
    total = fixed_report["currencies"][0]["total_spent_minor"]
    assert total > 0
    assert "本周消费" in zh.text and "外卖" in zh.text and "理想账单" in zh.html
    assert "¥" in zh.text and "CN¥" not in zh.text
    assert "Spent this week" in en.html.replace("SPENT THIS WEEK", "Spent this week")
    assert "Food delivery" in en.text and "CN¥" in en.text
    # Limits show what is left per day; dues and installments in the next 14 days are listed.
    assert "a day for 15 days" in en.text and "Phone installment 3/12" in en.text
    assert "11月20日" in zh.text and "Nov 20" in en.text
    # Escaped in HTML, as written in text.
    evil = dict(fixed_report, touch={"text": {"en": "<b>x</b> & y", "zh-CN": "x"}})
    rendered = render_digest(digest_content(evil, locale="en", name="<Mei>", links=LINKS))
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in rendered.html and "&lt;Mei&gt;" in rendered.html
    assert "<b>x</b> & y" in rendered.text
