"""Plain-substitution templates are filled without Jinja's render context, to the same text."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError, meta

from billbot.scenarios.messages import TEMPLATES, _environment, _substitution, _template, render

NAMES = sorted(p.name for p in TEMPLATES.glob("*.txt.j2"))


def _parts(name: str) -> tuple[str, str]:
    scenario, language, *_ = name.split(".")
    return scenario, language


@pytest.mark.parametrize("name", NAMES)
def test_fast_text_equals_jinja_text(name: str) -> None:
    scenario, language = _parts(name)
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    has_tags = "{%" in source or "|" in source.replace("||", "")
    pieces = _substitution(scenario, language)
    if pieces is None:
        assert has_tags  # only templates with filters or tags go through Jinja
        return
    variables = meta.find_undeclared_variables(_environment().parse(source))
    assert variables  # every message names something
    values: dict[str, object] = {v: f"<{v}> & 名 {{x}}\n" for v in sorted(variables)}
    values[sorted(variables)[0]] = 1234  # not a string: written as str() writes it
    expected = _template(scenario, language).render(**values).strip()
    assert render(scenario, language, **values) == expected
    assert render(scenario, "fr", **values) == render(scenario, "en", **values)


def test_due_soon_is_filled_without_jinja() -> None:
    assert _substitution("due_soon", "en") is not None
    assert _substitution("overdue", "zh-CN") is not None


def test_missing_value_is_jinja_error() -> None:
    with pytest.raises(UndefinedError, match="when"):
        render("due_soon", "en", name="A", account="Visa", amount="$1", minimum="$1", due_date="x")


def test_every_template_is_compiled_at_start_and_not_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from billbot.scenarios import messages

    _template.cache_clear()
    _substitution.cache_clear()
    assert messages.load_templates() == len(NAMES)
    compiled = _template.cache_info().currsize
    assert compiled == sum(_substitution(*_parts(name)) is None for name in NAMES) > 0

    def no_loading(*args: object) -> object:
        raise AssertionError("a template was loaded after start")

    monkeypatch.setattr(messages._environment(), "get_template", no_loading)
    for name in NAMES:
        scenario, language = _parts(name)
        if _substitution(scenario, language) is None:
            assert _template(scenario, language) is not None
