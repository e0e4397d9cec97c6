"""The digest HTML in headless Chromium: screenshots at 375 and 1024 px, no sideways scroll."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import pytest

from billbot.digests.content import AlsoThisWeek, DigestLinks, digest_content
from billbot.digests.render import render_digest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on this machine")
LINKS = DigestLinks(
    unsubscribe="https://billbot.example/v1/digest/unsubscribe?token=v1.1.sig",
    manage="https://billbot.example/v1/digest/manage?token=v1.1.sig",
    app="https://billbot.example/",
)


def _chromium(tmp: Path, *args: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(  # noqa: S603 - a fixed local binary and our own files
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={tmp / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _widths(tmp: Path, html: str, width: int) -> tuple[int, int]:
    """The page's scroll width and visible width inside a frame exactly `width` px wide."""
    probe = tmp / f"probe-{width}.html"
    probe.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="f" style="width:{width}px;height:900px;border:0" '
        f'srcdoc="{escape(html, quote=True)}"></iframe>'
        '<script>window.addEventListener("load", function () {'
        'var d = document.getElementById("f").contentDocument.documentElement;'
        'document.body.setAttribute("data-scroll", String(d.scrollWidth));'
        'document.body.setAttribute("data-client", String(d.clientWidth));});</script>'
        "</body></html>",
        encoding="utf-8",
    )
    dom = _chromium(tmp, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    found = re.search(r'data-scroll="(\d+)" data-client="(\d+)"', dom)
    assert found, dom[-500:]
    return int(found.group(1)), int(found.group(2))


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_digest_fits_a_phone_and_a_desktop(
    fixed_report: dict[str, Any], tmp_path: Path, locale: str
) -> None:
    also = [AlsoThisWeek(date(2026, 11, 12), "Your Everyday Card statement is ready.")]
    html = render_digest(
        digest_content(fixed_report, locale=locale, name="Mei", links=LINKS, also=also)
    ).html
    page = tmp_path / f"digest.{locale}.html"
    page.write_text(html, encoding="utf-8")
    for width in (375, 1024):
        shot = tmp_path / f"digest.{locale}.{width}.png"
        _chromium(tmp_path, f"--window-size={width},2600", f"--screenshot={shot}", page.as_uri())
        assert _png_size(shot) == (width, 2600)
        assert shot.stat().st_size > 20_000  # something was drawn
    scroll, client = _widths(tmp_path, html, 375)
    assert client == 375
    assert scroll <= client, f"{scroll - client}px of sideways scrolling at 375 px"


def test_the_probe_sees_sideways_scrolling(tmp_path: Path) -> None:
    wide = '<!DOCTYPE html><html><body><div style="width:600px">wide</div></body></html>'
    scroll, client = _widths(tmp_path, wide, 375)
    assert client == 375 and scroll > 375
