"""Scenario support: events as other services publish them, notify's facts and planning in memory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from notify.adapters.memory import InMemoryDirectory, InMemoryLedger
from notify.application.facts import FactsProjector, StoredFacts
from notify.application.planning import plan
from notify.application.rendering import Renderer
from notify.domain.deliveries import Delivery
from notify.domain.recipients import Contact
from ztc_shared.events import DomainEvent, EventEnvelope, new_envelope
from ztc_shared.events.codec import encode_event
from ztc_shared.projections import InMemoryProjectionStore, Message, ProjectionRunner

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
RENDERER = Renderer()


@dataclass
class Notify:
    """Notify's planning over in-memory facts, directory and ledger."""

    contacts: list[Contact] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store = InMemoryProjectionStore()
        self.runner = ProjectionRunner("facts", FactsProjector(), self.store)
        self.directory = InMemoryDirectory(self.contacts)
        self.ledger = InMemoryLedger()

    def event(self, payload: DomainEvent, stream_id: str, region: str = "440000") -> EventEnvelope:
        version = self.versions.get(stream_id, 0) + 1
        self.versions[stream_id] = version
        return new_envelope(
            payload,
            stream_id=stream_id,
            stream_version=version,
            occurred_at=NOW,
            region=region,
            actor="someone",
            correlation_id=str(uuid.uuid4()),
        )

    async def given(self, *events: EventEnvelope) -> None:
        messages = [
            Message(topic="t", partition=0, offset=i, key=None, value=encode_event(e))
            for i, e in enumerate(events)
        ]
        outcome = await self.runner.handle(messages)
        assert not outcome.dead_letters, outcome.dead_letters

    async def when(self, event: EventEnvelope) -> list[Delivery]:
        await self.given(event)
        deliveries = await plan(event, StoredFacts(self.store), self.directory, RENDERER, NOW)
        await self.ledger.add(deliveries)
        return deliveries


def routes(deliveries: list[Delivery]) -> set[tuple[str, str]]:
    return {(d.recipient, d.channel.value) for d in deliveries}


def only(deliveries: list[Delivery], recipient: str, channel: str = "inbox") -> Delivery:
    [found] = [d for d in deliveries if d.recipient == recipient and d.channel.value == channel]
    return found
