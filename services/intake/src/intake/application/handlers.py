"""Intake's command handlers: each loads one aggregate, calls one method, appends what it decided."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from intake.application.duplicates import DuplicateFinder, NoDuplicateFinder
from intake.domain.access import Actor
from intake.domain.achievement import Achievement
from intake.domain.call import CollectionCall
from intake.domain.commands import (
    AdmitAchievement,
    ArchiveAchievement,
    AssignEvaluators,
    CloseCollectionCall,
    DismissDuplicate,
    DraftAchievement,
    EvaluateAchievement,
    GrantConfidentialAccess,
    MergeDuplicate,
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
    duplicates: DuplicateFinder = field(default_factory=NoDuplicateFinder)


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
    ports: Ports,
    command: SubmitAchievement | ResubmitAchievement,
    context: CommandContext,
    stream_id: str | None,
) -> CommandResult:
    """Submit or resubmit, recording any achievement it looks like (``DuplicateSuspected``)."""
    if stream_id is None:
        raise ValueError(f"{type(command).__name__} needs the achievement's id")
    if isinstance(command, SubmitAchievement) and command.call_id is not None:
        await _require_open_call(ports, command.call_id)
    loaded = await ports.store.load(stream_id)
    # Looked up before the command runs (the read model is eventually consistent anyway); the
    # aggregate records only suspicions it has not recorded before.
    duplicates: list[tuple[str, str]] = []
    if loaded.events and loaded.events[0].event_type == "AchievementDrafted":
        current = Achievement.rehydrate(stream_id, [_payload(e) for e in loaded.events])
        duplicates = await ports.duplicates.find(stream_id, current.details)
    actor = Actor.of(context)
    method = "submit" if isinstance(command, SubmitAchievement) else "resubmit"
    return await execute(
        ports.store,
        Achievement,
        stream_id,
        context,
        lambda achievement: getattr(achievement, method)(command, actor, duplicates),
        command=type(command).__name__,
        clock=ports.clock,
        body=_reply,
    )


async def merge_duplicate(
    ports: Ports, command: MergeDuplicate, context: CommandContext, stream_id: str | None
) -> CommandResult:
    """Withdraw the duplicate as merged into this one, then record the merge here. Each step is a
    no-op when done already, so a retry after a failure between them completes the merge."""
    if stream_id is None:
        raise ValueError("MergeDuplicate needs the achievement's id")
    actor = Actor.of(context)
    kept = await ports.store.load(stream_id)
    if kept.version == 0:
        raise NotFound("achievement", stream_id)
    state = Achievement.rehydrate(stream_id, [_payload(e) for e in kept.events])
    if command.other_id not in state.suspected and command.other_id not in state.merged:
        state.merge(command, actor)  # raises the domain's refusal, nothing written
    await execute(
        ports.store,
        Achievement,
        command.other_id,
        context,
        lambda other: other.absorb_into(stream_id, actor),
        command="AbsorbDuplicate",
        clock=ports.clock,
        body=_reply,
    )
    return await execute(
        ports.store,
        Achievement,
        stream_id,
        context,
        lambda achievement: achievement.merge(command, actor),
        command="MergeDuplicate",
        clock=ports.clock,
        body=_reply,
    )


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
    DismissDuplicate: "dismiss_duplicate",
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
    ResubmitAchievement: submit_achievement,
    MergeDuplicate: merge_duplicate,
    OpenCollectionCall: open_call,
    CloseCollectionCall: close_call,
    **{command: _on_achievement for command in ACHIEVEMENT_METHODS},
}
