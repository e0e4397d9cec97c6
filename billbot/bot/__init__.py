"""The chat bot: what a linked borrower writes, answered from the services the app uses."""

from billbot.bot.conversation import reply_to, unknown_sender_reply
from billbot.bot.reply import BotReply

__all__ = ["BotReply", "reply_to", "unknown_sender_reply"]
