"""Intake's command handlers: each loads one aggregate, calls one method, appends what it decided."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from intake.domain.achievement import Achievement
from intake.domain.commands import DraftAchievement, SubmitAchievement
from ztc_shared.application import CommandContext, CommandResult, execute
from ztc_shared.clock import Clock
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


async def draft_achievement(
    ports: Ports, command: DraftAchievement, context: CommandContext, stream_id: str | None
) -> CommandResult:
    return await execute(
        ports.store,
        Achievement,
        stream_id or str(uuid.uuid4()),
        context,
        lambda achievement: achievement.draft(command),
        command="DraftAchievement",
        clock=ports.clock,
        must_exist=False,
        new_stream=stream_id is None,
        body=_reply,
    )


async def submit_achievement(
    ports: Ports, command: SubmitAchievement, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError("SubmitAchievement needs the achievement's id")
    return await execute(
        ports.store,
        Achievement,
        stream_id,
        context,
        lambda achievement: achievement.submit(command),
        command="SubmitAchievement",
        clock=ports.clock,
        body=_reply,
    )


Handler = Callable[[Ports, Any, CommandContext, str | None], Awaitable[CommandResult]]

HANDLERS: dict[type, Handler] = {
    DraftAchievement: draft_achievement,
    SubmitAchievement: submit_achievement,
}
