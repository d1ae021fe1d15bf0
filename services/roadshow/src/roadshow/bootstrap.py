"""Roadshow's composition root.

``bootstrap`` builds the command bus: every command roadshow takes, mapped to the aggregate method
(or the handler) that decides it, with what the method is given besides the command when it needs
another stream's state. Adapters not given are built on the service's MongoDB database; unit tests
give fakes instead.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from roadshow.adapters.directory import MongoDirectory
from roadshow.application.calendar import PROJECTIONS
from roadshow.application.directory import Directory, InMemoryDirectory
from roadshow.application.handlers import (
    SERVICE,
    Ports,
    application_of_province,
    conclusion_facts,
    erase_registrant,
    launch_facts,
    meeting_facts_of,
    meetings_of_roadshow,
    new_roadshow_id,
    online_answer_facts,
    online_channel_of_roadshow,
    online_request_facts,
    programme_hosts,
    programme_of_year,
    propose_meetings,
    reply,
    review_facts,
    review_of_roadshow,
    sealed_contact,
    set_up_meetings,
)
from roadshow.application.reactions import SCREENING, FollowScreening
from roadshow.config import RoadshowSettings
from roadshow.domain.access import Actor
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
    EraseRegistrant,
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
from roadshow.domain.meetings import OneToOneMeetings
from roadshow.domain.online import OnlineChannel
from roadshow.domain.programme import HostApplication, Programme
from roadshow.domain.review import Review
from roadshow.domain.roadshow_event import RoadshowEvent
from ztc_shared.application import CommandBus
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import roadshow as roadshow_contracts
from ztc_shared.eventstore import CommandStore, Outbox
from ztc_shared.eventstore.mongo import MongoEventStore, prepare_event_store
from ztc_shared.kafka import service_topic
from ztc_shared.mongo import database_of
from ztc_shared.personal import KeyStore, PersonalDataVault
from ztc_shared.personal.memory import InMemoryKeyStore
from ztc_shared.personal.mongo import MongoKeyStore
from ztc_shared.projections import ProjectionDefinition
from ztc_shared.reactions import ReactionDefinition, Reactor

# The service as its entrypoints see it: send a command, get its result.
Roadshow = CommandBus[Ports]


def bootstrap(
    settings: RoadshowSettings,
    *,
    database: AsyncDatabase[dict[str, Any]] | None = None,
    store: CommandStore | None = None,
    clock: Clock | None = None,
    directory: Directory | None = None,
    keys: KeyStore | None = None,
) -> Roadshow:
    """Roadshow's commands on its ports: ``store`` and ``directory`` default to the MongoDB
    adapters on ``database`` (the settings' database when none is given); given a fake ``store``
    and no ``database``, the directory is in memory."""
    assert service_topic(SERVICE) == roadshow_contracts.TOPIC
    if store is None or database is not None:
        database = database if database is not None else database_of(settings)
        store = store or MongoEventStore(database)
        directory = directory or MongoDirectory(database)
        keys = keys or MongoKeyStore(database.client[settings.personal_keys_database])
    clock = clock or SystemClock()
    ports = Ports(
        store=store,
        clock=clock,
        directory=directory or InMemoryDirectory(),
        vault=PersonalDataVault(keys or InMemoryKeyStore()),
    )
    bus = CommandBus(SERVICE, ports, store=store, clock=clock, actor=Actor.of)

    # the year
    bus.on(
        SubmitHostApplication,
        HostApplication.submit,
        stream=application_of_province,
        must_exist=False,
        body=reply,
    )
    bus.on(ApproveHostApplication, HostApplication.approve, body=reply)
    bus.on(RejectHostApplication, HostApplication.reject, body=reply)
    bus.on(
        LaunchProgramme,
        Programme.launch,
        stream=programme_of_year,
        given=launch_facts,
        must_exist=False,
        body=reply,
    )

    # a roadshow
    bus.on(PlanRoadshow, RoadshowEvent.plan, new=new_roadshow_id, given=programme_hosts, body=reply)
    bus.on(OpenRegistration, RoadshowEvent.open_registration, body=reply)
    bus.on(RegisterCompany, RoadshowEvent.register, given=sealed_contact, body=reply)
    bus.on(EraseRegistrant, erase_registrant)
    bus.on(ApproveRegistration, RoadshowEvent.approve_registration, body=reply)
    bus.on(DeclineRegistration, RoadshowEvent.decline_registration, body=reply)
    bus.on(CancelRegistration, RoadshowEvent.cancel_registration, body=reply)
    bus.on(ReceiveShortlist, RoadshowEvent.receive_shortlist, body=reply)
    bus.on(RecordCoachingSession, RoadshowEvent.record_coaching, body=reply)
    bus.on(StartRoadshow, RoadshowEvent.start, body=reply)
    bus.on(AskQuestion, RoadshowEvent.ask_question, body=reply)
    bus.on(DeclareIntent, RoadshowEvent.declare_intent, body=reply)
    bus.on(ConcludeRoadshow, RoadshowEvent.conclude, given=conclusion_facts, body=reply)

    # the experts' review of a roadshow
    for review_command, review_method in (
        (SetCriteria, Review.set_criteria),
        (AssignExpert, Review.assign_expert),
        (DeclareConflict, Review.declare_conflict),
        (ScorePitch, Review.score),
        (CloseReviewWindow, Review.close),
    ):
        bus.on(
            review_command,
            review_method,
            stream=review_of_roadshow,
            given=review_facts,
            must_exist=False,
            body=reply,
        )

    # the one-to-one meetings of a roadshow
    bus.on(SetUpMeetings, set_up_meetings)
    bus.on(ProposeMeetingSchedule, propose_meetings)
    for meeting_command, meeting_method in (
        (DeclareAvailability, OneToOneMeetings.declare_availability),
        (StateMeetingPreference, OneToOneMeetings.state_preference),
        (FinalizeMeetingSchedule, OneToOneMeetings.finalize),
        (MoveMeeting, OneToOneMeetings.move),
        (CancelMeeting, OneToOneMeetings.cancel),
        (RecordMeetingHeld, OneToOneMeetings.record_held),
        (RecordMeetingMissed, OneToOneMeetings.record_missed),
    ):
        bus.on(
            meeting_command,
            meeting_method,
            stream=meetings_of_roadshow,
            given=meeting_facts_of,
            must_exist=False,
            body=reply,
        )

    # the online channel of a roadshow
    bus.on(
        RequestOnlineMeeting,
        OnlineChannel.request,
        stream=online_channel_of_roadshow,
        given=online_request_facts,
        must_exist=False,
        body=reply,
    )
    for answer_command, answer_method in (
        (AcceptOnlineMeeting, OnlineChannel.accept),
        (DeclineOnlineMeeting, OnlineChannel.decline),
    ):
        bus.on(
            answer_command,
            answer_method,
            stream=online_channel_of_roadshow,
            given=online_answer_facts,
            must_exist=False,
            body=reply,
        )
    return bus


def outbox(database: AsyncDatabase[dict[str, Any]]) -> Outbox:
    """What the relay publishes from: the commits in roadshow's database."""
    return MongoEventStore(database)


def projection_definitions(settings: RoadshowSettings) -> dict[str, ProjectionDefinition]:
    """The worker's projections: ``calendar``, the roadshows across hosts and years."""
    return {name: build(settings.topic_prefix) for name, build in PROJECTIONS.items()}


def reaction_definitions(settings: RoadshowSettings) -> dict[str, ReactionDefinition]:
    """The worker's reactions: ``screening`` keeps the directory and receives the shortlists."""

    async def build(database: AsyncDatabase[dict[str, Any]]) -> Reactor:
        await prepare_event_store(database)
        directory = MongoDirectory(database)
        return FollowScreening(
            bootstrap(settings, database=database, directory=directory), directory
        )

    topics = (
        service_topic("intake", settings.topic_prefix),
        service_topic("screening", settings.topic_prefix),
    )
    return {SCREENING: ReactionDefinition(SCREENING, topics, build)}
