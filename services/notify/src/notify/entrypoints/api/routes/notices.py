"""Work notices (工作通知): publish to an audience, and see who has read them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Response, status
from pydantic import BaseModel, Field

from notify.domain.commands import PublishNotice
from notify.entrypoints.api.deps import InboxDep, NotifyDep, Operator, PublisherContext
from ztc_shared.auth import Role
from ztc_shared.contracts.notify import NoticeAudience
from ztc_shared.domain import Forbidden, NotFound
from ztc_shared.eventstore.ports import LoadedStream
from ztc_shared.history import AsOf, StreamHistoryDep, load_as_of
from ztc_shared.web import reply_to

router = APIRouter(prefix="/notices", tags=["notices 工作通知"])


class NoticeCreate(BaseModel):
    title: str = Field(min_length=2, max_length=200, description="标题 Title (zh-CN)")
    body: str = Field(min_length=2, max_length=20000, description="正文 Body (zh-CN)")
    title_en: str = Field(default="", max_length=200, description="English title (optional)")
    body_en: str = Field(default="", max_length=20000, description="English body (optional)")
    audience: NoticeAudience
    essential: bool = Field(
        default=False, description="重要通知：退订者也会收到 Essential: reaches muted people too"
    )


NOTICE_EXAMPLE = {
    "title": "关于报送2026年度科技成果直通车工作总结的通知",
    "body": "请各承办单位于12月31日前通过平台报送年度工作总结。",
    "title_en": "Year-end summaries of 2026 are due",
    "body_en": "Hosts, please submit the year-end summary on the platform by 31 December.",
    "audience": {"roles": ["host"], "regions": ["440000"]},
    "essential": True,
}


class NoticeAccepted(BaseModel):
    id: str
    stream_version: int


class Receipt(BaseModel):
    recipient: str
    read_at: datetime | None


class Receipts(BaseModel):
    notice_id: str
    recipients: int = Field(description="收件人数 Recipients whose inbox holds the notice")
    read: int = Field(description="已读人数 How many have read it")
    receipts: list[Receipt]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=NoticeAccepted,
    summary="发布工作通知 Publish a work notice",
    description="Torch Center or a province publishes a notice to roles, regions and/or the "
    "approved registrants of one roadshow. A province reaches only its own regions.",
)
async def publish(
    body: Annotated[NoticeCreate, Body(openapi_examples={"年度总结": {"value": NOTICE_EXAMPLE}})],
    context: PublisherContext,
    notify: NotifyDep,
    response: Response,
) -> dict[str, object]:
    command = PublishNotice(**body.model_dump())
    return await reply_to(notify, command, context, response)


RECEIPTS_EXAMPLE = {
    "notice_id": "5b7e2c1a-0d3f-4e8b-9a61-2f4c8d0e1b37",
    "recipients": 2,
    "read": 1,
    "receipts": [
        {"recipient": "host-gz-001", "read_at": None},
        {"recipient": "host-sz-001", "read_at": "2026-11-28T09:12:30.120000Z"},
    ],
}


def _published(stream: LoadedStream) -> bool:
    return bool(stream.events) and stream.events[0].event_type == "NoticePublished"


@router.get(
    "/{notice_id}/receipts",
    response_model=Receipts,
    summary="阅读回执 Who has read a notice",
    description="Who the notice reached (their inbox holds it) and who has read it. With "
    "``as_of`` (时间回溯): the notice as recorded by then (404 if it was not yet published), the "
    "inbox items filed by then and the reads made by then. Who may look is decided now.",
    responses={200: {"content": {"application/json": {"example": RECEIPTS_EXAMPLE}}}},
)
async def receipts(
    notice_id: str,
    principal: Operator,
    notify: NotifyDep,
    inbox: InboxDep,
    history: StreamHistoryDep,
    as_of: AsOf,
) -> Receipts:
    stream = await notify.ports.store.load(notice_id, fresh=True)
    if not _published(stream):
        raise NotFound("notice", notice_id)
    publisher = stream.events[0].payload["publisher"]
    if principal.role is not Role.TORCH_CENTER and principal.subject != publisher:
        raise Forbidden(
            "not_your_notice",
            "只有发布者和火炬中心可以查看阅读情况",
            "Only the publisher and the Torch Center see who has read a notice",
        )
    if as_of is not None and not _published(
        await load_as_of(notify.ports.store, history, notice_id, as_of)
    ):
        raise NotFound("notice", notice_id)
    items = await inbox.receipts(notice_id, as_of)
    return Receipts(
        notice_id=notice_id,
        recipients=len(items),
        read=sum(1 for i in items if i.get("read_at")),
        receipts=[Receipt(recipient=i["recipient"], read_at=i.get("read_at")) for i in items],
    )
