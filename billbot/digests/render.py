"""Rendering the digest email: Jinja2 templates per language, the HTML's CSS inlined.

Each language has a subject, a plain-text and an HTML template (`templates/`); the HTML ones
share `base.html.j2`, a single-column table layout that fits a phone (no fixed widths over
600 px, text wraps), with bar charts made of table cells: no images, no scripts. The
stylesheet is written once in the template's `<style>` and moved onto each element by
css-inline, since many mail clients drop `<style>` blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from billbot.locales import language_of

TEMPLATES = Path(__file__).resolve().parent / "templates"
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


@dataclass(frozen=True)
class RenderedDigest:
    """One digest email's parts (headers are added when it is addressed)."""

    subject: str
    text: str
    html: str


@lru_cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_digest(content: dict[str, Any]) -> RenderedDigest:
    """Render the subject, plain text and inlined HTML of a digest from `digest_content`."""
    language = language_of(str(content["locale"]))
    env = _environment()
    subject = " ".join(env.get_template(f"subject.{language}.txt.j2").render(content).split())
    text = env.get_template(f"digest.{language}.txt.j2").render(content)
    html = env.get_template(f"digest.{language}.html.j2").render(content, subject=subject)
    return RenderedDigest(subject=subject, text=_tidy(text), html=_INLINER.inline(html))


def _tidy(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, one newline at the end."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if not line and kept and not kept[-1]:
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"
