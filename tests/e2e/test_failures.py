"""Crashes at the worst moments lose nothing and apply nothing twice; rebuilds equal the live view."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from intake.bootstrap import bootstrap
from intake.config import IntakeSettings
from intake.domain.commands import DraftAchievement, SubmitAchievement
from tests.e2e.conftest import draft_body, prefixed_env, start_relay, start_worker, topic_size
from ztc_shared.application import CommandContext
from ztc_shared.contracts.intake import AchievementSubmitted
from ztc_shared.events import encode_event
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.kafka import ensure_topics
from ztc_shared.testing.eventstore_contract import drafted, envelopes
from ztc_tools.testing.processes import WORKERS

pytestmark = pytest.mark.integration

Mongo = AsyncMongoClient[dict[str, Any]]


async def eventually(check: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(interval)


async def produce_burst(bootstrap: str, topic: str, streams: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    try:
        template = envelopes("x", 1, drafted(), AchievementSubmitted())
        futures = []
        for stream in streams:
            for envelope in template:
                event = envelope.model_copy(update={"stream_id": stream, "event_id": uuid.uuid4()})
                futures.append(await producer.send(topic, encode_event(event), key=stream.encode()))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def library(mongo: Mongo, env: dict[str, str]) -> Any:
    database = mongo[f"{env['ZTC_DATABASE_PREFIX']}ztc_screening"]
    catalog = await database["projection_catalog"].find_one({"_id": "library"})
    return database[catalog["collection"] if catalog else "library_g1"], database


async def test_a_worker_killed_mid_burst_resumes_with_every_entry_once(
    service_env: dict[str, str], run_id: str, mongo_client: Mongo, log_dir: Any
) -> None:
    env = prefixed_env(service_env, f"{run_id}-burst")
    topic = f"{env['ZTC_TOPIC_PREFIX']}ztc.intake.events"
    await ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"], [topic], partitions=3)
    streams = [str(uuid.uuid4()) for _ in range(10_000)]  # 10,000 entries, 20,000 events
    worker = start_worker(env, log_dir, "burst-worker-1").wait_ready(timeout=90)
    try:
        await produce_burst(env["KAFKA_BOOTSTRAP_SERVERS"], topic, streams)
        entries, database = await library(mongo_client, env)

        async def some_applied() -> bool:
            return await entries.count_documents({}) >= 2_000

        await eventually(some_applied, 120, "the worker to apply a part of the burst")
        worker.kill()
        applied_when_killed = await entries.count_documents({})
        assert (
            applied_when_killed < 10_000 or await entries.count_documents({"stream_version": 1}) > 0
        ), "the burst was over before the kill; nothing was tested"
    finally:
        worker.kill()

    restarted = start_worker(env, log_dir, "burst-worker-2").wait_ready(timeout=90)
    try:

        async def all_submitted() -> bool:
            return await entries.count_documents({"stream_version": 2}) == 10_000

        await eventually(all_submitted, 240, "all 10,000 entries at version 2", interval=0.5)
        assert await entries.count_documents({}) == 10_000
        assert {d["_id"] async for d in entries.find({}, projection={"_id": 1})} == set(streams)
        status = await database["projection_status"].find_one({"_id": "library"})
        # Every event applied at most once: redelivered ones were skipped, not applied again.
        assert status["applied_total"] <= 20_000
        assert await entries.count_documents({"status": "submitted"}) == 10_000
    finally:
        restarted.stop()


async def test_events_re_sent_by_a_relay_killed_before_marking_change_nothing(
    service_env: dict[str, str], run_id: str, mongo_client: Mongo, log_dir: Any
) -> None:
    env = prefixed_env(service_env, f"{run_id}-relay")
    settings = IntakeSettings(_env_file=None, **{"ZTC_DATABASE_PREFIX": env["ZTC_DATABASE_PREFIX"]})
    store = MongoEventStore(mongo_client[settings.database])
    await store.ensure_indexes()
    intake = bootstrap(settings, store=store)
    context = CommandContext(actor="holder-relay", region="440000", correlation_id="relay-test")
    ids = []
    for _ in range(20):
        draft = await intake.handle(DraftAchievement.model_validate(draft_body()), context)
        await intake.handle(SubmitAchievement(), context, draft.stream_id)
        ids.append(draft.stream_id)
    assert await store.count_unpublished() == 40

    crashing = start_relay(
        {**env, "ZTC_FAILPOINTS": "relay.after_produce"}, log_dir, "relay-crashing"
    )
    assert crashing.wait_exit(timeout=60) == -9  # SIGKILL right after the broker acknowledged
    topic = f"{env['ZTC_TOPIC_PREFIX']}ztc.intake.events"
    assert await topic_size(env["KAFKA_BOOTSTRAP_SERVERS"], topic) == 40
    assert await store.count_unpublished() == 40  # produced, never marked

    relay = start_relay(env, log_dir, "relay-after-crash")
    worker = start_worker(env, log_dir, "relay-test-worker")
    try:
        await eventually(lambda: _none_left(store), 60, "the second relay to publish")
        assert await topic_size(env["KAFKA_BOOTSTRAP_SERVERS"], topic) == 80  # every event twice
        worker.wait_ready(timeout=90)
        entries, database = await library(mongo_client, env)

        async def projected() -> bool:
            return await entries.count_documents({"stream_version": 2}) == 20

        await eventually(projected, 60, "the library to hold all 20")
        await asyncio.sleep(2)  # let the duplicates arrive too
        status = await database["projection_status"].find_one({"_id": "library"})
        assert status["applied_total"] == 40  # 80 deliveries, 40 applications
        assert await entries.count_documents({}) == 20
        assert sorted([d["_id"] async for d in entries.find({})]) == sorted(ids)
    finally:
        relay.stop()
        worker.stop()


async def _none_left(store: MongoEventStore) -> bool:
    return await store.count_unpublished() == 0


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in ("_rev", "_write")}


async def test_a_rebuild_from_the_start_equals_the_live_projection_and_takes_over(
    service_env: dict[str, str], run_id: str, mongo_client: Mongo, log_dir: Any
) -> None:
    env = prefixed_env(service_env, f"{run_id}-rebuild")
    topic = f"{env['ZTC_TOPIC_PREFIX']}ztc.intake.events"
    await ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"], [topic], partitions=3)
    streams = [str(uuid.uuid4()) for _ in range(300)]
    live_worker = start_worker(env, log_dir, "rebuild-live-worker").wait_ready(timeout=90)
    try:
        await produce_burst(env["KAFKA_BOOTSTRAP_SERVERS"], topic, streams)
        entries, database = await library(mongo_client, env)

        async def caught_up() -> bool:
            return await entries.count_documents({"stream_version": 2}) == 300

        await eventually(caught_up, 60, "the live projection")

        # A first attempt that is not switched in leaves its group's offsets behind; the next
        # attempt must still replay from offset 0.
        trial = subprocess.run(
            [sys.executable, "-m", WORKERS["screening"], "rebuild", "library", "--no-switch"],
            env={**live_worker.env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert "not switched" in trial.stdout
        rebuilt = subprocess.run(
            [sys.executable, "-m", WORKERS["screening"], "rebuild", "library"],
            env={**live_worker.env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert "generation 1 → 2" in rebuilt.stdout
        assert "switched in" in rebuilt.stdout
        live = {d["_id"]: _comparable(d) async for d in database["library_g1"].find({})}
        fresh = {d["_id"]: _comparable(d) async for d in database["library_g2"].find({})}
        assert len(fresh) == 300
        assert fresh == live

        # The old generation's worker sees the switch and stops; started again, it serves g2.
        live_worker.wait_exit(timeout=30)
    finally:
        live_worker.kill()

    successor = start_worker(env, log_dir, "rebuild-successor").wait_ready(timeout=90)
    try:
        assert "library_g2" in successor.log_since_start()
        late = str(uuid.uuid4())
        await produce_burst(env["KAFKA_BOOTSTRAP_SERVERS"], topic, [late])

        async def applied_to_g2() -> bool:
            return (
                await database["library_g2"].count_documents({"_id": late, "stream_version": 2})
                == 1
            )

        await eventually(applied_to_g2, 60, "the successor to apply a new event to generation 2")
        assert await database["library_g1"].count_documents({"_id": late}) == 0
        assert await database["library_g2"].count_documents({}) == 301
    finally:
        successor.stop()
