"""Each person's in-app inbox (站内信): list, unread count, mark read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from notify.domain.commands import ReadNotice
from notify.entrypoints.api.deps import Anyone, AnyoneContext, InboxDep, NotifyDep
from ztc_shared.domain import NotFound

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


@router.get("", response_model=InboxPage, summary="我的消息 My inbox, newest first")
async def my_inbox(
    principal: Anyone,
    inbox: InboxDep,
    unread: Annotated[bool, Query(description="只看未读 Unread only")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboxPage:
    items = await inbox.items(principal.subject, unread=unread, limit=limit)
    return InboxPage(
        items=[_item(i) for i in items], unread=await inbox.unread_count(principal.subject)
    )


@router.get("/unread-count", response_model=UnreadCount, summary="未读数 Unread count")
async def unread_count(principal: Anyone, inbox: InboxDep) -> UnreadCount:
    return UnreadCount(unread=await inbox.unread_count(principal.subject))


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
