"""Intake's composition root: the one place where ports meet their adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from intake.adapters.queries import IntakeQueries
from intake.application.duplicates import DuplicateFinder, NoDuplicateFinder
from intake.application.handlers import HANDLERS, Ports
from intake.application.projections import PROJECTIONS
from intake.config import IntakeSettings
from ztc_shared.application import CommandContext, CommandResult
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import intake as intake_contracts
from ztc_shared.eventstore import EventStore
from ztc_shared.kafka import service_topic
from ztc_shared.projections import MongoProjectionCatalog, ProjectionDefinition


@dataclass(frozen=True)
class Intake:
    """The service as its entrypoints see it: send a command, get its result."""

    settings: IntakeSettings
    ports: Ports

    @property
    def topic(self) -> str:
        return service_topic("intake", self.settings.topic_prefix)

    async def handle(
        self, command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult:
        handler = HANDLERS[type(command)]
        return await handler(self.ports, command, context, stream_id)


def bootstrap(
    settings: IntakeSettings,
    *,
    store: EventStore,
    clock: Clock | None = None,
    duplicates: DuplicateFinder | None = None,
) -> Intake:
    assert service_topic("intake") == intake_contracts.TOPIC
    ports = Ports(
        store=store, clock=clock or SystemClock(), duplicates=duplicates or NoDuplicateFinder()
    )
    return Intake(settings=settings, ports=ports)


def projection_definitions(settings: IntakeSettings) -> dict[str, ProjectionDefinition]:
    """Intake's read side: the catalogue and public disclosure, each run by a worker of its own."""
    return {name: build(settings.topic_prefix) for name, build in PROJECTIONS.items()}


def intake_queries(
    settings: IntakeSettings, database: AsyncDatabase[dict[str, Any]]
) -> IntakeQueries:
    return IntakeQueries(
        database, MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
    )
