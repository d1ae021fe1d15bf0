"""Events published by notify on ``ztc.notify.events``: work notices (工作通知) and their reading.

Torch Center and the provincial departments publish a notice to an audience (roles, regions, or the
registrants of one roadshow); notify delivers it to each person's in-app inbox and the channels
they chose. Each delivery (one message to one person on one channel) is followed as a stream of
its own, ``delivery-<ledger key>``: queued, then delivered or finally failed, and queued again when
an operator sends a dead one again. These events carry identifiers only — never an address, a phone
number, a rendered message or a secret: the event log is kept forever, the directory is not (ADR 10).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ztc_shared.events import EVENTS, DomainEvent

TOPIC = "ztc.notify.events"
NOTICE = "notice"
NOTICE_RECEIPT = "notice_receipt"
NOTIFICATION = "notification"

Region = Annotated[str, Field(pattern=r"^\d{6}$", description="GB/T 2260 行政区划代码")]
AUDIENCE_ROLES = (
    "torch_center",
    "szse",
    "province",
    "host",
    "support_org",
    "holder",
    "company",
    "expert",
)


def notice_receipt_id(notice_id: str, reader: str) -> str:
    """One stream per reader of a notice: reading twice appends nothing the second time."""
    return f"{notice_id}-read-{reader}"


def notification_stream_id(delivery_key: str) -> str:
    """One stream per delivery (per ledger key)."""
    return f"delivery-{delivery_key}"


def queued_version(retry: int) -> int:
    """Where a delivery's stream records it queued: first when planned (``retry`` 0), then once
    per operator retry. Each round holds two events — queued, then delivered or finally failed —
    so every transition has a fixed place, and appending it twice stores it once."""
    return 2 * retry + 1


def outcome_version(retry: int) -> int:
    """Where the outcome (delivered, or finally failed) of round ``retry`` is recorded."""
    return 2 * retry + 2


class NotificationChannel(StrEnum):
    INBOX = "inbox"  # 站内信
    EMAIL = "email"  # 电子邮件
    WECOM = "wecom"  # 企业微信群机器人
    WEBHOOK = "webhook"  # 通用 Webhook
    SMS = "sms"  # 短信


DeliveryKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=400,
        description="送达记录键（致因事件、接收人、渠道、模板） Delivery key in notify's ledger: "
        "causing event, recipient, channel, template",
        examples=[
            "0b9e5c1e-2f4d-4c1a-9a57-6f0e3d2c1b00:91440300MA5ABCDE1X:email:registration_approved"
        ],
    ),
]
Channel = Annotated[
    NotificationChannel, Field(description="渠道 Channel", examples=[NotificationChannel.EMAIL])
]
Attempts = Annotated[
    int,
    Field(ge=1, description="本轮尝试次数 Attempts in this round (an operator retry starts over)"),
]
Retry = Annotated[
    int,
    Field(
        ge=0,
        le=10000,
        description="第几次人工重发（0：首次排队） Operator retry round (0: as first planned)",
    ),
]


class NoticeAudience(BaseModel):
    """Who a notice is for: people of these roles in these regions, and/or the companies registered
    for one roadshow (报名企业). A region ending in ``0000`` covers the whole province."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    roles: list[str] = Field(default_factory=list, max_length=len(AUDIENCE_ROLES))
    regions: list[Region] = Field(default_factory=list, max_length=50)
    roadshow_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _someone(self) -> NoticeAudience:
        unknown = [r for r in self.roles if r not in AUDIENCE_ROLES]
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(unknown)}")
        if not (self.roles or self.regions or self.roadshow_id):
            raise ValueError("a notice needs an audience: roles, regions or a roadshow")
        return self


@EVENTS.register
class NoticePublished(DomainEvent):
    """A work notice (工作通知) was published to an audience. ``essential`` notices reach people
    who muted the notice topic too."""

    event_type = "NoticePublished"
    stream_type = NOTICE

    title: str = Field(min_length=2, max_length=200)
    body: str = Field(min_length=2, max_length=20000)
    title_en: str = Field(default="", max_length=200)
    body_en: str = Field(default="", max_length=20000)
    audience: NoticeAudience
    essential: bool = False
    publisher: str = Field(min_length=1, max_length=64)
    publisher_role: str = Field(min_length=1, max_length=32)


