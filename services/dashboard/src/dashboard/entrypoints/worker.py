"""The dashboard's worker: one consumer of every service's topic feeding the whole read model.

    dashboard-worker run          # follow the topics (province mode: this deployment's own;
                                  # DASHBOARD_MODE=national: every province's mirrored topics)
    dashboard-worker rebuild      # replay from the start into a new generation and switch it in

Offsets are committed only after a batch is written; a batch that fails is retried until it is
written, and what can never be read goes to ``<topic>.dlq`` with its reason.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from prometheus_client import start_http_server

from dashboard.adapters.readmodel import (
    COUNTED,
    COUNTERS,
    READ_MODEL,
    REFERENCES,
    MongoReadModel,
    collection_name,
)
from dashboard.application.views import national_pattern, province_topics, views
from dashboard.bootstrap import bootstrap
from dashboard.config import DashboardSettings
from ztc_shared import failpoints
from ztc_shared.kafka import dlq_topic, ensure_topics
from ztc_shared.mongo import make_client
from ztc_shared.observability.logging import configure_logging
from ztc_shared.projections import DeadLetter, Generation, Message
from ztc_shared.workers import WORKER_READY
from ztc_shared.workers.messages import KafkaDeadLetterSink

log = structlog.get_logger()


def province_of_topic(topic: str, prefix: str) -> str | None:
    """The source alias of a mirrored topic, or None for a deployment's own."""
    match = re.match(rf"^([a-z0-9_-]+)\.{re.escape(prefix)}ztc\.", topic)
    return match.group(1) if match else None


class _Started(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, generation: Generation) -> None:
        self._generation = generation
        self._announced = False

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if not self._announced:
            self._announced = True
            log.info(
                WORKER_READY,
                projection=READ_MODEL,
                generation=self._generation.number,
                group=self._generation.group_id,
                partitions=len(assigned),
            )


def _consumer(settings: DashboardSettings, group_id: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.projection_batch_size,
        # New provinces' mirrored topics are found within seconds.
        metadata_max_age_ms=5000,
    )


def _subscribe(consumer: AIOKafkaConsumer, settings: DashboardSettings, listener: Any) -> None:
    if settings.mode == "national":
        consumer.subscribe(pattern=national_pattern(settings.topic_prefix), listener=listener)
    else:
        consumer.subscribe(list(province_topics(settings.topic_prefix)), listener=listener)


