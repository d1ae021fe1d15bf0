"""Roadshow's command handlers, and what the aggregates' methods are given besides the command.

Every command goes to one method of one aggregate (``roadshow.bootstrap`` maps them). Some
decisions need another stream's state, read first and handed in as facts (the ``given`` functions
here): planning reads the
year's programme (its hosts), launching reads the year's approved applications, the review reads
its roadshow, the one-to-one meetings read their roadshow (and intake's holder accounts), the
online channel reads its roadshow, and concluding reads the review's results and the meetings held.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, TypeVar

from roadshow.application.directory import Directory, InMemoryDirectory
from roadshow.domain.access import Actor, provinces_only
from roadshow.domain.commands import (
    AcceptOnlineMeeting,
    ConcludeRoadshow,
    EraseRegistrant,
    LaunchProgramme,
    PlanRoadshow,
    ProposeMeetingSchedule,
    RegisterCompany,
    RequestOnlineMeeting,
    SetUpMeetings,
)
from roadshow.domain.meetings import MeetingFacts, OneToOneMeetings, meeting_facts
from roadshow.domain.programme import HostApplication, Programme
from roadshow.domain.provinces import PROVINCES
from roadshow.domain.registrant import Registrant, check_may_erase, registrant_id
from roadshow.domain.review import Review
from roadshow.domain.roadshow_event import STATUS_NAMES, RoadshowEvent, RoadshowFacts
from roadshow.domain.scheduling import Problem, Schedule, schedule_fast
from ztc_shared.application import Call, CommandResult
from ztc_shared.clock import Clock
from ztc_shared.contracts.roadshow import (
    CompanyRegistered,
    HostApplicationApproved,
    host_application_id,
    meetings_id,
    online_channel_id,
    programme_id,
    registrant_subject,
    review_id,
)
from ztc_shared.domain import Aggregate, NotFound
from ztc_shared.events import EVENTS
from ztc_shared.eventstore import CommandStore, StreamReader
from ztc_shared.personal import PersonalDataVault
from ztc_shared.personal.memory import InMemoryKeyStore

SERVICE = "roadshow"


@dataclass(frozen=True)
class Ports:
    store: CommandStore
    clock: Clock
    directory: Directory = field(default_factory=InMemoryDirectory)
    vault: PersonalDataVault = field(default_factory=lambda: PersonalDataVault(InMemoryKeyStore()))


A = TypeVar("A", bound=Aggregate)


async def load(store: StreamReader, kind: type[A], stream_id: str) -> A:
    """The aggregate as stored now, for a read or for facts another decision needs.

    Always read from the database (``fresh``): the store's cache of streams is corrected only
    for the stream a command appends to, by its conflict, and other processes (another replica,
    the worker's reactions) append to these streams too."""
    loaded = await store.load(stream_id, fresh=True)
    if loaded.version and loaded.events[0].stream_type != kind.stream_type:
        raise NotFound(kind.stream_type, stream_id)
    return kind.rehydrate(stream_id, [EVENTS.payload(e) for e in loaded.events])


async def roadshow_facts(store: StreamReader, roadshow_id: str) -> RoadshowFacts:
    event = await load(store, RoadshowEvent, roadshow_id)
    if not event.exists:
        raise NotFound("roadshow", roadshow_id)
    return event.facts()


async def approved_applications(store: StreamReader, year: int) -> list[HostApplicationApproved]:
    applications = [
        await load(store, HostApplication, host_application_id(year, code)) for code in PROVINCES
    ]
    return [a.approved for a in applications if a.approved is not None]


def reply(aggregate: Aggregate, version: int) -> dict[str, Any]:
    body: dict[str, Any] = {"id": aggregate.id, "stream_version": version}
    status = getattr(aggregate, "status", None)
    if status is not None:
        body["status"] = status.value
        if isinstance(aggregate, RoadshowEvent):
            body["status_name"] = STATUS_NAMES[status]
    return body


def _actor(call: Call[Any]) -> Actor:
    return Actor.of(call.context)


# the year


def application_of_province(call: Call[Any]) -> str:
    """A province applies once a year: the application's id is the year's and the province's."""
    actor = _actor(call)
    if actor.region is None:
        raise provinces_only()
    return host_application_id(call.command.year, actor.region)


def programme_of_year(call: Call[Any]) -> str:
    """The route names the year."""
    return programme_id(int(call.named_stream()))


async def launch_facts(ports: Ports, call: Call[LaunchProgramme]) -> tuple[Any, ...]:
    """Launching reads the year's approved applications."""
    year = int(call.named_stream())
    return year, await approved_applications(ports.store, year), _actor(call)


# a roadshow


def new_roadshow_id() -> str:
    return f"roadshow-{uuid.uuid4()}"


async def sealed_contact(ports: Ports, call: Call[RegisterCompany]) -> tuple[Any, ...]:
    """Registering seals the contact person under the company's registrant key first: the event,
    kept forever and read by every consumer, carries them only sealed."""
    command = call.command
    sealed = await ports.vault.seal(
        registrant_subject(command.company_id),
        {"name": command.contact_name, "phone": command.contact_phone},
    )
    return _actor(call), sealed


async def erase_registrant(ports: Ports, call: Call[EraseRegistrant]) -> CommandResult:
    """Shred first, then record: a retry after a failure in between erases nothing twice and
    records the erasure once."""
    command = call.command
    actor = _actor(call)
    check_may_erase(command, actor)  # before anything is shredded
    await ports.vault.erase(registrant_subject(command.company_id))
    return await call.execute(
        Registrant,
        registrant_id(command.company_id),
        lambda registrant: registrant.erase(command, actor),
        must_exist=False,
        body=reply,
    )


async def opened_contact(ports: Ports, event: CompanyRegistered) -> dict[str, str] | None:
    """A registration's contact person as the organisers may read it: opened, the legacy clear
    one of a v1 event, or ``None`` when erased or never given."""
    if event.contact is not None:
        opened = await ports.vault.open(event.contact)
        return None if opened is None else {k: str(v) for k, v in opened.items()}
    return event.legacy_contact


async def programme_hosts(ports: Ports, call: Call[PlanRoadshow]) -> tuple[Any, ...]:
    """Planning reads the year's programme: once launched, only its hosts plan."""
    programme = await load(ports.store, Programme, programme_id(call.command.year))
    return programme.host_ids if programme.launched else None, _actor(call)


async def conclusion_facts(ports: Ports, call: Call[ConcludeRoadshow]) -> tuple[Any, ...]:
    """Concluding reads the review's results and the meetings held."""
    stream_id = call.named_stream()
    review = await load(ports.store, Review, review_id(stream_id))
    results = list(review.closed.results) if review.closed else None
    meetings = await load(ports.store, OneToOneMeetings, meetings_id(stream_id))
    return results, _actor(call), frozenset(meetings.held)


# the review, the meetings and the online channel: the route names the roadshow


def review_of_roadshow(call: Call[Any]) -> str:
    return review_id(call.named_stream())


def meetings_of_roadshow(call: Call[Any]) -> str:
    return meetings_id(call.named_stream())


def online_channel_of_roadshow(call: Call[Any]) -> str:
    return online_channel_id(call.named_stream())


async def review_facts(ports: Ports, call: Call[Any]) -> tuple[Any, ...]:
    """The review reads its roadshow."""
    return await roadshow_facts(ports.store, call.named_stream()), _actor(call)


async def roadshow_meeting_facts(store: StreamReader, roadshow_id: str) -> MeetingFacts:
    event = await load(store, RoadshowEvent, roadshow_id)
    if not event.exists:
        raise NotFound("roadshow", roadshow_id)
    return meeting_facts(event)


async def meeting_facts_of(ports: Ports, call: Call[Any]) -> tuple[Any, ...]:
    """The one-to-one meetings read their roadshow."""
    return await roadshow_meeting_facts(ports.store, call.named_stream()), _actor(call)


async def set_up_meetings(ports: Ports, call: Call[SetUpMeetings]) -> CommandResult:
    """The setup, with the holder account intake knows for each project the host did not name
    (the host's choice wins: another account may speak for a project on the day)."""
    facts = await roadshow_meeting_facts(ports.store, call.named_stream())
    command, actor = call.command, _actor(call)
    unnamed = [p for p in facts.pitches if p not in command.holders]
    cards = await ports.directory.achievements(unnamed) if unnamed else {}
    known = {p: card.holder_id for p, card in cards.items() if card.holder_id}
    if known:
        command = command.model_copy(update={"holders": {**known, **command.holders}})
    return await call.execute(
        OneToOneMeetings,
        meetings_of_roadshow(call),
        lambda meetings: meetings.set_up(command, facts, actor),
        must_exist=False,
        body=reply,
    )


async def propose_meetings(ports: Ports, call: Call[ProposeMeetingSchedule]) -> CommandResult:
    """Runs the fast solver (deterministic placement); the event keeps what it placed."""
    facts = await roadshow_meeting_facts(ports.store, call.named_stream())
    command, actor = call.command, _actor(call)
    # Solve off the event loop (up to ~0.6 s of CPU at full size) on the state as loaded now; the
    # command decides on the state it loads itself, which is almost always the same instance.
    stream = meetings_of_roadshow(call)
    current = await load(ports.store, OneToOneMeetings, stream)
    solved: tuple[Problem, Schedule] | None = None
    if current.setup is not None:
        problem = current.problem(facts)
        solved = (problem, await asyncio.to_thread(schedule_fast, problem))

    def solve(problem: Problem) -> Schedule:
        if solved is not None and solved[0] == problem:
            return solved[1]
        return schedule_fast(problem)  # the state moved meanwhile: solve what it is now

    return await call.execute(
        OneToOneMeetings,
        stream,
        lambda meetings: meetings.propose(command, facts, actor, solve),
        must_exist=False,
        body=reply,
    )


async def online_request_facts(ports: Ports, call: Call[RequestOnlineMeeting]) -> tuple[Any, ...]:
    """A company asks: the roadshow, and the name it registered under."""
    event = await _roadshow(ports, call.named_stream())
    actor = _actor(call)
    registration = event.registrations.get(actor.id)
    name = registration.registered.name if registration else ""
    return event.facts(), name, actor


async def online_answer_facts(ports: Ports, call: Call[AcceptOnlineMeeting]) -> tuple[Any, ...]:
    """The holder answers (accepts or declines): the roadshow, and who holds the project."""
    event = await _roadshow(ports, call.named_stream())
    card = await ports.directory.achievement(call.command.achievement_id)
    return event.facts(), card.holder_id if card else None, _actor(call)


async def _roadshow(ports: Ports, roadshow_id: str) -> RoadshowEvent:
    event = await load(ports.store, RoadshowEvent, roadshow_id)
    if not event.exists:
        raise NotFound("roadshow", roadshow_id)
    return event
