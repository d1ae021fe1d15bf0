"""As of a moment from a topic, for services that hold another service's events only as a
consumer (a read model over other services' topics): read the topics from the beginning up to
their ends as they stand now, and keep the events that occurred by then.

A consumer has no producer's commit documents, so the moment is the envelope's ``occurred_at`` (when
the command was decided, a few milliseconds before it was recorded). Messages it cannot read are
passed over here; the live projection dead-letters them. Fold the result with the projection's own
rules (:func:`ztc_shared.history.fold`) to get its documents as of then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiokafka.partitioner import DefaultPartitioner

from ztc_shared.events.codec import decode_event
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.kafka.reading import read_to_end

# The producers' (the relays') partitioner: murmur2 of the key, as Kafka's Java client does.
_PARTITIONER = DefaultPartitioner()


async def replay_until(
    bootstrap_servers: str,
    topics: Sequence[str],
    until: datetime,
    *,
    registry: EventRegistry = EVENTS,
    batch: int = 2_000,
    key: str | None = None,
) -> list[EventEnvelope]:
    """The events on ``topics`` that occurred at or before ``until``, each topic partition in its
    order (so every stream stays in order). With ``key`` (a stream id), only that stream's: only the
    partition the producers' default partitioner puts the key in is read."""

    def partition_of_key(_topic: str, known: list[int]) -> list[int]:
        assert key is not None
        return [_PARTITIONER(key.encode(), known, known)]

    events: list[EventEnvelope] = []
    async for record in read_to_end(
        bootstrap_servers, topics, choose=partition_of_key if key else None, batch=batch
    ):
        if key is not None and record.key != key.encode():
            continue
        try:
            envelope = decode_event(record.value or b"", registry)
        except Exception:  # noqa: BLE001, S112 - unreadable: the live side dead-letters it
            continue
        if envelope.occurred_at <= until:
            events.append(envelope)
    return events
