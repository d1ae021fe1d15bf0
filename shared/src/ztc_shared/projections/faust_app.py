"""The projection worker on faust-streaming.

One faust app per projection generation: its id is the generation's consumer group. The agent takes
batches with ``quiet_take`` and acknowledges them only after ``BatchProcessor`` has written them, so
offsets are committed only after the write. A timer watches the catalog and stops the worker when a
rebuild has switched in a newer generation; started again, it serves that generation.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import faust
import structlog

from ztc_shared.mongo.client import make_client
from ztc_shared.projections.catalog import Generation, MongoProjectionCatalog
from ztc_shared.projections.processing import STATUS, BatchProcessor
from ztc_shared.projections.runner import ProjectionDefinition, ProjectionRunner
from ztc_shared.projections.store import CachedProjectionStore, MongoProjectionStore
from ztc_shared.workers import WORKER_READY
from ztc_shared.workers.batching import quiet_take
from ztc_shared.workers.faust_app import faust_app, message_of, run_worker
from ztc_shared.workers.messages import KafkaDeadLetterSink

log = structlog.get_logger()


def build_projection_app(
    *,
    service: str,
    definition: ProjectionDefinition,
    generation: Generation,
    bootstrap_servers: str,
    mongodb_uri: str,
    database: str,
    group_prefix: str = "",
    batch_size: int = 500,
    batch_within: float = 0.02,
    watch_interval: float = 2.0,
    on_start: Callable[[], None] | None = None,
    data_dir: str | None = None,
    cache_size: int = 50_000,
) -> faust.App:
    app = faust_app(
        generation.group_id,
        bootstrap_servers=bootstrap_servers,
        data_dir=data_dir or f"{generation.group_id}-data",
        max_poll_records=batch_size,
    )
    topic = app.topic(*definition.topics, key_serializer="raw", value_serializer="raw")
    state: dict[str, Any] = {}

    async def processor() -> BatchProcessor:
        if "processor" not in state:
            client = make_client(mongodb_uri)
            db = client[database]
            stored = MongoProjectionStore(db[generation.collection])
            for field, direction in definition.indexes:
                await stored.collection.create_index([(field, direction)])
            store = CachedProjectionStore(stored, cache_size)
            runner = ProjectionRunner(definition.name, definition.projector(), store)
            state["client"] = client
            state["store"] = store
            state["processor"] = BatchProcessor(
                runner,
                KafkaDeadLetterSink(bootstrap_servers, definition.name),
                status=db[STATUS],
                generation=generation.number,
            )
        processor_: BatchProcessor = state["processor"]
        return processor_

    @app.agent(topic, name=f"{service}.{definition.name}.projector")
    async def project(stream: faust.StreamT[Any]) -> None:
        # quiet_take acknowledges nothing: we ack each batch ourselves, after it is written.
        async for events in quiet_take(stream, batch_size, batch_within):
            messages = [message_of(event) for event in events]
            await (await processor()).process(messages)
            for event in events:
                await stream.ack(event)

    async def forget_documents(*_args: Any, **_kwargs: Any) -> None:
        # Whoever holds the partitions next may write these documents: stop trusting our copies.
        if "store" in state:
            state["store"].forget_all()

    app.on_partitions_revoked.connect(forget_documents)
    app.on_partitions_assigned.connect(forget_documents)

    @app.task  # type: ignore[untyped-decorator]
    async def started() -> None:
        if on_start is not None:
            on_start()
        log.info(
            WORKER_READY,
            projection=definition.name,
            generation=generation.number,
            group=generation.group_id,
            collection=generation.collection,
        )

    @app.timer(interval=watch_interval)  # type: ignore[untyped-decorator]
    async def watch_generation() -> None:
        if "catalog_client" not in state:
            state["catalog_client"] = make_client(mongodb_uri)
        catalog = MongoProjectionCatalog(state["catalog_client"][database], service, group_prefix)
        active = await catalog.active(definition.name)
        if active.number != generation.number:
            log.info(
                "projection.generation_switched",
                projection=definition.name,
                running=generation.number,
                active=active.number,
            )
            # A graceful stop commits what was acknowledged; the supervisor starts us again on
            # the active generation.
            os.kill(os.getpid(), signal.SIGTERM)

    return app


def run_projection_worker(app: faust.App) -> None:
    """Run the faust worker in this process until it is stopped (SIGTERM or SIGINT)."""
    run_worker(app)
