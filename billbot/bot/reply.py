"""What the bot answers: text, optional buttons, and the language it is written in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BotReply:
    """One answer; `buttons` are (button id, title) pairs, the shape `outbox.enqueue` takes."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    locale: str = "en"
