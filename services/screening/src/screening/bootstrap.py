"""Screening's composition root.

``bootstrap`` builds the command bus: every command screening takes, mapped to the round's method
(or the handler) that decides it. Adapters not given are built on the service's MongoDB database;
unit tests give fakes instead.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from screening.adapters.library_queries import LibraryQueries
from screening.adapters.registrants import MongoRegistrants
from screening.application.handlers import (
    SERVICE,
    CandidateSource,
    NoLibrary,
    Ports,
    library_facts,
    publish_longlist,
    reply,
    round_to_open,
)
from screening.application.library import PROJECTIONS
from screening.application.reactions import ROADSHOWS, OpenRoundsForRoadshows
from screening.application.registrants import InMemoryRegistrants, Registrants
from screening.config import ScreeningSettings
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
from screening.domain.round import ScreeningRound
from ztc_shared.application import CommandBus
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import screening as screening_contracts
from ztc_shared.eventstore import CommandStore, Outbox
from ztc_shared.eventstore.mongo import MongoEventStore, prepare_event_store
from ztc_shared.kafka import service_topic
from ztc_shared.mongo import database_of
from ztc_shared.projections import MongoProjectionCatalog, ProjectionDefinition
from ztc_shared.reactions import ReactionDefinition, Reactor

# The service as its entrypoints see it: send a command, get its result.
Screening = CommandBus[Ports]


def bootstrap(
    settings: ScreeningSettings,
    *,
    database: AsyncDatabase[dict[str, Any]] | None = None,
    store: CommandStore | None = None,
    library: CandidateSource | None = None,
    clock: Clock | None = None,
    registrants: Registrants | None = None,
) -> Screening:
    """Screening's commands on its ports: ``store``, ``library`` and ``registrants`` default to the
    MongoDB adapters on ``database`` (the settings' database when none is given); given a fake
    ``store`` and no ``database``, the library knows nothing and the registrants are in memory."""
    assert service_topic(SERVICE) == screening_contracts.TOPIC
    if store is None or database is not None:
        database = database if database is not None else database_of(settings)
        store = store or MongoEventStore(database)
        library = library or library_queries(settings, database)
        registrants = registrants or MongoRegistrants(database)
    clock = clock or SystemClock()
    ports = Ports(
        store=store,
        clock=clock,
        library=library or NoLibrary(),
        registrants=registrants or InMemoryRegistrants(),
    )
    bus = CommandBus(SERVICE, ports, store=store, clock=clock, actor=Actor.of)

    bus.on(
        OpenScreeningRound, ScreeningRound.open, stream=round_to_open, must_exist=False, body=reply
    )
    bus.on(LonglistCandidate, ScreeningRound.add_candidate, given=library_facts, body=reply)
    bus.on(RemoveCandidate, ScreeningRound.remove_candidate, body=reply)
    bus.on(PublishLonglist, publish_longlist)
    bus.on(RecordInterest, ScreeningRound.record_interest, body=reply)
    bus.on(StateDemand, ScreeningRound.state_demand, body=reply)
    bus.on(FinalizeShortlist, ScreeningRound.finalize, body=reply)
    return bus


def outbox(database: AsyncDatabase[dict[str, Any]]) -> Outbox:
    """What the relay publishes from: the commits in screening's database."""
    return MongoEventStore(database)


def projection_definitions(settings: ScreeningSettings) -> dict[str, ProjectionDefinition]:
    return {name: build(settings.topic_prefix) for name, build in PROJECTIONS.items()}


def reaction_definitions(settings: ScreeningSettings) -> dict[str, ReactionDefinition]:
    """The worker's reactions: ``roadshows`` opens the round of every planned roadshow."""

    async def build(database: AsyncDatabase[dict[str, Any]]) -> Reactor:
        await prepare_event_store(database)
        return OpenRoundsForRoadshows(bootstrap(settings, database=database))

    return {
        ROADSHOWS: ReactionDefinition(
            ROADSHOWS, (service_topic("roadshow", settings.topic_prefix),), build
        )
    }


def library_queries(
    settings: ScreeningSettings, database: AsyncDatabase[dict[str, Any]]
) -> LibraryQueries:
    return LibraryQueries(
        database, MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
    )
