"""Screening's command handlers: each loads one round, calls one method, appends what it decided.

Longlisting reads the library projection first (``CandidateSource``): a candidate's title, field and
evaluation score are taken from what the library shows, not from the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from screening.application.registrants import InMemoryRegistrants, Registrants
from screening.domain.access import Actor
from screening.domain.commands import (
    FinalizeShortlist,
    LonglistCandidate,
    OpenScreeningRound,
    PublishLonglist,
    RecordInterest,
    RemoveCandidate,
    StateDemand,
)
from screening.domain.round import STATUS_NAMES, LibraryFacts, ScreeningRound
from ztc_shared.application import CommandContext, CommandResult, execute
from ztc_shared.clock import Clock
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.domain import DomainError
from ztc_shared.events import EVENTS
from ztc_shared.eventstore import EventStore


class CandidateSource(Protocol):
    """The library as screening's projection shows it (``LibraryQueries`` fits)."""

    async def get(self, achievement_id: str) -> dict[str, Any] | None: ...


class NoLibrary:
    """A library that knows nothing: every candidate is refused."""

    async def get(self, achievement_id: str) -> dict[str, Any] | None:
        return None


@dataclass(frozen=True)
class Ports:
    store: EventStore
    clock: Clock
    library: CandidateSource
    registrants: Registrants = field(default_factory=InMemoryRegistrants)


def _reply(round_: ScreeningRound, version: int) -> dict[str, Any]:
    return {
        "id": round_.id,
        "status": round_.status.value if round_.status else None,
        "status_name": STATUS_NAMES[round_.status] if round_.status else None,
        "longlist_size": len(round_.longlist),
        "stream_version": version,
    }


def round_of_roadshow(roadshow_id: str) -> str:
    """A roadshow's one screening round (one longlist, one shortlist for its stage)."""
    return f"round-{roadshow_id}"


async def open_round(
    ports: Ports, command: OpenScreeningRound, context: CommandContext, stream_id: str | None
) -> CommandResult:
    """The round's id is its roadshow's (``round-<roadshow>``), whoever opens it: opened by hand
    before the plan reached screening, the plan's automatic opening finds it open, and a second
    opening for the same roadshow is refused (该筛选轮次已经启动)."""
    actor = Actor.of(context)
    return await execute(
        ports.store,
        ScreeningRound,
        stream_id or round_of_roadshow(command.roadshow_ref),
        context,
        lambda round_: round_.open(command, actor),
        command="OpenScreeningRound",
        clock=ports.clock,
        must_exist=False,
        body=_reply,
    )


async def longlist_candidate(
    ports: Ports, command: LonglistCandidate, context: CommandContext, stream_id: str | None
) -> CommandResult:
    """Look the achievement up in the library, then let the round decide."""
    if stream_id is None:
        raise ValueError("LonglistCandidate needs the round's id")
    entry = await ports.library.get(command.achievement_id)
    if entry is None:
        raise DomainError(
            "not_in_library",
            "项目库中没有该科技成果（只有已入库或已公开的成果可以列入初筛名单）",
            "No such achievement in the library (only admitted or published ones can be longlisted)",
        )
    score = entry.get("combined_score")
    facts = LibraryFacts(
        achievement_id=command.achievement_id,
        title=str(entry["title"]),
        field=IndustryField(entry["field"]),
        combined_score=Decimal(str(score)) if score is not None else None,
        status=str(entry.get("status")),
    )
    actor = Actor.of(context)
    return await execute(
        ports.store,
        ScreeningRound,
        stream_id,
        context,
        lambda round_: round_.add_candidate(command, facts, actor),
        command="LonglistCandidate",
        clock=ports.clock,
        body=_reply,
    )


async def _to_registrants(
    ports: Ports, command: PublishLonglist, stream_id: str
) -> PublishLonglist:
    """The push without named companies goes to the roadshow's approved registrants."""
    loaded = await ports.store.load(stream_id, fresh=True)
    round_ = ScreeningRound.rehydrate(stream_id, [EVENTS.payload(e) for e in loaded.events])
    if round_.opened is None:
        return command  # the round refuses it
    companies = await ports.registrants.confirmed(round_.opened.roadshow_ref)
    return command.model_copy(update={"company_ids": companies})


ROUND_METHODS: dict[type, str] = {
    RemoveCandidate: "remove_candidate",
    PublishLonglist: "publish",
    RecordInterest: "record_interest",
    StateDemand: "state_demand",
    FinalizeShortlist: "finalize",
}


async def _on_round(
    ports: Ports, command: Any, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError(f"{type(command).__name__} needs the round's id")
    actor = Actor.of(context)
    method = ROUND_METHODS[type(command)]
    if isinstance(command, PublishLonglist) and not command.company_ids:
        command = await _to_registrants(ports, command, stream_id)
    return await execute(
        ports.store,
        ScreeningRound,
        stream_id,
        context,
        lambda round_: getattr(round_, method)(command, actor),
        command=type(command).__name__,
        clock=ports.clock,
        body=_reply,
    )


Handler = Callable[[Ports, Any, CommandContext, str | None], Awaitable[CommandResult]]

HANDLERS: dict[type, Handler] = {
    OpenScreeningRound: open_round,
    LonglistCandidate: longlist_candidate,
    **{command: _on_round for command in ROUND_METHODS},
}
