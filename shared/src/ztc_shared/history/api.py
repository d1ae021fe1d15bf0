"""The audit read API (审计): page through a stream's history — who did what, when, and why.

``stream_history_router()`` returns a router a service mounts next to its own; it reads the
:class:`~ztc_shared.history.ports.StreamHistory` the service put on ``app.state.stream_history``.
Only operators read it (the province for streams of its own region, the Torch Center every one).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from ztc_shared.auth import Principal, Role
from ztc_shared.domain.errors import Forbidden, NotFound
from ztc_shared.history.as_of import as_of_parameter
from ztc_shared.history.ports import StreamHistory
from ztc_shared.web.deps import require_roles

AUDITORS: tuple[Role, ...] = (Role.PROVINCE, Role.TORCH_CENTER)
MAX_LIMIT = 500


class HistoryEntry(BaseModel):
    """One event of the stream, with everything an auditor asks about it."""

    stream_version: int = Field(description="流内序号 Position in the stream")
    event_id: str
    event_type: str = Field(
        description="事件类型 What was decided", examples=["AchievementSubmitted"]
    )
    schema_version: int
    recorded_at: datetime = Field(description="记录时间 When the event store recorded it")
    occurred_at: datetime = Field(description="发生时间 When the command was decided")
    actor: str = Field(description="操作人 Who (the token's subject)")
    region: str
    correlation_id: str = Field(description="关联标识 The request it came from")
    causation_id: str | None = Field(description="起因 The message that caused it, if any")
    payload: dict[str, Any]


class StreamHistoryPage(BaseModel):
    stream_id: str
    stream_type: str
    version: int = Field(description="流的当前版本 The stream's version now (or as of ``as_of``)")
    items: list[HistoryEntry]
    next_after: int | None = Field(
        description="下一页的 after 参数；为空表示已到末尾 Pass as ``after`` for the next page; "
        "null at the end"
    )


EXAMPLE = {
    "stream_id": "3f6c2a0e-8d1b-4f7a-9c55-2b1e0d4a7c10",
    "stream_type": "achievement",
    "version": 3,
    "items": [
        {
            "stream_version": 2,
            "event_id": "0b9e5c1e-2f4d-4c1a-9a57-6f0e3d2c1b00",
            "event_type": "AchievementSubmitted",
            "schema_version": 1,
            "recorded_at": "2026-11-27T08:31:02.120000Z",
            "occurred_at": "2026-11-27T08:31:02.118000Z",
            "actor": "holder-001",
            "region": "440000",
            "correlation_id": "c0ffee00-0000-4000-8000-000000000002",
            "causation_id": None,
            "payload": {"call_id": None},
        }
    ],
    "next_after": 2,
}


async def get_stream_history(request: Request) -> StreamHistory:
    """The service's stream history (``app.state.stream_history``, set in its lifespan)."""
    history: StreamHistory = request.app.state.stream_history
    return history


StreamHistoryDep = Annotated[StreamHistory, Depends(get_stream_history)]
AsOf = Annotated[datetime | None, Depends(as_of_parameter)]


def stream_history_router(
    *, roles: Sequence[Role] = AUDITORS, tags: Sequence[str] = ("audit 审计",)
) -> APIRouter:
    """``GET /streams/{stream_id}/history?after=&limit=&as_of=`` for ``roles``."""
    # No ``from __future__ import annotations`` in this module: FastAPI must see this local alias.
    router = APIRouter(prefix="/streams", tags=list(tags))
    Auditor = Annotated[Principal, Depends(require_roles(*roles))]  # noqa: N806

    @router.get(
        "/{stream_id}/history",
        response_model=StreamHistoryPage,
        summary="流历史（审计） A stream's history for audit: who did what, when and why",
        responses={200: {"content": {"application/json": {"example": EXAMPLE}}}},
    )
    async def read_stream_history(
        stream_id: str,
        principal: Auditor,
        history: StreamHistoryDep,
        response: Response,
        as_of: AsOf,
        after: Annotated[
            int, Query(ge=0, description="从该版本之后开始 Events after this stream version")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数 Page size")] = 50,
    ) -> StreamHistoryPage:
        commits = await history.commits(stream_id, until=as_of)
        if not commits:
            raise NotFound("stream", stream_id)
        events = [event for commit in commits for event in commit.events]
        if not principal.may_see_region(events[0].region):
            raise Forbidden(
                "other_region",
                "只能查看本地区的记录",
                "You may only read the records of your own region",
            )
        recorded = {
            event.stream_version: commit.recorded_at
            for commit in commits
            for event in commit.events
        }
        page = [e for e in events if e.stream_version > after][:limit]
        version = commits[-1].last_version
        response.headers["X-Stream-Version"] = str(version)
        last = page[-1].stream_version if page else None
        return StreamHistoryPage(
            stream_id=stream_id,
            stream_type=commits[0].stream_type,
            version=version,
            items=[
                HistoryEntry(
                    stream_version=e.stream_version,
                    event_id=str(e.event_id),
                    event_type=e.event_type,
                    schema_version=e.schema_version,
                    recorded_at=recorded[e.stream_version],
                    occurred_at=e.occurred_at,
                    actor=e.actor,
                    region=e.region,
                    correlation_id=e.correlation_id,
                    causation_id=e.causation_id,
                    payload=e.payload,
                )
                for e in page
            ],
            next_after=last if last is not None and last < version else None,
        )

    return router
