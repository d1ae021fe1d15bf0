"""Each person's in-app inbox (站内信): list, unread count, mark read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from notify.domain.commands import ReadNotice
from notify.entrypoints.api.deps import Anyone, AnyoneContext, InboxDep, NotifyDep
from ztc_shared.domain import NotFound
from ztc_shared.history import AsOf

router = APIRouter(prefix="/inbox", tags=["inbox 站内信"])


class InboxItem(BaseModel):
    id: str
    notice_id: str | None
    event_type: str
    topic: str
    essential: bool
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None


class InboxPage(BaseModel):
    items: list[InboxItem]
    unread: int


class UnreadCount(BaseModel):
    unread: int


def _item(doc: dict[str, object]) -> InboxItem:
    return InboxItem.model_validate({**doc, "id": doc["_id"]})


INBOX_EXAMPLE = {
    "items": [
        {
            "id": "9f2b6c0d4e1a8b7c3d5e6f708192a3b4",
            "notice_id": "5b7e2c1a-0d3f-4e8b-9a61-2f4c8d0e1b37",
            "event_type": "NoticePublished",
            "topic": "notices",
            "essential": True,
            "subject": "【工作通知】关于报送2026年度科技成果直通车工作总结的通知",
            "body": "请各承办单位于12月31日前通过平台报送年度工作总结。",
            "created_at": "2026-11-28T09:00:01.250000Z",
            "read_at": None,
        }
    ],
    "unread": 1,
}
AS_OF_NOTE = (
    " With ``as_of`` (时间回溯): the messages filed by then, read or unread as they were then."
)


@router.get(
    "",
    response_model=InboxPage,
    summary="我的消息 My inbox, newest first",
    description="Newest first, with the unread count." + AS_OF_NOTE,
    responses={200: {"content": {"application/json": {"example": INBOX_EXAMPLE}}}},
)
async def my_inbox(
    principal: Anyone,
    inbox: InboxDep,
    as_of: AsOf,
    unread: Annotated[bool, Query(description="只看未读 Unread only")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboxPage:
    items = await inbox.items(principal.subject, unread=unread, limit=limit, as_of=as_of)
    return InboxPage(
        items=[_item(i) for i in items],
        unread=await inbox.unread_count(principal.subject, as_of),
    )


@router.get(
    "/unread-count",
    response_model=UnreadCount,
    summary="未读数 Unread count",
    description="How many messages are unread." + AS_OF_NOTE,
    responses={200: {"content": {"application/json": {"example": {"unread": 3}}}}},
)
async def unread_count(principal: Anyone, inbox: InboxDep, as_of: AsOf) -> UnreadCount:
    return UnreadCount(unread=await inbox.unread_count(principal.subject, as_of))


@router.post("/{item_id}/read", response_model=InboxItem, summary="标为已读 Mark as read")
async def mark_read(
    item_id: str, context: AnyoneContext, inbox: InboxDep, notify: NotifyDep
) -> InboxItem:
    item = await inbox.item(item_id)
    if item is None or item["recipient"] != context.actor:
        raise NotFound("inbox item", item_id)
    if item.get("notice_id"):
        # The receipt is a fact others see (the publisher): it is recorded as an event first.
        await notify.handle(ReadNotice(notice_id=str(item["notice_id"])), context)
    await inbox.mark_read(item_id, datetime.now(UTC))
    updated = await inbox.item(item_id)
    assert updated is not None
    return _item(updated)
