"""Mail folder channel: writes each email as an `.eml` file (and its HTML part as `.html`).

For the embedded demo and development: no relay needed, and the files open in any mail client
or browser. Credentials: none; the folder is created on first use. File names start with the
UTC time and a sequence number, so a listing reads in the order they were sent.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from channels._base import Channel, Clock, utc_now
from channels._messages import OutboundMessage, SendResult
from channels.errors import TransientError
from channels.smtp import EmailChannel, compose_email

__all__ = ["MailFolderChannel", "MailFolderSettings"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class MailFolderSettings:
    """Where the files go, and the address they are from."""

    folder: Path
    from_address: str = "billbot <digest@billbot.localhost>"


class MailFolderChannel(Channel):
    """Email written to a folder: `<time>-<n>-<recipient>.eml`, and `.html` for the HTML part."""

    name = "email"  # it stands in for the SMTP channel
    settings_class = MailFolderSettings
    capabilities = EmailChannel.capabilities

    def __init__(self, settings: MailFolderSettings, *, clock: Clock = utc_now) -> None:
        super().__init__(clock=clock)
        self.settings = settings
        self._counter = itertools.count(1)

    def paths(self, message: OutboundMessage) -> tuple[Path, Path | None]:
        """Where `message` will be written: the `.eml` file and the `.html` preview (if HTML)."""
        at = self._clock()
        who = _UNSAFE.sub("_", message.recipient)[:60] or "recipient"
        stem = f"{at:%Y%m%dT%H%M%S}-{next(self._counter):04d}-{who}"
        folder = Path(self.settings.folder)
        return folder / f"{stem}.eml", (folder / f"{stem}.html") if message.html else None

    def write(self, message: OutboundMessage) -> tuple[Path, Path | None]:
        """Write the email (and its HTML preview) and return their paths."""
        email = compose_email(message, from_address=self.settings.from_address, at=self._clock())
        eml, html = self.paths(message)
        try:
            eml.parent.mkdir(parents=True, exist_ok=True)
            eml.write_bytes(bytes(email))
            if html is not None and message.html is not None:
                html.write_text(message.html, encoding="utf-8")
        except OSError as exc:
            raise TransientError(f"mailfolder: cannot write {eml}: {exc}") from exc
        return eml, html

    async def send(self, message: OutboundMessage) -> SendResult:
        """Write the files; the provider message id is the `.eml` path."""
        eml, _ = await asyncio.to_thread(self.write, message)
        return SendResult(provider_message_id=str(eml))
