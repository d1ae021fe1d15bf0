"""The reaction worker on faust-streaming: one consumer group per reaction.

Batches are taken with ``quiet_take`` and acknowledged only after every command of the batch is
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
from ztc_shared.reactions.runner import ReactionDefinition, ReactionRunner, handle_until_done
from ztc_shared.settings import ServiceSettings
from ztc_shared.workers import WORKER_READY
from ztc_shared.workers.batching import quiet_take
from ztc_shared.workers.faust_app import faust_app, message_of, run_worker
from ztc_shared.workers.messages import KafkaDeadLetterSink

log = structlog.get_logger()

# Reactions are commands, each a round trip or more: smaller batches than projections take.
BATCH = 100


def group_id(settings: ServiceSettings, definition: ReactionDefinition) -> str:
    return f"{settings.topic_prefix}{settings.service}.reaction.{definition.name}"


def build_reaction_app(settings: ServiceSettings, definition: ReactionDefinition) -> faust.App:
    group = group_id(settings, definition)
    app = faust_app(
        group,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        data_dir=Path(settings.worker_data_dir) / group,
        max_poll_records=BATCH,
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
        async for events in quiet_take(stream, BATCH, 0.05):
            messages = [message_of(event, with_timestamp=False) for event in events]
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
        log.info(WORKER_READY, reaction=definition.name, group=group)

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
    run_worker(build_reaction_app(settings, definition))
    return 0
