"""Events published by notify on ``ztc.notify.events``: work notices (工作通知) and their reading.

Torch Center and the provincial departments publish a notice to an audience (roles, regions, or the
registrants of one roadshow); notify delivers it to each person's in-app inbox and the channels
they chose. Delivering is notify's own business and is not published event by event: the delivery
ledger lives in notify's database (see ADR 10).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ztc_shared.events import EVENTS, DomainEvent

TOPIC = "ztc.notify.events"
NOTICE = "notice"
NOTICE_RECEIPT = "notice_receipt"

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
