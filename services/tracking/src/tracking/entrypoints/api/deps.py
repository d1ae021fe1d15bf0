"""Dependency aliases of tracking's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tracking.adapters.mongo import MongoFacts
from tracking.bootstrap import Tracking
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.domain import OPERATORS
from ztc_shared.eventstore import StreamReader
from ztc_shared.history import AsOf, StreamHistory
from ztc_shared.history.as_of import streams_at
from ztc_shared.web import CommandContextFor, require_roles


async def get_tracking(request: Request) -> Tracking:
    tracking: Tracking = request.app.state.tracking
    return tracking


async def get_facts(request: Request) -> MongoFacts:
    facts: MongoFacts = request.app.state.facts
    return facts


TrackingDep = Annotated[Tracking, Depends(get_tracking)]
FactsDep = Annotated[MongoFacts, Depends(get_facts)]


async def get_reads(request: Request, tracking: TrackingDep, as_of: AsOf) -> StreamReader:
    """Where reads load streams from: the event store now, or — with ``as_of`` (时间回溯) — every
    stream as it stood then (from ``app.state.stream_history``)."""
    history: StreamHistory | None = getattr(request.app.state, "stream_history", None)
    return streams_at(tracking.ports.store, history, as_of)


ReadsDep = Annotated[StreamReader, Depends(get_reads)]

FOLLOWERS = (Role.HOST, Role.SUPPORT_ORG, *OPERATORS)  # who records a case's progress
READERS = (*FOLLOWERS, Role.SZSE)

FollowerContext = Annotated[CommandContext, Depends(CommandContextFor(*FOLLOWERS))]
OperatorContext = Annotated[CommandContext, Depends(CommandContextFor(*OPERATORS))]
HostContext = Annotated[CommandContext, Depends(CommandContextFor(Role.HOST))]
TorchContext = Annotated[CommandContext, Depends(CommandContextFor(Role.TORCH_CENTER))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
SummaryReader = Annotated[Principal, Depends(require_roles(Role.HOST, *OPERATORS))]
