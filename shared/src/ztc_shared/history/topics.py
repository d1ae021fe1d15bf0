"""As of a moment from a topic, for services that hold another service's events only as a
consumer (the dashboard): read the topics from the beginning up to their ends as they stand now,
and keep the events that occurred by then.

A consumer has no producer's commit documents, so the moment is the envelope's ``occurred_at`` (when
the command was decided, a few milliseconds before it was recorded). Messages it cannot read are
passed over here; the live projection dead-letters them. Fold the result with the projection's own
rules (:func:`ztc_shared.history.fold`) to get its documents as of then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from ztc_shared.events.codec import decode_event
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry

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
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        # A consumer knows the partitions of the topics it follows only; ask for all of them.
        await consumer._client.force_metadata_update()
        partitions: list[TopicPartition] = []
        for topic in topics:
            known = sorted(consumer.partitions_for_topic(topic) or ())
            if key is not None and known:
                known = [_PARTITIONER(key.encode(), known, known)]
            partitions.extend(TopicPartition(topic, partition) for partition in known)
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {p for p in partitions if ends[p] > 0}
        events: list[EventEnvelope] = []
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=batch)
            for partition, records in batches.items():
                for record in records:
                    if record.offset >= ends[partition]:
                        continue
                    if key is not None and record.key != key.encode():
                        continue
                    try:
                        envelope = decode_event(record.value or b"", registry)
                    except Exception:  # noqa: BLE001, S112 - unreadable: the live side dead-letters it
                        continue
                    if envelope.occurred_at <= until:
                        events.append(envelope)
                if records and records[-1].offset >= ends[partition] - 1:
                    remaining.discard(partition)
            for partition in list(remaining):
                if await consumer.position(partition) >= ends[partition]:
                    remaining.discard(partition)
        return events
    finally:
        await consumer.stop()
