"""Structured logging with a request id, and masking of card and phone numbers."""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str] = ContextVar("request_id", default="-")

# 13-19 digits, optionally grouped by spaces or dashes: a card number (PAN).
_CARD = re.compile(r"\b(?:\d[ -]?){9,15}(\d{4})\b")
# International or long local phone numbers: keep the last two digits.
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ()-]{6,}(\d{2})\b")


def mask(text: str) -> str:
    """Hide card and phone numbers, keeping the last digits a person needs to recognise them."""
    text = _CARD.sub(lambda m: "**** " + m.group(1), text)
    return _PHONE.sub(lambda m: "***" + m.group(1), text)


class _MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(mask(a) if isinstance(a, str) else a for a in args)
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update({k: mask(v) if isinstance(v, str) else v for k, v in fields.items()})
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(level: str = "INFO", *, as_json: bool = False) -> None:
    """Install billbot's handler once (masked, request id on every line); set the level."""
    root = logging.getLogger("billbot")
    root.setLevel(level)
    if any(getattr(h, "_billbot", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler._billbot = True  # type: ignore[attr-defined]
    handler.addFilter(_MaskingFilter())
    if as_json:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s")
        )
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


def event(logger: logging.Logger, name: str, **fields: Any) -> None:
    """Log a dotted event name with fields (`import.done`, rows=…)."""
    rendered = " ".join(f"{k}={mask(str(v))}" for k, v in fields.items())
    logger.info("%s %s", name, rendered, extra={"fields": fields})
