"""Rendering scenario messages from Jinja2 templates, in the borrower's language and currency."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    nodes,
    select_autoescape,
)

from billbot.money import format_money

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOCALES = ("en", "zh-CN")


@lru_cache
def _environment() -> Environment:
    # Escaping applies to .html templates only: chat and SMS text goes out as written.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    )


def render(scenario: str, locale: str, **values: Any) -> str:
    """The scenario's message in `locale` (English when the locale has no template)."""
    language = locale if locale in LOCALES else "en"
    pieces = _substitution(scenario, language)
    if pieces is not None:
        try:
            return "".join([str(values[p]) if k else p for k, p in pieces]).strip()
        except KeyError:
            pass  # Jinja names the missing value
    return _template(scenario, language).render(**values).strip()


@lru_cache(maxsize=256)
def _substitution(scenario: str, language: str) -> tuple[tuple[bool, str], ...] | None:
    """A template that only writes text and plain `{{ name }}`s, as (is a name, text or name)
    pieces: filling those in gives exactly Jinja's output, without a render context per message
    (sweeps render thousands). None for a template with anything more (filters, tags)."""
    environment = _environment()
    source = environment.loader.get_source(environment, f"{scenario}.{language}.txt.j2")[0]  # type: ignore[union-attr]
    pieces: list[tuple[bool, str]] = []
    for statement in environment.parse(source).body:
        if not isinstance(statement, nodes.Output):
            return None
        for node in statement.nodes:
            if isinstance(node, nodes.TemplateData):
                pieces.append((False, node.data))
            elif isinstance(node, nodes.Name) and node.ctx == "load":
                pieces.append((True, node.name))
            else:
                return None
    return tuple(pieces)


@lru_cache(maxsize=256)
def _template(scenario: str, language: str) -> Template:
    # Loaded once per process: sweeps render thousands of messages a run.
    return _environment().get_template(f"{scenario}.{language}.txt.j2")


def load_templates() -> int:
    """Compile every scenario template now (each is compiled once per process, else on its
    first message: a few ms a borrower's post would pay); returns how many there are."""
    names = sorted(TEMPLATES.glob("*.txt.j2"))
    for path in names:
        scenario, language = path.name.removesuffix(".txt.j2").rsplit(".", 1)
        if _substitution(scenario, language) is None:
            _template(scenario, language)
    return len(names)


@lru_cache(maxsize=4096)
def money(amount_minor: int, currency: str, locale: str) -> str:
    """An amount as the borrower reads it."""
    return format_money(amount_minor, currency, locale)
