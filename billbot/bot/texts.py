"""Everything the bot says, in English and Simplified Chinese, with `{named}` blanks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from billbot.scenarios.messages import money

_TEXTS: dict[str, dict[str, str]] = {
    # -- menu, help, greetings, strangers --------------------------------------------------------
    "menu": {
        "en": "Sorry, I didn't catch that. I can help with your bill, your spending, what is "
        "left of your limits and how to pay. Try one of these, or send HELP.",
        "zh-CN": "抱歉，我没太明白。我可以帮你查账单、消费、限额还剩多少，以及还款方式。"
        "试试下面的选项，或发送“帮助”。",
    },
    "greeting": {
        "en": "Hi {name}! What would you like to know?",
        "zh-CN": "{name}，你好！想了解些什么？",
    },
    "help": {
        "en": "Things you can ask me:\n"
        '• "my bill": what you owe and when it is due\n'
        '• "how much did I spend this week" (or month), "weekly report"\n'
        '• "how much is left": your limits\n'
        '• "limit food 2000": set or change a limit\n'
        '• "how do I pay": every way to pay, with its cost\n'
        '• "paid", "remind me tomorrow", "why did I get this"\n'
        '• "why is Starbucks in coffee", "always categorise Etsy as gifts"\n'
        "• PAUSE or STOP to stop messages, START to hear from us again",
        "zh-CN": "你可以这样问我：\n"
        "• “账单”：应还多少、何时到期\n"
        "• “本周花了多少”（或本月）、“周报”\n"
        "• “还剩多少”：各项限额的进度\n"
        "• “餐饮限额2000”：设置或修改限额\n"
        "• “还款”：所有还款方式及其费用\n"
        "• “已还款”、“明天提醒我”、“为什么收到这条消息”\n"
        "• “为什么星巴克是咖啡”、“以后把Etsy都归为礼物”\n"
        "• 发送“暂停”或“退订”停止消息，发送“订阅”恢复",
    },
    "unknown_sender": {
        "en": "Hi! This chat isn't linked to a billbot account yet, so I can't share anything "
        "here. To link it, open the app, go to Settings › Chat apps, get a link code and send "
        "it to me as a message.",
        "zh-CN": "你好！这个聊天还没有关联 billbot 账户，所以我无法在这里提供任何信息。"
        "请打开App，进入“设置 › 聊天应用”获取关联码，然后把关联码发给我。",
    },
    "not_found": {
        "en": "I couldn't find that. Here is what I can help with:",
        "zh-CN": "没有找到相关内容。我可以帮你：",
    },
    "trouble": {
        "en": "Sorry, I couldn't do that just now. Please try again, or use the app.",
        "zh-CN": "抱歉，暂时无法完成。请稍后再试，或使用App。",
    },
    # -- bill ------------------------------------------------------------------------------------
    "bill_line": {
        "en": "• {account}: {amount} due {due} ({when}); minimum {minimum}",
        "zh-CN": "• {account}：应还 {amount}，{due}到期（{when}），最低还款 {minimum}",
    },
    "bill_line_minimum_met": {
        "en": "• {account}: {amount} due {due} ({when}); the minimum is already paid",
        "zh-CN": "• {account}：应还 {amount}，{due}到期（{when}），最低还款已还",
    },
    "with_period": {"en": "{name} ({period})", "zh-CN": "{name}（{period}）"},
    "bill_overdue_line": {
        "en": "• {account}: {amount} was due {due}. Paying at least {minimum} as soon as you "
        "can stops extra charges growing",
        "zh-CN": "• {account}：{amount} 已于{due}到期。尽快至少还 {minimum}，可避免费用继续增加",
    },
    "bill_open_line": {
        "en": "• {account}: {amount} so far this cycle, statement on {closes}",
        "zh-CN": "• {account}：本期已消费 {amount}，{closes}出账",
    },
    "bill_head": {"en": "Your bills:", "zh-CN": "你的账单："},
    "bill_nothing_due": {
        "en": "Nothing is due right now. Well done!",
        "zh-CN": "目前没有待还的账单，很棒！",
    },
    "no_accounts": {
        "en": "You have no accounts with us yet.",
        "zh-CN": "你还没有任何账户。",
    },
    # -- spending --------------------------------------------------------------------------------
    "spending_head_week": {"en": "This week you spent {total}", "zh-CN": "本周你消费了 {total}"},
    "spending_head_month": {"en": "This month you spent {total}", "zh-CN": "本月你消费了 {total}"},
    "spending_head_today": {"en": "Today you spent {total}", "zh-CN": "今天你消费了 {total}"},
    "spending_line": {"en": "• {label}: {amount}", "zh-CN": "• {label}：{amount}"},
    "spending_others": {"en": "• {count} more: {amount}", "zh-CN": "• 其他 {count} 类：{amount}"},
    "spending_pending": {
        "en": "Plus {amount} still pending.",
        "zh-CN": "另有 {amount} 尚在处理中。",
    },
    "spending_none_week": {
        "en": "No spending so far this week.",
        "zh-CN": "本周还没有消费。",
    },
    "spending_none_month": {
        "en": "No spending so far this month.",
        "zh-CN": "本月还没有消费。",
    },
    "spending_none_today": {"en": "No spending today.", "zh-CN": "今天还没有消费。"},
    # -- limits ----------------------------------------------------------------------------------
    "left_head": {"en": "Your limits:", "zh-CN": "你的限额："},
    "left_line": {
        "en": "• {name}: {left} left of {limit}{per_day}",
        "zh-CN": "• {name}：{limit} 还剩 {left}{per_day}",
    },
    "left_per_day": {
        "en": " (about {amount} a day for {days} days)",
        "zh-CN": "（未来{days}天每天约 {amount}）",
    },
    "left_over_line": {
        "en": "• {name}: {over} over your {limit}",
        "zh-CN": "• {name}：已超出 {limit} 共 {over}",
    },
    "left_pending": {
        "en": " (rising to {amount} on {when})",
        "zh-CN": "（将于{when}提高到 {amount}）",
    },
    "left_none": {
        "en": 'You haven\'t set any limits yet. Try "limit food 2000" to set a monthly one.',
        "zh-CN": "你还没有设置限额。试试发送“餐饮限额2000”设置每月限额。",
    },
    "period_week": {"en": "this week", "zh-CN": "本周"},
    "period_month": {"en": "this month", "zh-CN": "本月"},
    "period_cycle": {"en": "this cycle", "zh-CN": "本期"},
    "ideal_bill": {"en": "Ideal monthly bill", "zh-CN": "理想账单"},
    "credit_cap": {"en": "{account} cap", "zh-CN": "{account}自设额度"},
    # -- setting a limit -------------------------------------------------------------------------
    "limit_created": {
        "en": "Done: your {name} limit is {amount} {period}, from now on.",
        "zh-CN": "已设置：{name}限额为{period} {amount}，即刻生效。",
    },
    "limit_lowered": {
        "en": "Done: your {name} limit is now {amount} {period}, lowered from {old} straight away.",
        "zh-CN": "已生效：{name}限额已从 {old} 降到{period} {amount}。",
    },
    "limit_same": {
        "en": "Your {name} limit is already {amount} {period}.",
        "zh-CN": "你的{name}限额已经是{period} {amount}。",
    },
    "limit_raised": {
        "en": "Your {name} limit will rise from {old} to {amount} on {when}, after a "
        "{hours}-hour cooling-off. Until then it stays {old}. Changed your mind? Tap Keep.",
        "zh-CN": "你的{name}限额将在{hours}小时冷静期后，于{when}从 {old} 提高到 {amount}。"
        "在此之前仍为 {old}。改变主意了？点“保持不变”。",
    },
    "limit_kept": {
        "en": "Kept: your {name} limit stays {amount}.",
        "zh-CN": "已保持：{name}限额仍为 {amount}。",
    },
    "limit_nothing_pending": {
        "en": "Nothing is waiting to change on that limit.",
        "zh-CN": "该限额没有待生效的修改。",
    },
    "limit_unknown_target": {
        "en": 'I don\'t know a category called "{target}". Try food, coffee, groceries, '
        'shopping, transport, or "ideal bill".',
        "zh-CN": "没有找到名为“{target}”的分类。试试餐饮、咖啡、超市、购物、交通，或“理想账单”。",
    },
    "limit_bad_amount": {
        "en": 'I couldn\'t read "{amount}" as an amount in {currency}.',
        "zh-CN": "无法把“{amount}”识别为{currency}金额。",
    },
    "button_keep": {"en": "Keep {amount}", "zh-CN": "保持不变"},
    # -- repayment -------------------------------------------------------------------------------
    "options_head": {
        "en": "Ways to pay your {account} bill of {amount} (due {due}):",
        "zh-CN": "{account}账单 {amount}（{due}到期）的还款方式：",
    },
    "option_full": {
        "en": "{n}. In full: {total}, no extra cost",
        "zh-CN": "{n}. 全额还款：{total}，无额外费用",
    },
    "option_minimum": {
        "en": "{n}. The minimum {first} now: about {months} months to clear, {extra} extra in "
        "interest",
        "zh-CN": "{n}. 最低还款 {first}：约{months}个月还清，额外利息 {extra}",
    },
    "option_minimum_never": {
        "en": "{n}. The minimum {first} now: at the minimum the balance would not clear",
        "zh-CN": "{n}. 最低还款 {first}：只还最低额无法还清",
    },
    "option_installments": {
        "en": "{n}. {months} monthly payments of about {each}: {extra} extra (APR {apr}%)",
        "zh-CN": "{n}. 分{months}期，每期约 {each}：额外费用 {extra}（年化 {apr}%）",
    },
    "option_combined": {
        "en": "{n}. {label}: {total} in total, {extra} extra",
        "zh-CN": "{n}. 组合还款（{label}）：共 {total}，额外 {extra}",
    },
    "options_installments_note": {
        "en": "Installments you already have show in the app.",
        "zh-CN": "已有的分期计划可在App中查看。",
    },
    "options_open": {
        "en": "Your {account} statement is still open; the ways to pay come when it closes on "
        "{closes}.",
        "zh-CN": "{account}本期账单尚未出账，{closes}出账后即可查看还款方式。",
    },
    "options_nothing_owed": {
        "en": "Nothing is left to pay on your {account} bill. Thank you!",
        "zh-CN": "{account}账单已还清，谢谢！",
    },
    "options_past_due": {
        "en": "Your {account} bill of {amount} was due {due}. Please pay at least {minimum} as "
        "soon as you can; paying in full stops interest.",
        "zh-CN": "{account}账单 {amount} 已于{due}到期。请尽快至少还 {minimum}；"
        "全额还款可停止计息。",
    },
    "report_head": {
        "en": "Your weekly report:",
        "zh-CN": "你的消费周报：",
    },
    "options_past_due_minimum_paid": {
        "en": "Your {account} bill was due {due} and its minimum is paid. The {amount} still "
        "owed carries interest until it is paid; paying it in full stops that.",
        "zh-CN": "{account}账单已于{due}到期，最低还款额已还。剩余 {amount} 会持续计息，"
        "全额还清即可停止计息。",
    },
    "chosen_full": {
        "en": "Good choice: paying {amount} in full by {due} costs nothing extra. Pay in the app "
        "or by bank transfer; reminders stop once it posts.",
        "zh-CN": "好的：在{due}前全额还款 {amount} 不产生任何额外费用。"
        "可在App内或通过银行转账还款，到账后提醒即停止。",
    },
    "chosen_minimum": {
        "en": "Paying the minimum {amount} by {due} keeps your account in good standing. The "
        "rest carries interest, so paying more when you can saves money.",
        "zh-CN": "在{due}前还最低 {amount} 可保持账户良好。其余部分会计息，有余力时多还可以省钱。",
    },
    "chosen_installments": {
        "en": "{months} monthly payments of about {each}, {total} in total ({extra} extra). "
        "Confirm the plan in the app to set it up.",
        "zh-CN": "分{months}期，每期约 {each}，共 {total}（额外 {extra}）。请在App中确认开通。",
    },
    "chosen_other": {
        "en": "{total} in total, {extra} extra. You can set this up in the app.",
        "zh-CN": "共 {total}，额外 {extra}。可在App中办理。",
    },
    "chosen_unknown": {
        "en": "That option is no longer available. Here are the current ones:",
        "zh-CN": "该选项已失效。以下是当前的还款方式：",
    },
    "button_full": {"en": "Pay in full", "zh-CN": "全额还款"},
    "button_minimum": {"en": "Pay the minimum", "zh-CN": "最低还款"},
    "button_installments": {"en": "{months} months", "zh-CN": "分{months}期"},
    "button_combined": {"en": "Combined plan {n}", "zh-CN": "组合方案{n}"},
    "button_options": {"en": "How to pay", "zh-CN": "还款方式"},
    "button_paid": {"en": "I've paid", "zh-CN": "我已还款"},
    "button_snooze": {"en": "Remind me tomorrow", "zh-CN": "明天提醒"},
    # -- paid, snooze ----------------------------------------------------------------------------
    "paid": {
        "en": "Thank you! Payments can take a day or two to show. Reminders about this bill "
        "stop once it posts; I won't remind you about it before {until}.",
        "zh-CN": "谢谢！还款到账可能需要一两天。到账后关于这份账单的提醒会自动停止；"
        "{until}之前不会再提醒你。",
    },
    "paid_nothing": {
        "en": "Thank you! I don't see a bill waiting for payment right now.",
        "zh-CN": "谢谢！目前没有待还的账单。",
    },
    "snoozed": {
        "en": "OK, I'll remind you again at {until}.",
        "zh-CN": "好的，我会在{until}再提醒你。",
    },
    "snooze_unavailable": {
        "en": "Sorry, I can't snooze reminders just now. You can change reminders in the app.",
        "zh-CN": "抱歉，暂时无法推迟提醒。你可以在App中设置提醒。",
    },
    # -- why -------------------------------------------------------------------------------------
    "why_none": {
        "en": "I haven't sent you any messages yet.",
        "zh-CN": "我还没有给你发过消息。",
    },
    "why_message": {
        "en": "My last message ({sent}) was {what}. {how}",
        "zh-CN": "我上一条消息（{sent}）是{what}。{how}",
    },
    "why_category": {
        "en": "{merchant} ({amount} on {day}) is in {sub} ({category}) because {reason}. To "
        'change it for good, send "always categorise {short} as ...".',
        "zh-CN": "{merchant}（{day}，{amount}）被归为“{sub}”（{category}），原因：{reason}。"
        "如需长期修改，请发送“以后把{short}都归为……”。",
    },
    "why_category_no_tx": {
        "en": 'I couldn\'t find a purchase at "{merchant}" in your transactions.',
        "zh-CN": "在你的交易中没有找到“{merchant}”的消费。",
    },
    "always_done": {
        "en": 'Done: "{merchant}" is now always {sub} ({category}). {count} of your past '
        "transactions were updated.",
        "zh-CN": "已设置：“{merchant}”以后都归为“{sub}”（{category}），已更新 {count} 笔历史交易。",
    },
    "always_unknown_category": {
        "en": 'I don\'t know the category "{category}". Try a name like gifts, coffee, '
        "groceries or taxis.",
        "zh-CN": "没有找到分类“{category}”。试试礼物、咖啡、超市、出租车等名称。",
    },
    "always_bad_merchant": {
        "en": 'I need a merchant name with letters or digits, like "always categorise Etsy as '
        'gifts".',
        "zh-CN": "需要一个商户名称，例如“以后把Etsy都归为礼物”。",
    },
    # -- stop, start, pause ----------------------------------------------------------------------
    "stopped": {
        "en": "You won't get any more messages from billbot on any channel. Send START to hear "
        "from us again.",
        "zh-CN": "你将不会在任何渠道收到 billbot 的消息。发送“订阅”即可恢复。",
    },
    "paused": {
        "en": "Paused: no reminders on any channel until you send START. You can still ask me "
        "anything.",
        "zh-CN": "已暂停：在你发送“订阅”之前，所有渠道都不会再发提醒。你仍可随时向我提问。",
    },
    "started": {
        "en": "Welcome back! Reminders are on again, within your quiet hours and limits.",
        "zh-CN": "欢迎回来！提醒已恢复，仍会遵守你的免打扰时段和频次上限。",
    },
    "already_started": {
        "en": "Reminders are already on. Send STOP at any time to stop them.",
        "zh-CN": "提醒本来就是开启的。随时发送“退订”即可停止。",
    },
    # -- menu buttons ----------------------------------------------------------------------------
    "button_bill": {"en": "My bill", "zh-CN": "我的账单"},
    "button_spending": {"en": "Spending", "zh-CN": "本月消费"},
    "button_left": {"en": "What's left", "zh-CN": "限额剩余"},
    "button_help": {"en": "Help", "zh-CN": "帮助"},
    "button_week": {"en": "This week", "zh-CN": "本周消费"},
}


def text(key: str, locale: str, **values: Any) -> str:
    """The text called `key` in `locale` (English when the locale has none), blanks filled."""
    entry = _TEXTS[key]
    return entry.get(locale, entry["en"]).format(**values)


def amount(amount_minor: int, currency: str, locale: str) -> str:
    """An amount as the borrower reads it (babel, their locale)."""
    return money(amount_minor, currency, locale)


def day(value: date, locale: str) -> str:
    """A date in a short local form: "Wed 25 Nov" / "11月25日"."""
    if locale == "zh-CN":
        return f"{value.month}月{value.day}日"
    return f"{value:%a} {value.day} {value:%b}"


def moment(value: datetime, locale: str) -> str:
    """A local date and time: "Tue 17 Nov, 14:00" / "11月17日 14:00"."""
    return f"{day(value.date(), locale)}{' ' if locale == 'zh-CN' else ', '}{value:%H:%M}"


def days_until(days: int, locale: str) -> str:
    """How far off a due date is, in words."""
    if locale == "zh-CN":
        if days < 0:
            return f"已逾期{-days}天"
        return {0: "今天", 1: "明天"}.get(days, f"还有{days}天")
    if days < 0:
        return f"{-days} days ago"
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
