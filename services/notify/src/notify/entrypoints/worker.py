"""Notify's worker process (faust): every service's events in, deliveries out.

One agent takes batches of events from every service's topic and, before acknowledging them,
stores the facts they carry and the deliveries they call for in the ledger. Beside it, dispatcher
loops claim due deliveries and send them. Both are idempotent, so a crash anywhere repeats work
without repeating an effect (ADR 10).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import faust
import httpx
import structlog
from prometheus_client import start_http_server
from pymongo.errors import PyMongoError

from notify.adapters.mongo.directory import MongoDirectory
from notify.adapters.mongo.inbox import MongoInbox
from notify.adapters.mongo.ledger import MongoLedger
from notify.application.facts import FactsProjector, StoredFacts
from notify.application.intake import EventIntake
from notify.application.publishing import DeliveryEvents
from notify.application.rendering import Renderer
from notify.bootstrap import delivery_events_on, dispatcher, source_topics
from notify.config import NotifySettings
from ztc_shared import failpoints
from ztc_shared.clock import SystemClock
from ztc_shared.eventstore.mongo import prepare_event_store
from ztc_shared.kafka import dlq_topic, ensure_topics
from ztc_shared.mongo.client import make_client
from ztc_shared.observability.logging import configure_logging
from ztc_shared.projections.processing import STATUS, BatchProcessor
from ztc_shared.projections.runner import ProjectionRunner
from ztc_shared.projections.store import MongoProjectionStore
from ztc_shared.workers import WORKER_READY
from ztc_shared.workers.batching import quiet_take
from ztc_shared.workers.faust_app import faust_app, message_of, run_worker
from ztc_shared.workers.messages import KafkaDeadLetterSink

log = structlog.get_logger()

FACTS = "notify_facts"


def build_app(settings: NotifySettings) -> faust.App:
    group_id = f"{settings.topic_prefix}ztc-notify-reactions"
    app = faust_app(
        group_id,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        data_dir=Path(settings.worker_data_dir) / group_id,
        max_poll_records=settings.projection_batch_size,
        # A worker that died is noticed after this long; its partitions (and, since the
        # dispatcher starts with the app, sending) wait for that, not for faust's 60 s default.
        broker_session_timeout=settings.consumer_session_timeout_seconds,
    )
    topic = app.topic(*source_topics(settings), key_serializer="raw", value_serializer="raw")
    state: dict[str, Any] = {}

    def database() -> Any:
        if "client" not in state:
            state["client"] = make_client(settings.mongodb_uri)
        return state["client"][settings.database]

    async def delivery_events() -> DeliveryEvents | None:
        """One event store for planning and sending, so that their appends are written together."""
        if not settings.publish_deliveries:
            return None
        if "events" not in state:
            await prepare_event_store(database())
            state["events"] = delivery_events_on(database())
        events: DeliveryEvents = state["events"]
        return events

    async def intake() -> EventIntake:
        if "intake" not in state:
            db = database()
            directory, ledger = MongoDirectory(db), MongoLedger(db)
            await directory.ensure_indexes()
            await ledger.ensure_indexes()
            facts_store = MongoProjectionStore(db[FACTS])
            dead_letters = KafkaDeadLetterSink(settings.kafka_bootstrap_servers, "notify")
            state["intake"] = EventIntake(
                BatchProcessor(
                    ProjectionRunner("notify_facts", FactsProjector(), facts_store),
                    dead_letters,
                    status=db[STATUS],
                ),
                StoredFacts(facts_store),
                directory,
                ledger,
                Renderer(),
                dead_letters,
                SystemClock(),
                on_added=lambda: state["dispatcher"].wake() if "dispatcher" in state else None,
                max_age=timedelta(days=settings.max_event_age_days),
                events=await delivery_events(),
            )
        intake_: EventIntake = state["intake"]
        return intake_

    @app.agent(topic, name="notify.reactions")
    async def react(stream: faust.StreamT[Any]) -> None:
        async for events in quiet_take(
            stream, settings.projection_batch_size, settings.projection_batch_within_ms / 1000
        ):
            messages = [message_of(event, with_timestamp=False) for event in events]
            delay = 0.2
            while True:
                try:
                    added = await (await intake()).process(messages)
                    break
                except PyMongoError:
                    # Nothing is acknowledged; the whole batch again is harmless (idempotent).
                    log.exception("notify.batch_retry", delay=delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10.0)
            if added:
                log.info("notify.planned", deliveries=added, events=len(messages))
            for event in events:
                await stream.ack(event)

    @app.task  # type: ignore[untyped-decorator]
    async def dispatch() -> None:
        configure_logging(
            settings.service, settings.region, settings.log_level, json=settings.log_json
        )
        db = database()
        delay = 0.5
        while True:
            try:
                await MongoInbox(db).ensure_indexes()
                await MongoLedger(db).ensure_indexes()
                events = await delivery_events()
                break
            except PyMongoError:
                # The database is not there yet: sending waits for it, consuming goes on.
                log.exception("notify.dispatch_waiting_for_database", delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        async with httpx.AsyncClient(timeout=settings.send_timeout_seconds) as client:
            sender = dispatcher(settings, db, client, events=events)
            state["dispatcher"] = sender
            log.info(WORKER_READY, group=group_id, topics=list(source_topics(settings)))
            await sender.run(
                idle=settings.dispatch_idle_seconds, concurrency=settings.dispatch_concurrency
            )

    return app


async def _prepare(settings: NotifySettings) -> None:
    topics = source_topics(settings)
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [*topics, *(dlq_topic(t) for t in topics)],
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
    )


def main() -> int:
    settings = NotifySettings()
    configure_logging(settings.service, settings.region, settings.log_level, json=settings.log_json)
    failpoints.configure(settings.failpoints)
    asyncio.run(_prepare(settings))
    start_http_server(settings.worker_metrics_port, addr=settings.host)
    run_worker(build_app(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
