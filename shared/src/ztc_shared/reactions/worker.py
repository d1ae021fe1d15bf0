"""The reaction worker on faust-streaming: one consumer group per reaction.

Batches are taken with ``noack_take`` and acknowledged only after every command of the batch is
stored (or refused and dead-lettered), so offsets never run ahead of the decisions.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import faust
import structlog
from prometheus_client import start_http_server

from ztc_shared import failpoints
from ztc_shared.kafka import dlq_topic, ensure_topics
from ztc_shared.mongo.client import make_client
from ztc_shared.observability.logging import configure_logging
from ztc_shared.projections.processing import KafkaDeadLetterSink
from ztc_shared.projections.runner import Message
from ztc_shared.reactions.runner import ReactionDefinition, ReactionRunner, handle_until_done
from ztc_shared.settings import ServiceSettings

log = structlog.get_logger()

READY = "projection.worker_started"  # the marker supervisors wait for, as for projections


def group_id(settings: ServiceSettings, definition: ReactionDefinition) -> str:
    return f"{settings.topic_prefix}{settings.service}.reaction.{definition.name}"


def build_reaction_app(settings: ServiceSettings, definition: ReactionDefinition) -> faust.App:
    group = group_id(settings, definition)
    data_dir = Path(settings.worker_data_dir) / group
    data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        group,
        datadir=str(data_dir),
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        key_serializer="raw",
        value_serializer="raw",
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        broker_max_poll_records=100,
        topic_replication_factor=1,
        topic_disable_leader=True,
        producer_acks=-1,
        stream_wait_empty=True,
    )
    topic = app.topic(*definition.topics, key_serializer="raw", value_serializer="raw")
    state: dict[str, Any] = {}

    async def runner() -> ReactionRunner:
        if "runner" not in state:
            client = make_client(settings.mongodb_uri)
            state["client"] = client
            reactor = await definition.build(client[settings.database])
            state["runner"] = ReactionRunner(definition.name, reactor)
            state["dlq"] = KafkaDeadLetterSink(
                settings.kafka_bootstrap_servers, f"reaction.{definition.name}"
            )
        built: ReactionRunner = state["runner"]
        return built

    @app.agent(topic, name=f"{settings.service}.{definition.name}.reactor")
    async def react(stream: faust.StreamT[Any]) -> None:
        async for events in stream.noack_take(100, within=0.05):  # type: ignore[attr-defined]
            messages = [
                Message(
                    topic=event.message.topic,
                    partition=event.message.partition,
                    offset=event.message.offset,
                    key=event.message.key,
                    value=event.message.value,
                    timestamp_ms=None,
                )
                for event in events
            ]
            outcome = await handle_until_done(await runner(), messages)
            if outcome.dead_letters:
                while True:
                    try:
                        await state["dlq"].send(outcome.dead_letters)
                        break
                    except Exception as error:  # noqa: BLE001 - the broker away: try again
                        log.warning("reaction.dlq_retry", error=repr(error))
                        await asyncio.sleep(1.0)
            failpoints.hit("reaction.before_ack")
            for event in events:
                await stream.ack(event)

    @app.task  # type: ignore[untyped-decorator]
    async def started() -> None:
        configure_logging(
            settings.service, settings.region, settings.log_level, json=settings.log_json
        )
        log.info(READY, reaction=definition.name, group=group)

    return app


async def _prepare(settings: ServiceSettings, definition: ReactionDefinition) -> None:
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [*definition.topics, *(dlq_topic(t) for t in definition.topics)],
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
    )


def run_reaction_worker(settings: ServiceSettings, definition: ReactionDefinition) -> int:
    asyncio.run(_prepare(settings, definition))
    start_http_server(settings.worker_metrics_port, addr=settings.host)
    app = build_reaction_app(settings, definition)
    worker = faust.Worker(app, loglevel="WARNING", redirect_stdouts=False, quiet=True)
    worker.execute_from_commandline()
    return 0
