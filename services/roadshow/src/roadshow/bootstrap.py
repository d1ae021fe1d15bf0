"""Roadshow's composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roadshow.application.handlers import HANDLERS, Ports
from roadshow.config import RoadshowSettings
from ztc_shared.application import CommandContext, CommandResult
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import roadshow as roadshow_contracts
from ztc_shared.eventstore import EventStore
from ztc_shared.kafka import service_topic


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
    settings: RoadshowSettings, *, store: EventStore, clock: Clock | None = None
) -> Roadshow:
    assert service_topic("roadshow") == roadshow_contracts.TOPIC
    return Roadshow(settings=settings, ports=Ports(store=store, clock=clock or SystemClock()))
