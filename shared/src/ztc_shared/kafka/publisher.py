"""Publishing envelopes: the port, the aiokafka adapter (idempotent, acks=all) and a fake."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from aiokafka import AIOKafkaProducer

from ztc_shared.events.codec import encode_event
from ztc_shared.events.envelope import EventEnvelope


def event_headers(envelope: EventEnvelope) -> list[tuple[str, bytes]]:
    return [
        ("event_type", envelope.event_type.encode()),
        ("schema_version", str(envelope.schema_version).encode()),
        ("region", envelope.region.encode()),
        ("correlation_id", envelope.correlation_id.encode()),
    ]


class EventPublisher(Protocol):
    async def publish(self, topic: str, envelopes: Sequence[EventEnvelope]) -> None:
        """Return only once the broker acknowledged every envelope, in the order given."""
        ...


class KafkaEventPublisher:
    """aiokafka with the idempotent producer and ``acks=all``; keyed by stream id for order."""

    def __init__(self, bootstrap_servers: str, *, client_id: str, linger_ms: int = 2) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=linger_ms,
            max_batch_size=1 << 20,
            max_request_size=4 << 20,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def publish(self, topic: str, envelopes: Sequence[EventEnvelope]) -> None:
        futures = [
            await self._producer.send(
                topic,
                value=encode_event(envelope),
                key=envelope.stream_id.encode(),
                headers=event_headers(envelope),
            )
            for envelope in envelopes
        ]
        await asyncio.gather(*futures)


class InMemoryPublisher:
    """Records what was published, per topic; ``fail_next`` makes the next call fail."""

    def __init__(self) -> None:
        self.published: dict[str, list[EventEnvelope]] = {}
        self.fail_next: Exception | None = None

    async def publish(self, topic: str, envelopes: Sequence[EventEnvelope]) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.published.setdefault(topic, []).extend(envelopes)
