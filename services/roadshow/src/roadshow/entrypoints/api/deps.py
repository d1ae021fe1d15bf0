"""Dependency aliases of roadshow's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from roadshow.bootstrap import Roadshow
from roadshow.domain.roadshow_event import RoadshowEvent
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.domain import OPERATORS
from ztc_shared.eventstore import StreamReader
from ztc_shared.history import AsOf, StreamHistory
from ztc_shared.history.as_of import streams_at
from ztc_shared.web import CommandContextFor, require_roles


async def get_roadshow(request: Request) -> Roadshow:
    roadshow: Roadshow = request.app.state.roadshow
    return roadshow


RoadshowDep = Annotated[Roadshow, Depends(get_roadshow)]


async def get_reads(request: Request, roadshow: RoadshowDep, as_of: AsOf) -> StreamReader:
    """Where reads load streams from: the event store now, or — with ``as_of`` (时间回溯) — every
    stream as it stood then (from ``app.state.stream_history``)."""
    history: StreamHistory | None = getattr(request.app.state, "stream_history", None)
    return streams_at(roadshow.ports.store, history, as_of)


ReadsDep = Annotated[StreamReader, Depends(get_reads)]

ORGANISERS = (Role.HOST, *OPERATORS)
COACHES = (Role.SZSE, Role.SUPPORT_ORG, *ORGANISERS)
REGISTRARS = (Role.COMPANY, Role.SZSE, Role.HOST)

ProvinceContext = Annotated[CommandContext, Depends(CommandContextFor(Role.PROVINCE))]
TorchContext = Annotated[CommandContext, Depends(CommandContextFor(Role.TORCH_CENTER))]
HostContext = Annotated[CommandContext, Depends(CommandContextFor(Role.HOST))]
OrganiserContext = Annotated[CommandContext, Depends(CommandContextFor(*ORGANISERS))]
CoachContext = Annotated[CommandContext, Depends(CommandContextFor(*COACHES))]
RegistrarContext = Annotated[CommandContext, Depends(CommandContextFor(*REGISTRARS))]
CompanyContext = Annotated[CommandContext, Depends(CommandContextFor(Role.COMPANY))]
CancellerContext = Annotated[CommandContext, Depends(CommandContextFor(Role.COMPANY, *ORGANISERS))]
AskerContext = Annotated[CommandContext, Depends(CommandContextFor(Role.COMPANY, *ORGANISERS))]
ExpertContext = Annotated[CommandContext, Depends(CommandContextFor(Role.EXPERT))]
ErasureContext = Annotated[CommandContext, Depends(CommandContextFor(Role.COMPANY, *OPERATORS))]

ApplicationReader = Annotated[Principal, Depends(require_roles(Role.PROVINCE, Role.TORCH_CENTER))]
Everyone = Annotated[Principal, Depends(require_roles(*Role))]
OrganiserReader = Annotated[Principal, Depends(require_roles(*ORGANISERS))]


def organises(principal: Principal, event: RoadshowEvent) -> bool:
    """What a read shows the organisers of a roadshow: its own host and the organisers above it;
    the host of another roadshow is not one of them."""
    if principal.role is Role.HOST:
        return principal.subject == event.host_id
    return principal.role in OPERATORS
