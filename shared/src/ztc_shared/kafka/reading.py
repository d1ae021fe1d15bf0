"""Reading topics from the beginning up to their ends as they stand now (not following them):
for answers about the past (``history.replay_until``) and for listing dead letters
(``reactions.replay``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

# Which partitions of a topic to read, given all of them (sorted): all by default.
Choose = Callable[[str, list[int]], list[int]]


async def read_to_end(
    bootstrap_servers: str,
    topics: Sequence[str],
    *,
    choose: Choose | None = None,
    batch: int = 2_000,
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topics`` (of the partitions ``choose`` keeps) from the beginning to the
    end each partition had when reading began, each partition in its order. A topic that does not
    exist has no records."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        # A consumer knows the partitions of the topics it follows only; ask for all of them.
        await consumer._client.force_metadata_update()
        partitions: list[TopicPartition] = []
        for topic in topics:
            known = sorted(consumer.partitions_for_topic(topic) or ())
            if choose is not None and known:
                known = choose(topic, known)
            partitions.extend(TopicPartition(topic, partition) for partition in known)
        if not partitions:
            return
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {p for p in partitions if ends[p] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=batch)
            for partition, records in batches.items():
                for record in records:
                    if record.offset < ends[partition]:
                        yield record
            for partition in list(remaining):
                if await consumer.position(partition) >= ends[partition]:
                    remaining.discard(partition)
    finally:
        await consumer.stop()
