"""Roadshow's command handlers: each loads one aggregate, calls one method, appends what it decided.

Some decisions need another stream's state, read first and handed in as facts: planning reads the
year's programme (its hosts), launching reads the year's approved applications, the review reads
its roadshow, the one-to-one meetings read their roadshow (and intake's holder accounts), the
online channel reads its roadshow, and concluding reads the review's results and the meetings held.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from roadshow.application.directory import Directory, InMemoryDirectory
from roadshow.domain.access import Actor, provinces_only
from roadshow.domain.commands import (
    AcceptOnlineMeeting,
    ApproveHostApplication,
    ApproveRegistration,
    AskQuestion,
    AssignExpert,
    CancelMeeting,
    CancelRegistration,
    CloseReviewWindow,
    ConcludeRoadshow,
    DeclareAvailability,
    DeclareConflict,
    DeclareIntent,
    DeclineOnlineMeeting,
    DeclineRegistration,
    FinalizeMeetingSchedule,
    LaunchProgramme,
    MoveMeeting,
    OpenRegistration,
    PlanRoadshow,
    ProposeMeetingSchedule,
    ReceiveShortlist,
    RecordCoachingSession,
    RecordMeetingHeld,
    RecordMeetingMissed,
    RegisterCompany,
    RejectHostApplication,
    RequestOnlineMeeting,
    ScorePitch,
    SetCriteria,
    SetUpMeetings,
    StartRoadshow,
    StateMeetingPreference,
    SubmitHostApplication,
)
from roadshow.domain.meetings import MeetingFacts, OneToOneMeetings, meeting_facts
from roadshow.domain.online import OnlineChannel
from roadshow.domain.programme import HostApplication, Programme
from roadshow.domain.provinces import PROVINCES
from roadshow.domain.review import Review
from roadshow.domain.roadshow_event import STATUS_NAMES, RoadshowEvent, RoadshowFacts
from roadshow.domain.scheduling import Problem, Schedule, schedule_fast
from ztc_shared.application import CommandContext, CommandResult, execute
from ztc_shared.clock import Clock
from ztc_shared.contracts.roadshow import (
    HostApplicationApproved,
    host_application_id,
    meetings_id,
    online_channel_id,
    programme_id,
    review_id,
)
from ztc_shared.domain import Aggregate, NotFound
from ztc_shared.events import EVENTS
from ztc_shared.eventstore import EventStore, StreamReader


@dataclass(frozen=True)
class Ports:
    store: EventStore
    clock: Clock
    directory: Directory = field(default_factory=InMemoryDirectory)


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


async def roadshow_facts(store: EventStore, roadshow_id: str) -> RoadshowFacts:
    event = await load(store, RoadshowEvent, roadshow_id)
    if not event.exists:
        raise NotFound("roadshow", roadshow_id)
    return event.facts()


async def approved_applications(store: EventStore, year: int) -> list[HostApplicationApproved]:
    applications = [
        await load(store, HostApplication, host_application_id(year, code)) for code in PROVINCES
    ]
    return [a.approved for a in applications if a.approved is not None]


def _reply(aggregate: Aggregate, version: int) -> dict[str, Any]:
    body: dict[str, Any] = {"id": aggregate.id, "stream_version": version}
    status = getattr(aggregate, "status", None)
    if status is not None:
        body["status"] = status.value
        if isinstance(aggregate, RoadshowEvent):
            body["status_name"] = STATUS_NAMES[status]
    return body


async def _run(
    ports: Ports,
    kind: type[Aggregate],
    stream_id: str,
    context: CommandContext,
    decide: Callable[[Any], None],
    command: Any,
    *,
    must_exist: bool = True,
    new_stream: bool = False,
) -> CommandResult:
    return await execute(
        ports.store,
        kind,
        stream_id,
        context,
        decide,
        command=type(command).__name__,
        clock=ports.clock,
        must_exist=must_exist,
        new_stream=new_stream,
        body=_reply,
    )


# the year


async def submit_application(
    ports: Ports, command: SubmitHostApplication, context: CommandContext, stream_id: str | None
) -> CommandResult:
    actor = Actor.of(context)
    if actor.region is None:
        raise provinces_only()
    stream_id = host_application_id(command.year, actor.region)
    return await _run(
        ports,
        HostApplication,
        stream_id,
        context,
        lambda a: a.submit(command, actor),
        command,
        must_exist=False,
    )


async def launch_programme(
    ports: Ports, command: LaunchProgramme, context: CommandContext, stream_id: str | None
) -> CommandResult:
    """``stream_id`` is the year."""
    if stream_id is None:
        raise ValueError("LaunchProgramme needs the year")
    year = int(stream_id)
    approved = await approved_applications(ports.store, year)
    actor = Actor.of(context)
    return await _run(
        ports,
        Programme,
        programme_id(year),
        context,
        lambda p: p.launch(command, year, approved, actor),
        command,
        must_exist=False,
    )


# a roadshow


async def plan_roadshow(
    ports: Ports, command: PlanRoadshow, context: CommandContext, stream_id: str | None
) -> CommandResult:
    programme = await load(ports.store, Programme, programme_id(command.year))
    hosts = programme.host_ids if programme.launched else None
    actor = Actor.of(context)
    return await _run(
        ports,
        RoadshowEvent,
        stream_id or f"roadshow-{uuid.uuid4()}",
        context,
        lambda e: e.plan(command, hosts, actor),
        command,
        must_exist=False,
        new_stream=stream_id is None,
    )


async def conclude_roadshow(
    ports: Ports, command: ConcludeRoadshow, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError("ConcludeRoadshow needs the roadshow's id")
    review = await load(ports.store, Review, review_id(stream_id))
    results = list(review.closed.results) if review.closed else None
    meetings = await load(ports.store, OneToOneMeetings, meetings_id(stream_id))
    held = frozenset(meetings.held)
    actor = Actor.of(context)
    return await _run(
        ports,
        RoadshowEvent,
        stream_id,
        context,
        lambda e: e.conclude(command, results, actor, held),
        command,
    )


# one method of one aggregate, nothing else to read

SIMPLE: dict[type, tuple[type[Aggregate], str]] = {
    ApproveHostApplication: (HostApplication, "approve"),
    RejectHostApplication: (HostApplication, "reject"),
    OpenRegistration: (RoadshowEvent, "open_registration"),
    RegisterCompany: (RoadshowEvent, "register"),
    ApproveRegistration: (RoadshowEvent, "approve_registration"),
    DeclineRegistration: (RoadshowEvent, "decline_registration"),
    CancelRegistration: (RoadshowEvent, "cancel_registration"),
    ReceiveShortlist: (RoadshowEvent, "receive_shortlist"),
    RecordCoachingSession: (RoadshowEvent, "record_coaching"),
    StartRoadshow: (RoadshowEvent, "start"),
    AskQuestion: (RoadshowEvent, "ask_question"),
    DeclareIntent: (RoadshowEvent, "declare_intent"),
}


async def _simple(
    ports: Ports, command: Any, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError(f"{type(command).__name__} needs the stream's id")
    kind, method = SIMPLE[type(command)]
    actor = Actor.of(context)
    return await _run(
        ports,
        kind,
        stream_id,
        context,
        lambda aggregate: getattr(aggregate, method)(command, actor),
        command,
    )


# the review: ``stream_id`` is the roadshow's id

REVIEW_METHODS: dict[type, str] = {
    SetCriteria: "set_criteria",
    AssignExpert: "assign_expert",
    DeclareConflict: "declare_conflict",
    ScorePitch: "score",
    CloseReviewWindow: "close",
}


async def _on_review(
    ports: Ports, command: Any, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError(f"{type(command).__name__} needs the roadshow's id")
    facts = await roadshow_facts(ports.store, stream_id)
    method = REVIEW_METHODS[type(command)]
    actor = Actor.of(context)
    return await _run(
        ports,
        Review,
        review_id(stream_id),
        context,
        lambda review: getattr(review, method)(command, facts, actor),
        command,
        must_exist=False,
    )


# the one-to-one meetings: ``stream_id`` is the roadshow's id


async def roadshow_meeting_facts(store: EventStore, roadshow_id: str) -> MeetingFacts:
    event = await load(store, RoadshowEvent, roadshow_id)
    if not event.exists:
        raise NotFound("roadshow", roadshow_id)
    return meeting_facts(event)


MEETING_METHODS: dict[type, str] = {
    SetUpMeetings: "set_up",
    DeclareAvailability: "declare_availability",
    StateMeetingPreference: "state_preference",
    FinalizeMeetingSchedule: "finalize",
    MoveMeeting: "move",
    CancelMeeting: "cancel",
    RecordMeetingHeld: "record_held",
    RecordMeetingMissed: "record_missed",
}


async def _on_meetings(
    ports: Ports, command: Any, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError(f"{type(command).__name__} needs the roadshow's id")
    facts = await roadshow_meeting_facts(ports.store, stream_id)
    method = MEETING_METHODS[type(command)]
    actor = Actor.of(context)
    if isinstance(command, SetUpMeetings):
        command = await _with_known_holders(ports, command, list(facts.pitches))
    return await _run(
        ports,
        OneToOneMeetings,
        meetings_id(stream_id),
        context,
        lambda meetings: getattr(meetings, method)(command, facts, actor),
        command,
        must_exist=False,
    )


async def _with_known_holders(
    ports: Ports, command: SetUpMeetings, pitches: list[str]
) -> SetUpMeetings:
    """The setup, with the holder account intake knows for each project the host did not name
    (the host's choice wins: another account may speak for a project on the day)."""
    unnamed = [p for p in pitches if p not in command.holders]
    cards = await ports.directory.achievements(unnamed) if unnamed else {}
    known = {p: card.holder_id for p, card in cards.items() if card.holder_id}
    if not known:
        return command
    return command.model_copy(update={"holders": {**known, **command.holders}})


async def propose_meetings(
    ports: Ports, command: ProposeMeetingSchedule, context: CommandContext, stream_id: str | None
) -> CommandResult:
    """Runs the fast solver (deterministic placement); the event keeps what it placed."""
    if stream_id is None:
        raise ValueError("ProposeMeetingSchedule needs the roadshow's id")
    facts = await roadshow_meeting_facts(ports.store, stream_id)
    actor = Actor.of(context)
    # Solve off the event loop (up to ~0.6 s of CPU at full size) on the state as loaded now; the
    # command decides on the state it loads itself, which is almost always the same instance.
    stream = meetings_id(stream_id)
    current = await load(ports.store, OneToOneMeetings, stream)
    solved: tuple[Problem, Schedule] | None = None
    if current.setup is not None:
        problem = current.problem(facts)
        solved = (problem, await asyncio.to_thread(schedule_fast, problem))

    def solve(problem: Problem) -> Schedule:
        if solved is not None and solved[0] == problem:
            return solved[1]
        return schedule_fast(problem)  # the state moved meanwhile: solve what it is now

    return await _run(
        ports,
        OneToOneMeetings,
        stream,
        context,
        lambda meetings: meetings.propose(command, facts, actor, solve),
        command,
        must_exist=False,
    )


# the online channel: ``stream_id`` is the roadshow's id


async def _on_online(
    ports: Ports, command: Any, context: CommandContext, stream_id: str | None
) -> CommandResult:
    if stream_id is None:
        raise ValueError(f"{type(command).__name__} needs the roadshow's id")
    event = await load(ports.store, RoadshowEvent, stream_id)
    if not event.exists:
        raise NotFound("roadshow", stream_id)
    facts = event.facts()
    actor = Actor.of(context)
    decide: Callable[[OnlineChannel], None]
    if isinstance(command, RequestOnlineMeeting):
        registration = event.registrations.get(actor.id)
        name = registration.registered.name if registration else ""
        decide = lambda channel: channel.request(command, facts, name, actor)  # noqa: E731
    else:
        card = await ports.directory.achievement(command.achievement_id)
        holder = card.holder_id if card else None
        method = "accept" if isinstance(command, AcceptOnlineMeeting) else "decline"
        decide = lambda channel: getattr(channel, method)(command, facts, holder, actor)  # noqa: E731
    return await _run(
        ports,
        OnlineChannel,
        online_channel_id(stream_id),
        context,
        decide,
        command,
        must_exist=False,
    )


Handler = Callable[[Ports, Any, CommandContext, str | None], Awaitable[CommandResult]]

HANDLERS: dict[type, Handler] = {
    SubmitHostApplication: submit_application,
    LaunchProgramme: launch_programme,
    PlanRoadshow: plan_roadshow,
    ConcludeRoadshow: conclude_roadshow,
    **{command: _simple for command in SIMPLE},
    **{command: _on_review for command in REVIEW_METHODS},
    ProposeMeetingSchedule: propose_meetings,
    **{command: _on_meetings for command in MEETING_METHODS},
    RequestOnlineMeeting: _on_online,
    AcceptOnlineMeeting: _on_online,
    DeclineOnlineMeeting: _on_online,
}
