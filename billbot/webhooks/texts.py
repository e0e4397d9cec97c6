"""What the conversation layer itself says (linking, STOP/START); the bot says everything else."""

from __future__ import annotations

_TEXTS: dict[str, dict[str, str]] = {
    "linked": {
        "en": "You're linked, {name}. I'll send your bill reminders here. "
        "Ask me about your bill, your spending or your limits; send STOP at any time.",
        "zh-CN": "{name}，已绑定成功。账单提醒会发到这里。可以问我账单、消费或额度；"
        "随时发送“退订”即可停止。",
    },
    "bad_code": {
        "en": "That code is not valid any more. "
        "Ask the billbot app for a new one and send it here.",
        "zh-CN": "这个验证码已失效。请在 billbot 应用里获取新的验证码后发到这里。",
    },
    "stopped": {
        "en": "Done: you won't get any more messages from billbot on any channel. "
        "Send START to hear from us again.",
        "zh-CN": "已退订：billbot 不会再在任何渠道给你发消息。发送“订阅”可重新接收。",
    },
    "still_stopped": {
        "en": "You asked billbot to stop messaging you, so I can't answer here. "
        "Send START to hear from us again.",
        "zh-CN": "你已退订 billbot 的消息，所以这里无法回复。发送“订阅”可重新接收。",
    },
    "started": {
        "en": "Welcome back: billbot will message you again. Send STOP at any time to stop.",
        "zh-CN": "欢迎回来：billbot 将重新给你发消息。随时发送“退订”即可停止。",
    },
}


def say(key: str, locale: str, **values: str) -> str:
    """The text `key` in `locale` (English when the locale has none)."""
    texts = _TEXTS[key]
    return texts.get(locale, texts["en"]).format(**values)
