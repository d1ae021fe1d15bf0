"""Rebuild a projection by replaying its topics from the start into a new generation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo.asynchronous.database import AsyncDatabase

from ztc_shared.projections.catalog import Generation, MongoProjectionCatalog
from ztc_shared.projections.processing import BatchProcessor, CollectingDeadLetterSink
from ztc_shared.projections.runner import Message, ProjectionDefinition, ProjectionRunner
from ztc_shared.projections.store import MongoProjectionStore

log = structlog.get_logger()


@dataclass(frozen=True)
class RebuildReport:
    projection: str
    previous: Generation
    generation: Generation
    switched: bool
    events_applied: int
    events_skipped: int
    dead_letters: int
    documents: int
    seconds: float


async def rebuild_projection(
    *,
    service: str,
    definition: ProjectionDefinition,
    bootstrap_servers: str,
    database: AsyncDatabase[dict[str, Any]],
    progress: Callable[[str], None] | None = None,
    switch: bool = True,
    batch_size: int = 2000,
    group_prefix: str = "",
) -> RebuildReport:
    """Replay every topic of ``definition`` from offset 0 into the next generation's collection,
    committing its group's offsets after each write; when it has caught up with the end of every
    partition, switch it in (``switch=False`` leaves the old generation active, for comparison)."""
    started = time.perf_counter()
    catalog = MongoProjectionCatalog(database, service, group_prefix)
    current = await catalog.active(definition.name)
    planned = Generation.of(service, definition.name, current.number + 1, group_prefix)
    # A group of its own for every attempt: an interrupted or unswitched earlier attempt left
    # committed offsets in the planned group, and this replay must start at offset 0.
    new = replace(planned, group_id=f"{planned.group_id}-{uuid.uuid4().hex[:8]}")
    await database.drop_collection(new.collection)  # leftovers of an interrupted rebuild
    store = MongoProjectionStore(database[new.collection])
    for field, direction in definition.indexes:
        await store.collection.create_index([(field, direction)])
    runner = ProjectionRunner(definition.name, definition.projector(), store)
    letters = CollectingDeadLetterSink()
    processor = BatchProcessor(runner, letters, generation=new.number)

    consumer = AIOKafkaConsumer(
        *definition.topics,
        bootstrap_servers=bootstrap_servers,
        group_id=new.group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=batch_size,
    )
    await consumer.start()
    applied = skipped = 0
    last_report = 0.0
    try:
        partitions = {
            TopicPartition(topic, p)
            for topic in definition.topics
            for p in (consumer.partitions_for_topic(topic) or set())
        }
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=batch_size)
            messages = [
                Message(r.topic, r.partition, r.offset, r.key, r.value or b"", r.timestamp)
                for records in batches.values()
                for r in records
            ]
            if messages:
                outcome = await processor.process(messages)
                applied += outcome.applied
                skipped += outcome.skipped
                await consumer.commit()
            assignment = consumer.assignment()
            if not assignment or (partitions and not partitions <= assignment):
                continue
            ends = await consumer.end_offsets(list(assignment))
            behind = 0
            for tp in assignment:
                behind += max(0, ends[tp] - await consumer.position(tp))
            now = time.perf_counter()
            if progress is not None and (now - last_report > 1.0 or behind == 0):
                last_report = now
                progress(f"{definition.name}: {applied} applied, {behind} behind")
            if behind == 0:
                break
    finally:
        await consumer.stop()

    switched = await catalog.switch(current, new) if switch else False
    documents = await store.collection.count_documents({})
    report = RebuildReport(
        projection=definition.name,
        previous=current,
        generation=new,
        switched=switched,
        events_applied=applied,
        events_skipped=skipped,
        dead_letters=len(letters.letters),
        documents=documents,
        seconds=time.perf_counter() - started,
    )
    log.info(
        "projection.rebuilt",
        projection=definition.name,
        generation=new.number,
        switched=switched,
        applied=applied,
        documents=documents,
    )
    return report
