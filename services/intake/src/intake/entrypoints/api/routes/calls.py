"""Collection calls (征集): open and close them; read one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response, status
from pydantic import BaseModel

from intake.domain.call import CollectionCall
from intake.domain.commands import CloseCollectionCall, OpenCollectionCall
from intake.entrypoints.api.deps import IntakeDep, Reader
from ztc_shared.application import CommandContext
from ztc_shared.auth import Role
from ztc_shared.domain import NotFound
from ztc_shared.events import EVENTS
from ztc_shared.history import AsOf, StreamHistoryDep, load_as_of
from ztc_shared.web import CommandContextFor, reply_to

router = APIRouter(prefix="/calls", tags=["calls 征集"])

OperatorContext = Annotated[
    CommandContext, Depends(CommandContextFor(Role.PROVINCE, Role.TORCH_CENTER))
]


class CallAccepted(BaseModel):
    id: str
    status: str
    stream_version: int


class CallView(BaseModel):
    id: str
    title: str
    status: str
    deadline: str | None
    stream_version: int


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CallAccepted,
    summary="发布征集 Open a call (all-year open call or targeted call with a deadline)",
)
async def open_call(
    command: OpenCollectionCall, context: OperatorContext, intake: IntakeDep, response: Response
) -> dict[str, Any]:
    body = await reply_to(intake, command, context, response)
    response.headers["Location"] = f"/calls/{body['id']}"
    return body


@router.post("/{call_id}/close", response_model=CallAccepted, summary="关闭征集 Close a call")
async def close_call(
    call_id: str,
    context: OperatorContext,
    intake: IntakeDep,
    response: Response,
    command: CloseCollectionCall = Body(default_factory=CloseCollectionCall),  # noqa: B008
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, call_id)


@router.get("/{call_id}", response_model=CallView, summary="查看征集 Read a call")
async def read_call(
    call_id: str, _reader: Reader, intake: IntakeDep, history: StreamHistoryDep, as_of: AsOf
) -> CallView:
    """``as_of`` answers with the call as it stood then (时间回溯)."""
    loaded = await load_as_of(intake.ports.store, history, call_id, as_of)
    if loaded.version == 0 or loaded.events[0].event_type != "CollectionCallOpened":
        raise NotFound("collection_call", call_id)
    call = CollectionCall.rehydrate(call_id, [EVENTS.payload(e) for e in loaded.events])
    return CallView(
        id=call_id,
        title=call.title,
        status="open" if call.open else "closed",
        deadline=call.deadline.isoformat() if call.deadline else None,
        stream_version=loaded.version,
    )
