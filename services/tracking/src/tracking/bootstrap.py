"""Tracking's composition root.

``bootstrap`` builds the command bus: every command tracking takes, mapped to its handler (a case's
commands to the case's method they call). Adapters not given are built on the service's MongoDB
database; unit tests give fakes instead.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from tracking.adapters.mongo import MongoFacts, MongoRoadshowDirectory
from tracking.application.facts import NAME as FACTS
from tracking.application.facts import facts_definition
from tracking.application.handlers import (
    SERVICE,
    FiguresSource,
    Ports,
    accept_summary,
    draft_summary,
    on_case,
    open_case,
    return_summary,
    submit_summary,
)
from tracking.application.reactions import REACTION, CaseOpener
from tracking.config import TrackingSettings
from tracking.domain.case import TrackingCase
from tracking.domain.commands import (
    AcceptSummary,
    DraftSummary,
    GrantPolicySupport,
    OpenCase,
    RecordIndustrialisation,
    RecordLanding,
    ReportProgress,
    ReturnSummary,
    SignDeal,
    SubmitSummary,
    TerminateCase,
)
from ztc_shared.application import CommandBus
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import tracking as tracking_contracts
from ztc_shared.eventstore import CommandStore, Outbox
from ztc_shared.eventstore.mongo import MongoEventStore, prepare_event_store
from ztc_shared.kafka import service_topic
from ztc_shared.mongo import database_of
from ztc_shared.projections import MongoProjectionCatalog, ProjectionDefinition
from ztc_shared.reactions import ReactionDefinition, Reactor

# The service as its entrypoints see it: send a command, get its result.
Tracking = CommandBus[Ports]


def bootstrap(
    settings: TrackingSettings,
    *,
    database: AsyncDatabase[dict[str, Any]] | None = None,
    store: CommandStore | None = None,
    figures: FiguresSource | None = None,
    clock: Clock | None = None,
) -> Tracking:
    """Tracking's commands on its ports: ``store`` and ``figures`` default to the MongoDB adapters
    on ``database`` (the settings' database when none is given)."""
    assert service_topic(SERVICE) == tracking_contracts.TOPIC
    if store is None or figures is None:
        database = database if database is not None else database_of(settings)
        store = store or MongoEventStore(database)
        figures = figures or facts_queries(settings, database)
    clock = clock or SystemClock()
    ports = Ports(
        store=store,
        clock=clock,
        figures=figures,
        follow_up_months=settings.follow_up_months,
        stall_days=settings.stall_days,
    )
    bus = CommandBus(SERVICE, ports, store=store, clock=clock)

    bus.on(OpenCase, open_case)
    bus.on(ReportProgress, on_case(TrackingCase.report_progress))
    bus.on(SignDeal, on_case(TrackingCase.sign_deal))
    bus.on(RecordLanding, on_case(TrackingCase.record_landing))
    bus.on(RecordIndustrialisation, on_case(TrackingCase.record_industrialisation))
    bus.on(GrantPolicySupport, on_case(TrackingCase.grant_support))
    bus.on(TerminateCase, on_case(TrackingCase.terminate))

    bus.on(DraftSummary, draft_summary)
    bus.on(SubmitSummary, submit_summary)
    bus.on(AcceptSummary, accept_summary)
    bus.on(ReturnSummary, return_summary)
    return bus


def outbox(database: AsyncDatabase[dict[str, Any]]) -> Outbox:
    """What the relay publishes from: the commits in tracking's database."""
    return MongoEventStore(database)


def projection_definitions(settings: TrackingSettings) -> dict[str, ProjectionDefinition]:
    return {FACTS: facts_definition(settings.topic_prefix)}


def reaction_definitions(settings: TrackingSettings) -> dict[str, ReactionDefinition]:
    """The worker's reaction: ``cases`` opens a case for every pitch and every declared intent."""

    async def build(database: AsyncDatabase[dict[str, Any]]) -> Reactor:
        await prepare_event_store(database)
        return CaseOpener(bootstrap(settings, database=database), MongoRoadshowDirectory(database))

    topics = (service_topic("roadshow", settings.topic_prefix),)
    return {REACTION: ReactionDefinition(REACTION, topics, build)}


def facts_queries(
    settings: TrackingSettings, database: AsyncDatabase[dict[str, Any]]
) -> MongoFacts:
    return MongoFacts(
        database, MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
    )