@EVENTS.register
class NoticeRead(DomainEvent):
    """A recipient opened a notice in the inbox (已读); the publisher sees who has."""

    event_type = "NoticeRead"
    stream_type = NOTICE_RECEIPT

    notice_id: str = Field(min_length=1, max_length=64)
    reader: str = Field(min_length=1, max_length=64)


@EVENTS.register
class NotificationQueued(DomainEvent):
    """A message was queued for one person on one channel (排队待发): planned for a causing event,
    or queued again by an operator from the dead-letter list (``retry`` > 0). Identifiers only: the
    address and the rendered words stay in notify's ledger."""

    event_type = "NotificationQueued"
    stream_type = NOTIFICATION

    delivery_key: DeliveryKey
    recipient: str = Field(
        min_length=1,
        max_length=64,
        description="接收人账号（个人账号或企业统一社会信用代码） Recipient account id",
        examples=["91440300MA5ABCDE1X"],
    )
    channel: Channel
    template: str = Field(
        min_length=1,
        max_length=64,
        description="消息模板 Message template",
        examples=["registration_approved"],
    )
    topic: str = Field(
        min_length=1,
        max_length=32,
        description="消息主题（用于免打扰） Topic people may mute",
        examples=["registration"],
    )
    cause_event_id: str = Field(
        min_length=1,
        max_length=64,
        description="致因事件ID Id of the event that called for the message",
        examples=["0b9e5c1e-2f4d-4c1a-9a57-6f0e3d2c1b00"],
    )
    cause_event_type: str = Field(
        min_length=1,
        max_length=64,
        description="致因事件类型 Type of the causing event",
        examples=["RegistrationApproved"],
    )
    essential: bool = Field(
        default=False,
        description="必达消息（免打扰不拦截） Essential: pushed despite a muted topic",
    )
    notice_id: str | None = Field(
        default=None,
        max_length=64,
        description="工作通知ID（仅工作通知） The notice, when the message is a work notice",
    )
    retry: Retry = 0
    retry_of: str | None = Field(
        default=None,
        max_length=64,
        description="所重发的最终失败事件ID Event id of the NotificationFailed this retry follows",
    )


@EVENTS.register
class NotificationDelivered(DomainEvent):
    """The channel accepted the message (已送达): the mail server, the webhook receiver, the robot,
    the SMS provider, or the inbox. Recorded once per round, however often it was sent."""

    event_type = "NotificationDelivered"
    stream_type = NOTIFICATION

    delivery_key: DeliveryKey
    channel: Channel
    attempts: Attempts
    delivered_at: datetime = Field(
        description="送达时间 When the channel accepted it", examples=["2026-11-28T09:00:02Z"]
    )
    retry: Retry = 0


@EVENTS.register
class NotificationFailed(DomainEvent):
    """Sending failed for good (发送失败): a permanent refusal, or the last attempt allowed; the
    delivery is on the dead-letter list until an operator sends it again. Passing failures, retried
    with backoff, are not published: the outcome is."""

    event_type = "NotificationFailed"
    stream_type = NOTIFICATION

    delivery_key: DeliveryKey
    channel: Channel
    attempts: Attempts
    reason_code: str = Field(
        min_length=1,
        max_length=48,
        pattern=r"^[a-z0-9_]+$",
        description="失败原因代码 Reason code (http_410, recipient_refused, smtp_unavailable, …)",
        examples=["http_410"],
    )
    reason: str = Field(
        default="",
        max_length=300,
        description="失败原因（已去除地址、号码） The channel's answer, addresses and numbers removed",
        examples=["HTTP 410"],
    )
    final: bool = Field(
        default=True,
        description="最终失败（进入死信列表） Final: on the dead-letter list (only final failures "
        "are published)",
    )
    retry: Retry = 0
