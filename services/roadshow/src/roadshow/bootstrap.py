"""Roadshow's composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from roadshow.adapters.directory import MongoDirectory
from roadshow.application.calendar import PROJECTIONS
from roadshow.application.directory import Directory, InMemoryDirectory
from roadshow.application.handlers import HANDLERS, Ports
from roadshow.application.reactions import SCREENING, FollowScreening
from roadshow.config import RoadshowSettings
from ztc_shared.application import CommandContext, CommandResult
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import roadshow as roadshow_contracts
from ztc_shared.eventstore import EventStore
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.kafka import service_topic
from ztc_shared.projections import ProjectionDefinition
from ztc_shared.reactions import ReactionDefinition, Reactor


@dataclass(frozen=True)
class Roadshow:
    """The service as its entrypoints see it: send a command, get its result."""

    settings: RoadshowSettings
    ports: Ports

    @property
    def topic(self) -> str:
        return service_topic("roadshow", self.settings.topic_prefix)

    async def handle(
        self, command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult:
        handler = HANDLERS[type(command)]
        return await handler(self.ports, command, context, stream_id)


def bootstrap(
    settings: RoadshowSettings,
    *,
    store: EventStore,
    clock: Clock | None = None,
    directory: Directory | None = None,
) -> Roadshow:
    assert service_topic("roadshow") == roadshow_contracts.TOPIC
    ports = Ports(
        store=store, clock=clock or SystemClock(), directory=directory or InMemoryDirectory()
    )
    return Roadshow(settings=settings, ports=ports)


def projection_definitions(settings: RoadshowSettings) -> dict[str, ProjectionDefinition]:
    """The worker's projections: ``calendar``, the roadshows across hosts and years."""
    return {name: build(settings.topic_prefix) for name, build in PROJECTIONS.items()}


def reaction_definitions(settings: RoadshowSettings) -> dict[str, ReactionDefinition]:
    """The worker's reactions: ``screening`` keeps the directory and receives the shortlists."""

    async def build(database: AsyncDatabase[dict[str, Any]]) -> Reactor:
        store = MongoEventStore(database)
        await store.ensure_indexes()
        directory = MongoDirectory(database)
        return FollowScreening(
            bootstrap(settings, store=store, directory=directory).ports, directory
        )

    topics = (
        service_topic("intake", settings.topic_prefix),
        service_topic("screening", settings.topic_prefix),
    )
    return {SCREENING: ReactionDefinition(SCREENING, topics, build)}
