"""Every table, imported in one place so Alembic and tests see the whole schema."""

from billbot.accounts.models import Account
from billbot.bills.models import Statement
from billbot.categorize.models import CategoryRule
from billbot.chat.models import ChatIdentity, LinkCode
from billbot.digests.models import DigestSubscription
from billbot.limits.models import Limit, LimitChange
from billbot.outbox.models import ContactPreferences, OutboxAttempt, OutboxMessage
from billbot.repayments.models import Repayment, RepaymentAllocation
from billbot.reports.models import WeeklyReport
from billbot.scenarios.models import ScenarioSetting
from billbot.transactions.models import SpendingDay, SpendingStamp, Transaction
from billbot.users.models import ApiKey, LoginFailure, User
from billbot.webchat.models import WebChatMessage
from billbot.webhooks.models import InboundReceipt

__all__ = [
    "Account",
    "ApiKey",
    "CategoryRule",
    "ChatIdentity",
    "ContactPreferences",
    "DigestSubscription",
    "InboundReceipt",
    "Limit",
    "LimitChange",
    "LinkCode",
    "LoginFailure",
    "OutboxAttempt",
    "OutboxMessage",
    "Repayment",
    "RepaymentAllocation",
    "ScenarioSetting",
    "SpendingDay",
    "SpendingStamp",
    "Statement",
    "Transaction",
    "User",
    "WebChatMessage",
    "WeeklyReport",
]
