"""People as notify sees them: where they can be reached and what they want to hear.

A recipient is the account id that appears in events and tokens: a person's account, or a company's
unified social credit code (a company signs in under its code). The in-app inbox always receives;
the other channels push, and only where the person has an address and has not switched the channel
off. Muting a topic (opting out) stops the pushes for it, never the inbox record, and never an
essential message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Channel(StrEnum):
    INBOX = "inbox"  # 站内信
    EMAIL = "email"  # 电子邮件
    WECOM = "wecom"  # 企业微信群机器人
    WEBHOOK = "webhook"  # 通用 Webhook（HMAC 签名）
    SMS = "sms"  # 短信


PUSH_CHANNELS = (Channel.EMAIL, Channel.WECOM, Channel.WEBHOOK, Channel.SMS)
# Until a person says otherwise, mail and the group robot are on; webhooks are for systems that
# were set up on purpose, and SMS costs money per message: both only when switched on.
DEFAULT_CHANNELS = frozenset({Channel.EMAIL, Channel.WECOM})


class Locale(StrEnum):
    ZH_CN = "zh-CN"
    EN = "en"


class Topic(StrEnum):
    """What a message is about; people mute topics, not single messages."""

    NOTICES = "notices"  # 工作通知
    ACHIEVEMENTS = "achievements"  # 成果入库
    SCREENING = "screening"  # 项目筛选
    REGISTRATION = "registration"  # 路演报名
    MEETINGS = "meetings"  # 一对一对接
    TRACKING = "tracking"  # 跟踪服务
    SUMMARIES = "summaries"  # 年度工作总结


TOPIC_NAMES = {
    Topic.NOTICES: "工作通知",
    Topic.ACHIEVEMENTS: "成果入库",
    Topic.SCREENING: "项目筛选",
    Topic.REGISTRATION: "路演报名",
    Topic.MEETINGS: "一对一对接",
    Topic.TRACKING: "跟踪服务",
    Topic.SUMMARIES: "年度工作总结",
}


@dataclass(frozen=True)
class Contact:
    """One directory entry. ``channels`` are the push channels the person wants (the inbox is
    always on); ``muted`` the topics they opted out of."""

    recipient_id: str
    name: str = ""
    role: str | None = None
    region: str | None = None
    email: str | None = None
    mobile: str | None = None
    wecom_webhook: str | None = None
    webhook_url: str | None = None
    locale: Locale = Locale.ZH_CN
    channels: frozenset[Channel] = DEFAULT_CHANNELS
    muted: frozenset[Topic] = field(default_factory=frozenset)

    def address(self, channel: Channel) -> str | None:
        return {
            Channel.INBOX: self.recipient_id,
            Channel.EMAIL: self.email,
            Channel.WECOM: self.wecom_webhook,
            Channel.WEBHOOK: self.webhook_url,
            Channel.SMS: self.mobile,
        }[channel]


def unknown(recipient_id: str) -> Contact:
    """Someone the directory does not know yet: the inbox still works when they sign in."""
    return Contact(recipient_id=recipient_id, channels=frozenset())


def channels_for(contact: Contact, topic: Topic, essential: bool) -> list[tuple[Channel, str]]:
    """Where one message goes for one person, with the address on each channel."""
    routes: list[tuple[Channel, str]] = [(Channel.INBOX, contact.recipient_id)]
    if topic in contact.muted and not essential:
        return routes
    for channel in PUSH_CHANNELS:
        address = contact.address(channel)
        if channel in contact.channels and address:
            routes.append((channel, address))
    return routes


def in_regions(region: str | None, regions: list[str]) -> bool:
    """``440000`` covers every region of the province, ``440300`` every district of the city."""
    if not regions:
        return True
    if region is None:
        return False
    for wanted in regions:
        if wanted.endswith("0000") and region[:2] == wanted[:2]:
            return True
        if wanted.endswith("00") and region[:4] == wanted[:4]:
            return True
        if region == wanted:
            return True
    return False
