"""Console channel: prints a readable rendering of each message, for the embedded demo.

Credentials: none. Writes to a text stream (standard output by default) or to a logger.
"""

from __future__ import annotations

import itertools
import logging
import sys
from dataclasses import dataclass
from typing import TextIO

from channels._base import Channel, Clock, utc_now
from channels._capabilities import ButtonLimits, Capabilities
from channels._messages import OutboundMessage, SendResult

__all__ = ["ConsoleChannel", "ConsoleSettings"]


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """Where to write: a logger (at INFO) if given, else `stream`, else standard output."""

    stream: TextIO | None = None
    logger: logging.Logger | None = None


class ConsoleChannel(Channel):
    """Shows what would be sent; never fails."""

    name = "console"
    settings_class = ConsoleSettings
    capabilities = Capabilities(
        max_text_length=None,
        buttons=ButtonLimits(max_count=10),
        inbound=False,
    )

    def __init__(self, settings: ConsoleSettings | None = None, *, clock: Clock = utc_now) -> None:
        super().__init__(clock=clock)
        self.settings = settings or ConsoleSettings()
        self._counter = itertools.count(1)

    def rendering(self, message: OutboundMessage) -> str:
        """The text block printed for `message`."""
        lines = [f"--- to {message.recipient} at {self._clock():%Y-%m-%d %H:%M:%S %Z} ---"]
        if message.subject:
            lines.append(f"Subject: {message.subject}")
        if (template := message.template) is not None:
            params = ", ".join(template.params)
            lines.append(f"[template {template.name}/{template.language}: {params}]")
        lines.append(message.text)
        lines.extend(f"  [{n}] {b.title}  ({b.id})" for n, b in enumerate(message.buttons, 1))
        return "\n".join(lines)

    async def send(self, message: OutboundMessage) -> SendResult:
        """Write the rendering and return a sequential id."""
        text = self.rendering(message)
        if self.settings.logger is not None:
            self.settings.logger.info("%s", text)
        else:
            stream = self.settings.stream or sys.stdout
            stream.write(text + "\n\n")
            stream.flush()
        return SendResult(provider_message_id=f"console-{next(self._counter)}")
