"""Opt-out, opt-in and help keywords honoured on every channel (SMS carrier keywords and more)."""

from __future__ import annotations

from datetime import datetime

from channels._inbound import HelpRequested, InboundEvent, OptIn, OptOut, TextReceived

__all__ = ["HELP_KEYWORDS", "OPT_IN_KEYWORDS", "OPT_OUT_KEYWORDS", "keyword_event"]

# Twilio's standard opt-out/opt-in/help keywords plus common Chinese equivalents.
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "TD", "退订"}
)
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP", "SUBSCRIBE", "订阅", "恢复订阅"})
HELP_KEYWORDS = frozenset({"HELP", "INFO", "帮助"})

_TRIM = " \t\r\n.!。！"


def keyword_event(
    *, sender: str, text: str, provider_message_id: str, chat_id: str, at: datetime
) -> InboundEvent:
    """A `TextReceived`, or an opt-out/opt-in/help event when the whole text is such a keyword."""
    keyword = text.strip(_TRIM).upper()
    common = {"sender": sender, "provider_message_id": provider_message_id, "chat_id": chat_id}
    if keyword in OPT_OUT_KEYWORDS:
        return OptOut(keyword=keyword, at=at, **common)
    if keyword in OPT_IN_KEYWORDS:
        return OptIn(keyword=keyword, at=at, **common)
    if keyword in HELP_KEYWORDS:
        return HelpRequested(keyword=keyword, at=at, **common)
    return TextReceived(text=text, at=at, **common)
