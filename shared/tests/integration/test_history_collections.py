"""A projection as of a moment in a scratch collection, on the real broker and database: built once
per moment, built afresh when old, and the scratch of processes that ended without dropping theirs
swept away."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from ztc_shared.events import encode_event
from ztc_shared.history.collections import AsOfBuilder, AsOfCatalog, built_at_of
from ztc_shared.kafka.topics import ensure_topics
from ztc_shared.projections.runner import ProjectionDefinition
from ztc_shared.testing.history_contract import T0, noted

pytestmark = pytest.mark.integration


class PerStream:
    def document_id(self, event: Any) -> str | None:
        return str(event.stream_id)

    def apply(self, document: dict[str, Any] | None, event: Any) -> dict[str, Any]:
        document = document or {"sum": 0, "count": 0}
        return {"sum": document["sum"] + event.payload["n"], "count": document["count"] + 1}


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_scratch_collections_are_built_once_renewed_when_old_and_swept_when_left(
    service_env: dict[str, str], run_id: str, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    bootstrap = service_env["KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"{run_id}.scratch-{uuid.uuid4().hex[:6]}.events"
    await ensure_topics(bootstrap, [topic], partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for stream in ("a", "b"):
            for version in range(1, 6):  # occurred at T0 + version seconds
                await producer.send_and_wait(
                    topic, encode_event(noted(stream, version)), key=stream.encode()
                )
    finally:
        await producer.stop()
    database = mongo_client[f"{run_id}_scratch"]
    clock = Clock()
    left_behind = f"asof_notes_1759248000000_dead00001_{int(clock.now - 4 * 3600)}"
    recent = f"asof_notes_1759248000000_live00001_{int(clock.now - 3600)}"
    for name in (left_behind, recent, "asof_custom", "notes"):
        await database[name].insert_one({"_id": "x"})
    builder = AsOfBuilder(
        database,
        bootstrap,
        {"notes": ProjectionDefinition("notes", (topic,), PerStream, indexes=(("count", 1),))},
        clock=clock,
    )
    moment = T0 + timedelta(seconds=3)
    catalog = AsOfCatalog(database, "test", run_id, builder, moment)

    generation = await catalog.active("notes")
    rows = {d["_id"]: d async for d in database[generation.collection].find()}
    assert {k: (v["sum"], v["count"]) for k, v in rows.items()} == {"a": (6, 3), "b": (6, 3)}
    assert (await catalog.active_cached("notes")).collection == generation.collection
    assert built_at_of(generation.collection) == int(clock.now)
    names = set(await database.list_collection_names())
    # the first build swept the scratch built four hours ago; an hour-old one may be in use
    assert left_behind not in names
    assert {recent, "asof_custom", "notes", generation.collection} <= names

    clock.now += 31 * 60  # past max_age: built afresh, the old one dropped a minute later
    renewed = await catalog.active("notes")
    assert renewed.collection != generation.collection
    assert generation.collection in set(await database.list_collection_names())
    clock.now += 61
    later = T0 + timedelta(seconds=4)
    other = await builder.generation("notes", later)
    names = set(await database.list_collection_names())
    assert generation.collection not in names
    assert {renewed.collection, other.collection} <= names
    assert await database[other.collection].count_documents({"count": 4}) == 2

    clock.now += 3 * 3600  # the hour-old scratch is now long abandoned
    assert recent in await builder.sweep()
    await builder.close()
    names = set(await database.list_collection_names())
    assert names.isdisjoint({renewed.collection, other.collection, recent})
    assert {"asof_custom", "notes"} <= names
    await mongo_client.drop_database(database.name)


def test_only_scratch_names_say_when_they_were_built() -> None:
    assert built_at_of("asof_library_1759248000000_ab12cd343_1764300000") == 1764300000
    assert built_at_of("asof_public_catalogue_1759248000000_ab12cd341_1764300000") == 1764300000
    assert built_at_of("asof_library_1759248000000_ab12cd34") is None  # no build time in it
    assert built_at_of("library_1759248000000_ab12cd343_1764300000") is None
    assert built_at_of("asof_custom") is None
