"""The dashboard's read model in MongoDB: one consumer's batch applied to the funnel counters, the
references they need and the document projections, each idempotently.

Every collection belongs to a generation (``<name>_g<n>``): a rebuild replays the topics into the
next generation and switches it in, as the kernel's projections do.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from dashboard.adapters.counters import CountedMessage, MongoCounterStore, count
from dashboard.application.facts import (
    entries_of,
    facts_of,
    reference_updates,
    references_needed,
)
from dashboard.application.views import views
from ztc_shared.events import EVENTS, DomainEvent, EventEnvelope
from ztc_shared.events.codec import decode_event
from ztc_shared.observability import metrics
from ztc_shared.projections import DeadLetter, Message, MongoProjectionStore, ProjectionRunner

log = structlog.get_logger()

READ_MODEL = "readmodel"  # the catalog's name for the dashboard's whole read model
COUNTERS = "counters"
REFERENCES = "references"
# The last version of each stream whose facts were counted: a relay that re-sends after a crash
# puts the same event on the topic again at a later offset, and it must not be counted twice.
COUNTED = "counted_streams"


def collection_name(name: str, generation: int) -> str:
    return f"{name}_g{generation}"


@dataclass
class ReadModelOutcome:
    messages: int = 0
    counted_documents: int = 0
    applied: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)


class MongoReadModel:
    def __init__(
        self, database: AsyncDatabase[dict[str, Any]], generation: int, topics: tuple[str, ...]
    ) -> None:
        self.database = database
        self.generation = generation
        self.counters = MongoCounterStore(database[collection_name(COUNTERS, generation)])
        self.references = database[collection_name(REFERENCES, generation)]
        self.counted = database[collection_name(COUNTED, generation)]
        self._definitions = views(topics)
        self._runners = [
            ProjectionRunner(
                name,
                definition.projector(),
                MongoProjectionStore(database[collection_name(name, generation)]),
            )
            for name, definition in self._definitions.items()
        ]

    async def ensure_indexes(self) -> None:
        for name, definition in self._definitions.items():
            collection = self.database[collection_name(name, self.generation)]
            for key, direction in definition.indexes:
                await collection.create_index([(key, direction)])

    async def apply(self, messages: Sequence[Message]) -> ReadModelOutcome:
        """Apply one batch; safe to call again with any of the same messages."""
        started = time.perf_counter()
        outcome = ReadModelOutcome(messages=len(messages))
        letters: dict[tuple[str, int, int], DeadLetter] = {}
        decoded: list[tuple[Message, EventEnvelope, DomainEvent]] = []
        for message in messages:
            try:
                envelope = decode_event(message.value)
                decoded.append((message, envelope, EVENTS.payload(envelope)))
            except Exception as error:  # noqa: BLE001 - whatever cannot be read is a dead letter
                place = (message.topic, message.partition, message.offset)
                letters[place] = DeadLetter(message, f"undecodable: {error}")

        stated: dict[str, dict[str, Any]] = {}
        for _, envelope, payload in decoded:
            for key, values in reference_updates(envelope, payload):
                stated.setdefault(key, {}).update(values)
        if stated:
            await self.references.bulk_write(
                [UpdateOne({"_id": k}, {"$set": v}, upsert=True) for k, v in stated.items()],
                ordered=False,
            )
        needed = (
            set().union(*(references_needed(e, p) for _, e, p in decoded)) if decoded else set()
        )
        references: dict[str, dict[str, Any]] = {}
        if needed - stated.keys():
            async for document in self.references.find({"_id": {"$in": sorted(needed)}}):
                references[str(document["_id"])] = document
        references.update(stated)

        # Counted first, then the streams' versions recorded: a crash between the two re-reads
        # the batch, whose messages the counters' offset marks skip.
        streams = sorted({envelope.stream_id for _, envelope, _ in decoded})
        seen: dict[str, int] = {}
        if streams:
            async for document in self.counted.find({"_id": {"$in": streams}}):
                seen[str(document["_id"])] = int(document["v"])
        before = dict(seen)
        counted = []
        for message, envelope, payload in decoded:
            first = envelope.stream_version > seen.get(envelope.stream_id, 0)
            if first:
                seen[envelope.stream_id] = envelope.stream_version
            facts = facts_of(envelope, payload, references) if first else []
            entries = entries_of(envelope, payload) if first else []
            counted.append(
                CountedMessage(
                    message.topic, message.partition, message.offset, tuple(facts), tuple(entries)
                )
            )
        outcome.counted_documents = await count(self.counters, counted)
        moved = {s: v for s, v in seen.items() if before.get(s) != v}
        if moved:
            await self.counted.bulk_write(
                [UpdateOne({"_id": s}, {"$set": {"v": v}}, upsert=True) for s, v in moved.items()],
                ordered=False,
            )

        readable = [m for m, _, _ in decoded]
        for runner in self._runners:
            result = await runner.handle(readable)
            outcome.applied += result.applied
            metrics.PROJECTION_APPLIED.labels(runner.name).inc(result.applied)
            metrics.PROJECTION_SKIPPED.labels(runner.name).inc(result.skipped)
            for letter in result.dead_letters:
                place = (letter.message.topic, letter.message.partition, letter.message.offset)
                letters.setdefault(
                    place, DeadLetter(letter.message, f"{runner.name}: {letter.reason}")
                )
        outcome.dead_letters = list(letters.values())
        metrics.PROJECTION_BATCH_SECONDS.labels(READ_MODEL).observe(time.perf_counter() - started)
        return outcome
