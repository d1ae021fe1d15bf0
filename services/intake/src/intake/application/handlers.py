"""Intake's command handlers: each loads one aggregate, calls one method, appends what it decided."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from intake.domain.access import Actor
from intake.domain.achievement import Achievement
from intake.domain.call import CollectionCall
from intake.domain.commands import (
    AdmitAchievement,
    ArchiveAchievement,
    AssignEvaluators,
    CloseCollectionCall,
    DraftAchievement,
    EvaluateAchievement,
    GrantConfidentialAccess,
    OpenCollectionCall,
    PublishAchievement,
    RecuseEvaluator,
    RejectAchievement,
    ResubmitAchievement,
    ReturnAchievement,
    SubmitAchievement,
    UpdateAchievement,
    WithdrawAchievement,
)
from ztc_shared.application import CommandContext, CommandResult, execute
from ztc_shared.clock import Clock
from ztc_shared.domain import DomainError, NotFound
from ztc_shared.events import EVENTS, DomainEvent, EventEnvelope
from ztc_shared.eventstore import EventStore


@dataclass(frozen=True)
class Ports:
    store: EventStore
    clock: Clock


def _reply(achievement: Achievement, version: int) -> dict[str, Any]:
    return {
        "id": achievement.id,
        "status": achievement.status.value if achievement.status else None,
        "stream_version": version,
    }


def _call_reply(call: CollectionCall, version: int) -> dict[str, Any]:
    return {"id": call.id, "status": "open" if call.open else "closed", "stream_version": version}


async def draft_achievement(
    ports: Ports, command: DraftAchievement, context: CommandContext, stream_id: str | None
) -> CommandResult:
    actor = Actor.of(context)
    return await execute(
        ports.store,
        Achievement,
        stream_id or str(uuid.uuid4()),
        context,
        lambda achievement: achievement.draft(command, actor),
        command="DraftAchievement",
        clock=ports.clock,
        must_exist=False,
        new_stream=stream_id is None,
        body=_reply,
    )


async def submit_achievement(
    ports: Ports, command: SubmitAchievement, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if command.call_id is not None:
        await _require_open_call(ports, command.call_id)
    return await _on_achievement(ports, command, context, stream_id)


async def _require_open_call(ports: Ports, call_id: str) -> None:
    loaded = await ports.store.load(call_id)
    if loaded.version == 0:
        raise NotFound("collection_call", call_id)
    call = CollectionCall.rehydrate(call_id, [_payload(e) for e in loaded.events])
    if not call.accepts(ports.clock.now()):
        raise DomainError(
            "call_closed",
            f"征集“{call.title}”已截止或关闭，不能再提交",
            f"The call {call.title} is closed or past its deadline",
        )


def _payload(envelope: EventEnvelope) -> DomainEvent:
    return EVENTS.payload(envelope)


# The other achievement commands: one aggregate method each, with the actor.
ACHIEVEMENT_METHODS: dict[type, str] = {
    UpdateAchievement: "update",
    SubmitAchievement: "submit",
    ResubmitAchievement: "resubmit",
    ReturnAchievement: "return_for_revision",
    AssignEvaluators: "assign",
    RecuseEvaluator: "recuse",
    EvaluateAchievement: "evaluate",
    AdmitAchievement: "admit",
    RejectAchievement: "reject",
    PublishAchievement: "publish",
    GrantConfidentialAccess: "grant_access",
    WithdrawAchievement: "withdraw",
    ArchiveAchievement: "archive",
}


async def _on_achievement(
    ports: Ports, command: Any, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError(f"{type(command).__name__} needs the achievement's id")
    actor = Actor.of(context)
    method = ACHIEVEMENT_METHODS[type(command)]
    return await execute(
        ports.store,
        Achievement,
        stream_id,
        context,
        lambda achievement: getattr(achievement, method)(command, actor),
        command=type(command).__name__,
        clock=ports.clock,
        body=_reply,
    )


async def open_call(
    ports: Ports, command: OpenCollectionCall, context: CommandContext, stream_id: str | None
) -> CommandResult:
    actor, now = Actor.of(context), ports.clock.now()
    return await execute(
        ports.store,
        CollectionCall,
        stream_id or f"call-{uuid.uuid4()}",
        context,
        lambda call: call.open_call(command, actor, now),
        command="OpenCollectionCall",
        clock=ports.clock,
        must_exist=False,
        new_stream=stream_id is None,
        body=_call_reply,
    )


async def close_call(
    ports: Ports, command: CloseCollectionCall, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError("CloseCollectionCall needs the call's id")
    actor = Actor.of(context)
    return await execute(
        ports.store,
        CollectionCall,
        stream_id,
        context,
        lambda call: call.close(command, actor),
        command="CloseCollectionCall",
        clock=ports.clock,
        body=_call_reply,
    )


Handler = Callable[[Ports, Any, CommandContext, str | None], Awaitable[CommandResult]]

HANDLERS: dict[type, Handler] = {
    DraftAchievement: draft_achievement,
    SubmitAchievement: submit_achievement,
    OpenCollectionCall: open_call,
    CloseCollectionCall: close_call,
    **{
        command: _on_achievement
        for command in ACHIEVEMENT_METHODS
        if command is not SubmitAchievement
    },
}
