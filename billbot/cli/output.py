"""How CLI commands speak: JSON on stdout for results, plain words on stderr for errors."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from billbot.errors import BillbotError


def emit(payload: Any) -> None:
    """Print a result as indented JSON."""
    print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error a person can act on and exit non-zero."""
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def fail_from(exc: BillbotError) -> NoReturn:
    """Report a domain error with its stable code."""
    fail(f"{exc.message} [{exc.code}]", code=2)
