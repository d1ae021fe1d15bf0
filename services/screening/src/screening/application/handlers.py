"""Screening's command handlers, and what the round's methods are given besides the command.

Every command goes to one method of the round (``screening.bootstrap`` maps them). Longlisting
reads the library projection first (``CandidateSource``): a candidate's title, field and evaluation
score are taken from what the library shows, not from the caller. A push that names no companies
goes to the roadshow's approved registrants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from screening.application.registrants import InMemoryRegistrants, Registrants
from screening.domain.access import Actor
from screening.domain.commands import LonglistCandidate, OpenScreeningRound, PublishLonglist
from screening.domain.round import STATUS_NAMES, LibraryFacts, ScreeningRound
from ztc_shared.application import Call, CommandResult
from ztc_shared.clock import Clock
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.domain import DomainError
from ztc_shared.events import EVENTS
from ztc_shared.eventstore import CommandStore


class CandidateSource(Protocol):
    """The library as screening's projection shows it (``LibraryQueries`` fits)."""

    async def get(self, achievement_id: str) -> dict[str, Any] | None: ...


class NoLibrary:
    """A library that knows nothing: every candidate is refused."""

    async def get(self, achievement_id: str) -> dict[str, Any] | None:
        return None


@dataclass(frozen=True)
class Ports:
    store: CommandStore
    clock: Clock
    library: CandidateSource
    registrants: Registrants = field(default_factory=InMemoryRegistrants)


SERVICE = "screening"


def reply(round_: ScreeningRound, version: int) -> dict[str, Any]:
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


def round_to_open(call: Call[OpenScreeningRound]) -> str:
    """The round's id is its roadshow's (``round-<roadshow>``), whoever opens it: opened by hand
    before the plan reached screening, the plan's automatic opening finds it open, and a second
    opening for the same roadshow is refused (该筛选轮次已经启动)."""
    return call.stream_id or round_of_roadshow(call.command.roadshow_ref)


async def library_facts(ports: Ports, call: Call[LonglistCandidate]) -> tuple[LibraryFacts, Actor]:
    """What longlisting takes after the command: the candidate as the library shows it."""
    command = call.command
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
    return facts, Actor.of(call.context)


async def publish_longlist(ports: Ports, call: Call[PublishLonglist]) -> CommandResult:
    """Push the longlist; without named companies, to the roadshow's approved registrants."""
    stream_id, actor = call.named_stream(), Actor.of(call.context)
    command = call.command
    if not command.company_ids:
        command = await _to_registrants(ports, command, stream_id)
    return await call.execute(
        ScreeningRound, stream_id, lambda round_: round_.publish(command, actor), body=reply
    )


async def _to_registrants(
    ports: Ports, command: PublishLonglist, stream_id: str
) -> PublishLonglist:
    loaded = await ports.store.load(stream_id, fresh=True)
    round_ = ScreeningRound.rehydrate(stream_id, [EVENTS.payload(e) for e in loaded.events])
    if round_.opened is None:
        return command  # the round refuses it
    companies = await ports.registrants.confirmed(round_.opened.roadshow_ref)
    return command.model_copy(update={"company_ids": companies})
