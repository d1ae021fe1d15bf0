"""Screening's composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from screening.adapters.library_queries import LibraryQueries
from screening.adapters.registrants import MongoRegistrants
from screening.application.handlers import HANDLERS, CandidateSource, NoLibrary, Ports
from screening.application.library import PROJECTIONS
from screening.application.reactions import ROADSHOWS, OpenRoundsForRoadshows
from screening.application.registrants import InMemoryRegistrants, Registrants
from screening.config import ScreeningSettings
from ztc_shared.application import CommandContext, CommandResult
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import screening as screening_contracts
from ztc_shared.eventstore import EventStore
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.kafka import service_topic
from ztc_shared.projections import MongoProjectionCatalog, ProjectionDefinition
from ztc_shared.reactions import ReactionDefinition, Reactor


@dataclass(frozen=True)
class Screening:
    """The service as its entrypoints see it: send a command, get its result."""

    settings: ScreeningSettings
    ports: Ports

    @property
    def topic(self) -> str:
        return service_topic("screening", self.settings.topic_prefix)

    async def handle(
        self, command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult:
        handler = HANDLERS[type(command)]
        return await handler(self.ports, command, context, stream_id)


def bootstrap(
    settings: ScreeningSettings,
    *,
    store: EventStore,
    library: CandidateSource | None = None,
    clock: Clock | None = None,
    registrants: Registrants | None = None,
) -> Screening:
    assert service_topic("screening") == screening_contracts.TOPIC
    ports = Ports(
        store=store,
        clock=clock or SystemClock(),
        library=library or NoLibrary(),
        registrants=registrants or InMemoryRegistrants(),
    )
    return Screening(settings=settings, ports=ports)


def projection_definitions(settings: ScreeningSettings) -> dict[str, ProjectionDefinition]:
    return {name: build(settings.topic_prefix) for name, build in PROJECTIONS.items()}


def reaction_definitions(settings: ScreeningSettings) -> dict[str, ReactionDefinition]:
    """The worker's reactions: ``roadshows`` opens the round of every planned roadshow."""

    async def build(database: AsyncDatabase[dict[str, Any]]) -> Reactor:
        store = MongoEventStore(database)
        await store.ensure_indexes()
        registrants = MongoRegistrants(database)
        return OpenRoundsForRoadshows(
            bootstrap(settings, store=store, registrants=registrants).ports
        )

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
