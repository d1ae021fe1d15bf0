"""Tracking's composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from tracking.adapters.mongo import MongoFacts, MongoRoadshowDirectory
from tracking.application.facts import NAME as FACTS
from tracking.application.facts import facts_definition
from tracking.application.handlers import HANDLERS, FiguresSource, Ports
from tracking.application.reactions import REACTION, CaseOpener
from tracking.config import TrackingSettings
from ztc_shared.application import CommandContext, CommandResult
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import tracking as tracking_contracts
from ztc_shared.eventstore import EventStore
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.kafka import service_topic
from ztc_shared.projections import MongoProjectionCatalog, ProjectionDefinition
from ztc_shared.reactions import ReactionDefinition, Reactor


@dataclass(frozen=True)
class Tracking:
    """The service as its entrypoints see it: send a command, get its result."""

    settings: TrackingSettings
    ports: Ports

    @property
    def topic(self) -> str:
        return service_topic("tracking", self.settings.topic_prefix)

    async def handle(
        self, command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult:
        handler = HANDLERS[type(command)]
        return await handler(self.ports, command, context, stream_id)


def bootstrap(
    settings: TrackingSettings,
    *,
    store: EventStore,
    figures: FiguresSource,
    clock: Clock | None = None,
) -> Tracking:
    assert service_topic("tracking") == tracking_contracts.TOPIC
    ports = Ports(
        store=store,
        clock=clock or SystemClock(),
        figures=figures,
        follow_up_months=settings.follow_up_months,
        stall_days=settings.stall_days,
    )
    return Tracking(settings=settings, ports=ports)


def projection_definitions(settings: TrackingSettings) -> dict[str, ProjectionDefinition]:
    return {FACTS: facts_definition(settings.topic_prefix)}


def reaction_definitions(settings: TrackingSettings) -> dict[str, ReactionDefinition]:
    """The worker's reaction: ``cases`` opens a case for every pitch and every declared intent."""

    async def build(database: AsyncDatabase[dict[str, Any]]) -> Reactor:
        store = MongoEventStore(database)
        await store.ensure_indexes()
        tracking = bootstrap(settings, store=store, figures=facts_queries(settings, database))
        return CaseOpener(tracking.ports, MongoRoadshowDirectory(database))

    topics = (service_topic("roadshow", settings.topic_prefix),)
    return {REACTION: ReactionDefinition(REACTION, topics, build)}


def facts_queries(
    settings: TrackingSettings, database: AsyncDatabase[dict[str, Any]]
) -> MongoFacts:
    return MongoFacts(
        database, MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
    )
