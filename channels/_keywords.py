"""Opt-out, opt-in and help keywords honoured on every channel (SMS carrier keywords and more)."""

from __future__ import annotations

from datetime import datetime

from channels._inbound import HelpRequested, InboundEvent, OptIn, OptOut, TextReceived

__all__ = ["HELP_KEYWORDS", "OPT_IN_KEYWORDS", "OPT_OUT_KEYWORDS", "keyword_event"]

# Twilio's standard opt-out/opt-in/help keywords plus common Chinese equivalents. Carriers give
# these words their meaning on SMS only: in a chat app "cancel" or "yes" is ordinary conversation,
# so chat channels honour the narrow, unambiguous set below.
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "TD", "退订"}
)
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP", "SUBSCRIBE", "订阅", "恢复订阅"})
HELP_KEYWORDS = frozenset({"HELP", "INFO", "帮助"})
CHAT_OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "OPTOUT", "退订"})
CHAT_OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE", "订阅", "恢复订阅"})
CHAT_HELP_KEYWORDS = frozenset({"HELP", "帮助"})

_TRIM = " \t\r\n.!。！"


def keyword_event(
    *,
    sender: str,
    text: str,
    provider_message_id: str,
    chat_id: str,
    at: datetime,
    carrier: bool = False,
) -> InboundEvent:
    """A `TextReceived`, or an opt-out/opt-in/help event when the whole text is such a keyword.

    `carrier` selects the full SMS carrier vocabulary; chat apps use the narrow set.
    """
    keyword = text.strip(_TRIM).upper()
    common = {"sender": sender, "provider_message_id": provider_message_id, "chat_id": chat_id}
    opt_out, opt_in, helps = (
        (OPT_OUT_KEYWORDS, OPT_IN_KEYWORDS, HELP_KEYWORDS)
        if carrier
        else (CHAT_OPT_OUT_KEYWORDS, CHAT_OPT_IN_KEYWORDS, CHAT_HELP_KEYWORDS)
    )
    if keyword in opt_out:
        return OptOut(keyword=keyword, at=at, **common)
    if keyword in opt_in:
        return OptIn(keyword=keyword, at=at, **common)
    if keyword in helps:
        return HelpRequested(keyword=keyword, at=at, **common)
    return TextReceived(text=text, at=at, **common)
