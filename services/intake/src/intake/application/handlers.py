"""Intake's command handlers: the commands that need more than one method of one aggregate.

The others go straight to an aggregate method; ``intake.bootstrap`` maps every command to what
runs it. ``_reply`` and ``_call_reply`` shape the replies of both kinds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intake.application.duplicates import DuplicateFinder, NoDuplicateFinder
from intake.domain.access import Actor
from intake.domain.achievement import Achievement
from intake.domain.call import CollectionCall
from intake.domain.commands import MergeDuplicate, SubmitAchievement
from ztc_shared.application import Call, CommandResult, idempotency_scope
from ztc_shared.clock import Clock
from ztc_shared.domain import DomainError, NotFound
from ztc_shared.events import EVENTS, DomainEvent, EventEnvelope
from ztc_shared.eventstore import CommandStore

SERVICE = "intake"


@dataclass(frozen=True)
class Ports:
    store: CommandStore
    clock: Clock
    duplicates: DuplicateFinder = field(default_factory=NoDuplicateFinder)


def reply(achievement: Achievement, version: int) -> dict[str, Any]:
    return {
        "id": achievement.id,
        "status": achievement.status.value if achievement.status else None,
        "stream_version": version,
    }


def call_reply(call: CollectionCall, version: int) -> dict[str, Any]:
    return {"id": call.id, "status": "open" if call.open else "closed", "stream_version": version}


def new_achievement_id() -> str:
    return str(uuid.uuid4())


def new_call_id() -> str:
    return f"call-{uuid.uuid4()}"


async def actor_and_now(ports: Ports, call: Call[Any]) -> tuple[Actor, datetime]:
    """What opening a call takes after the command: who opens it, and when."""
    return call.actor, ports.clock.now()


async def submit_achievement(ports: Ports, call: Call[Any]) -> CommandResult:
    """Submit or resubmit, recording any achievement it looks like (``DuplicateSuspected``).

    The suspects are looked up on the state the command decides on (the read model is eventually
    consistent anyway), so the stream is loaded once; the aggregate records only suspicions it has
    not recorded before."""
    stream_id = call.named_stream()
    command = call.command
    if isinstance(command, SubmitAchievement) and command.call_id is not None:
        await _require_open_call(ports, command.call_id)
    actor = call.actor
    submit = Achievement.submit if isinstance(command, SubmitAchievement) else Achievement.resubmit

    async def decide(achievement: Achievement) -> None:
        duplicates = await ports.duplicates.find(stream_id, achievement.details)
        submit(achievement, command, actor, duplicates)

    return await call.execute(Achievement, stream_id, decide, body=reply)


async def merge_duplicate(ports: Ports, call: Call[MergeDuplicate]) -> CommandResult:
    """Withdraw the duplicate as merged into this one, then record the merge here. Each step is a
    no-op when done already, so a retry after a failure between them completes the merge."""
    stream_id, command, actor = call.named_stream(), call.command, call.actor
    kept = await ports.store.load(stream_id)
    if kept.version == 0:
        raise NotFound("achievement", stream_id)
    state = Achievement.rehydrate(stream_id, [_payload(e) for e in kept.events])
    if command.other_id not in state.suspected and command.other_id not in state.merged:
        state.merge(command, actor)  # raises the domain's refusal, nothing written
    await call.execute(
        Achievement,
        command.other_id,
        lambda other: other.absorb_into(stream_id, actor),
        body=reply,
        scope=idempotency_scope(SERVICE, "AbsorbDuplicate"),
    )
    return await call.execute(
        Achievement, stream_id, lambda achievement: achievement.merge(command, actor), body=reply
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