async def _apply_until_done(
    model: MongoReadModel, messages: Sequence[Message], sink: KafkaDeadLetterSink | None
) -> None:
    delay = 0.2
    while True:
        try:
            outcome = await model.apply(messages)
            if outcome.dead_letters and sink is not None:
                await sink.send(outcome.dead_letters)
            _log_letters(outcome.dead_letters)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("projection.retry", projection=READ_MODEL, delay=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


def _log_letters(letters: Sequence[DeadLetter]) -> None:
    for letter in letters:
        log.warning(
            "projection.dead_letter",
            projection=READ_MODEL,
            topic=letter.message.topic,
            partition=letter.message.partition,
            offset=letter.message.offset,
            reason=letter.reason,
        )


def _messages(batches: dict[TopicPartition, list[Any]]) -> list[Message]:
    return [
        Message(r.topic, r.partition, r.offset, r.key, r.value or b"", r.timestamp)
        for records in batches.values()
        for r in records
    ]


async def _prepare(settings: DashboardSettings) -> None:
    if settings.mode == "province":
        topics = province_topics(settings.topic_prefix)
        await ensure_topics(
            settings.kafka_bootstrap_servers,
            [*topics, *(dlq_topic(t) for t in topics)],
            partitions=settings.kafka_partitions,
            replication_factor=settings.kafka_replication_factor,
        )


async def run(settings: DashboardSettings) -> None:
    await _prepare(settings)
    client = make_client(settings.mongodb_uri)
    dashboard = bootstrap(settings, database=client[settings.database])
    catalog = dashboard.catalog
    generation = await catalog.active(READ_MODEL)
    model = dashboard.read_model(generation.number)
    await model.ensure_indexes()
    sink = KafkaDeadLetterSink(settings.kafka_bootstrap_servers, READ_MODEL)
    consumer = _consumer(settings, generation.group_id)
    _subscribe(consumer, settings, _Started(generation))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await consumer.start()
    last_watch = time.monotonic()
    try:
        while not stop.is_set():
            messages = _messages(await consumer.getmany(timeout_ms=200))
            if messages:
                await _apply_until_done(model, messages, sink)
                failpoints.hit("dashboard.worker.before_commit")
                await consumer.commit()
            if time.monotonic() - last_watch > 2.0:
                last_watch = time.monotonic()
                active = await catalog.active(READ_MODEL)
                if active.number != generation.number:
                    log.info(
                        "projection.generation_switched",
                        projection=READ_MODEL,
                        running=generation.number,
                        active=active.number,
                    )
                    break  # the supervisor starts us again on the active generation
    finally:
        await consumer.stop()
        await sink.stop()
        await client.close()


async def rebuild(settings: DashboardSettings, switch: bool = True) -> str:
    """Replay every topic from offset 0 into the next generation; switch it in once caught up."""
    await _prepare(settings)
    started = time.perf_counter()
    client = make_client(settings.mongodb_uri)
    dashboard = bootstrap(settings, database=client[settings.database])
    database, catalog = dashboard.database, dashboard.catalog
    try:
        current = await catalog.active(READ_MODEL)
        planned = Generation.of(
            settings.service, READ_MODEL, current.number + 1, settings.topic_prefix
        )
        new = replace(planned, group_id=f"{planned.group_id}-{uuid.uuid4().hex[:8]}")
        for name in (COUNTERS, REFERENCES, COUNTED, *views(()).keys()):
            await database.drop_collection(collection_name(name, new.number))
        model = dashboard.read_model(new.number)
        await model.ensure_indexes()
        consumer = _consumer(settings, new.group_id)
        _subscribe(consumer, settings, _Started(new))
        await consumer.start()
        applied = 0
        try:
            while True:
                messages = _messages(await consumer.getmany(timeout_ms=500))
                if messages:
                    # Dead letters were sent by the live worker already.
                    await _apply_until_done(model, messages, None)
                    applied += len(messages)
                    await consumer.commit()
                assignment = consumer.assignment()
                if not assignment:
                    continue
                ends = await consumer.end_offsets(list(assignment))
                behind = 0
                for tp in assignment:
                    behind += max(0, ends[tp] - await consumer.position(tp))
                if behind == 0:
                    break
        finally:
            await consumer.stop()
        switched = await catalog.switch(current, new) if switch else False
        return (
            f"rebuilt {READ_MODEL}: generation {current.number} → {new.number}, "
            f"{applied} events read, {time.perf_counter() - started:.1f}s, "
            f"{'switched in' if switched else 'not switched'}"
        )
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dashboard-worker")
    commands = parser.add_subparsers(dest="command")
    run_ = commands.add_parser("run", help="follow the topics (the default)")
    run_.add_argument("projection", nargs="?", default=READ_MODEL, choices=[READ_MODEL])
    again = commands.add_parser("rebuild", help="replay the topics into a new generation")
    again.add_argument("projection", nargs="?", default=READ_MODEL, choices=[READ_MODEL])
    again.add_argument("--no-switch", action="store_true")
    args = parser.parse_args(argv)
    settings = DashboardSettings()
    configure_logging(settings.service, settings.region, settings.log_level, json=settings.log_json)
    failpoints.configure(settings.failpoints)
    if args.command == "rebuild":
        print(asyncio.run(rebuild(settings, not args.no_switch)))  # noqa: T201 - CLI output
        return 0
    start_http_server(settings.worker_metrics_port, addr=settings.host)
    asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
