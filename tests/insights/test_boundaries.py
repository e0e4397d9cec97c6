"""insights stays pure: it never imports the core, a database or I/O layers."""

from __future__ import annotations

import ast
from pathlib import Path

import insights

FORBIDDEN = ("billbot", "channels", "sqlalchemy", "sqlmodel", "fastapi", "httpx")


def test_insights_imports_nothing_from_the_core() -> None:
    package = Path(insights.__file__).parent
    imported = set()
    for module in package.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    assert imported.isdisjoint(FORBIDDEN), sorted(imported & set(FORBIDDEN))
