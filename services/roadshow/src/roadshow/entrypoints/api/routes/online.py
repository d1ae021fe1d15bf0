"""The online channel (线上对接渠道): the longlisted projects not on stage, offered to the
roadshow's registered companies, who ask to meet them; the holder accepts or declines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response

from roadshow.application.handlers import load
from roadshow.domain.commands import (
    AcceptOnlineMeeting,
    DeclineOnlineMeeting,
    RequestOnlineMeeting,
)
from roadshow.domain.online import REQUEST_STATE_NAMES, OnlineChannel
from roadshow.domain.roadshow_event import RoadshowEvent
from roadshow.entrypoints.api.deps import (
    ORGANISERS,
    CompanyContext,
    Everyone,
    ReadsDep,
    RoadshowDep,
    organises,
)
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.contracts.roadshow import online_channel_id
from ztc_shared.domain import NotFound
from ztc_shared.web import CommandContextFor, reply_to

router = APIRouter(prefix="/roadshows", tags=["online channel 线上对接渠道"])

AnswererContext = Annotated[CommandContext, Depends(CommandContextFor(Role.HOLDER, *ORGANISERS))]

REQUEST_EXAMPLE = {
    "achievement_id": "ach-07",
    "modes": ["license"],
    "message": "我司有中试产线，希望进一步了解许可条件",
}
ACCEPT_EXAMPLE = {
    "achievement_id": "ach-07",
    "company_id": "91350100M000100Y43",
    "note": "欢迎下周二线上会谈",
}
DECLINE_EXAMPLE = {
    "achievement_id": "ach-07",
    "company_id": "91350100M000100Y43",
    "reason": "该成果已与其他企业达成独家许可",
}


@router.get(
    "/{roadshow_id}/online-channel",
    summary="线上对接渠道 The projects offered outside the stage, and the requests one may see",
)
async def read_online_channel(
    roadshow_id: str,
    principal: Everyone,
    roadshow: RoadshowDep,
    reads: ReadsDep,
    response: Response,
) -> dict[str, Any]:
    """Everyone sees the listing; a company sees its own requests, a holder those for their
    projects, the organisers (this roadshow's host, not another's) all of them."""
    event = await load(reads, RoadshowEvent, roadshow_id)
    if event.planned is None:
        raise NotFound("roadshow", roadshow_id)
    offered = list(event.shortlist.not_selected) if event.shortlist else []
    cards = await roadshow.ports.directory.achievements(offered)
    channel = await load(reads, OnlineChannel, online_channel_id(roadshow_id))
    response.headers["X-Stream-Version"] = str(channel.version)
    projects = []
    for achievement_id in offered:
        card = cards.get(achievement_id)
        projects.append(
            {
                "achievement_id": achievement_id,
                "title": card.title if card else "",
                "holder_name": card.holder_name if card else "",
                "institution": card.institution if card else "",
                "field": card.field if card else None,
            }
        )
    holders = {i: c.holder_id for i, c in cards.items()}
    requests = [
        {
            **request.requested.model_dump(mode="json"),
            "state": request.state.value,
            "state_name": REQUEST_STATE_NAMES[request.state],
            "answer": request.answer,
        }
        for (achievement_id, company_id), request in channel.requests.items()
        if _sees_request(principal, event, company_id, holders.get(achievement_id))
    ]
    return {
        "roadshow_id": roadshow_id,
        "stream_version": channel.version,
        "open": bool(offered),
        "projects": projects,
        "requests": requests,
    }


def _sees_request(
    principal: Principal, event: RoadshowEvent, company_id: str, holder_id: str | None
) -> bool:
    if organises(principal, event):
        return True
    if principal.role is Role.COMPANY:
        return principal.subject == company_id
    return principal.role is Role.HOLDER and principal.subject == holder_id


@router.post(
    "/{roadshow_id}/online-channel/requests",
    summary="申请线上对接 A registered company asks to meet a project of the channel",
)
async def request_meeting(
    roadshow_id: str,
    command: Annotated[
        RequestOnlineMeeting, Body(openapi_examples={"申请": {"value": REQUEST_EXAMPLE}})
    ],
    context: CompanyContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/online-channel/accept",
    summary="同意对接 The holder (or the host) accepts a request: an intent for tracking",
)
async def accept_request(
    roadshow_id: str,
    command: Annotated[
        AcceptOnlineMeeting, Body(openapi_examples={"同意": {"value": ACCEPT_EXAMPLE}})
    ],
    context: AnswererContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/online-channel/decline",
    summary="婉拒对接 The holder (or the host) declines a request, saying why",
)
async def decline_request(
    roadshow_id: str,
    command: Annotated[
        DeclineOnlineMeeting, Body(openapi_examples={"婉拒": {"value": DECLINE_EXAMPLE}})
    ],
    context: AnswererContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)
