"""What every service's API opens at start: its MongoDB database and a Kafka probe, with readiness
checks and the metrics that every service reports (relay backlog, projection lag and consumer lag)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from ztc_shared.eventstore.ports import Outbox
from ztc_shared.mongo import make_client
from ztc_shared.observability import metrics
from ztc_shared.observability.hangs import StoreWatch
from ztc_shared.observability.logging import configure_logging
from ztc_shared.observability.probes import KafkaProbe
from ztc_shared.projections.catalog import MongoProjectionCatalog
from ztc_shared.projections.processing import STATUS
from ztc_shared.projections.runner import ProjectionDefinition
from ztc_shared.settings import ServiceSettings
from ztc_shared.web.app import LivenessCheck, ReadinessCheck

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ServiceResources:
    client: AsyncMongoClient[dict[str, Any]]
    database: AsyncDatabase[dict[str, Any]]
    kafka: KafkaProbe


@asynccontextmanager
async def service_resources(
    app: FastAPI, settings: ServiceSettings
) -> AsyncIterator[ServiceResources]:
    """Open the service's database and a Kafka probe, and make ``/readyz`` check both."""
    client = make_client(settings.mongodb_uri)
    kafka = KafkaProbe(settings.kafka_bootstrap_servers)
    database = client[settings.database]
    # A read of the service's own database: a ping is answered without touching it, and a database
    # can hang while the server and the others answer.
    store = StoreWatch(database, timeout_s=settings.readiness_timeout_s)
    app.state.readiness_checks += [
        ReadinessCheck("mongodb", store.probe),
        ReadinessCheck("kafka", kafka.ready),
    ]
    app.state.liveness_checks.append(LivenessCheck("mongodb", store.probe, store.hung_for))
    try:
        yield ServiceResources(client=client, database=database, kafka=kafka)
    finally:
        # A hung store must not hold the stop until the process is killed.
        await _bounded(kafka.close(), "kafka")
        await _bounded(client.close(), "mongodb")


async def _bounded(closing: Coroutine[Any, Any, None], what: str, within: float = 5.0) -> None:
    try:
        await asyncio.wait_for(closing, within)
    except TimeoutError:
        log.warning("shutdown.close_timed_out", resource=what, within_s=within)


def report_relay_backlog(app: FastAPI, service: str, store: Outbox) -> None:
    """``/metrics`` reports how many commits wait for the relay."""

    async def refresh() -> None:
        metrics.RELAY_BACKLOG.labels(service).set(await store.count_unpublished())

    app.state.metrics_refreshers.append(refresh)


def report_projections(
    app: FastAPI,
    resources: ServiceResources,
    catalog: MongoProjectionCatalog,
    definitions: Mapping[str, ProjectionDefinition],
) -> None:
    """``/metrics`` reports each projection's consumer lag and its lag from event to application."""

    async def refresh() -> None:
        for name, definition in definitions.items():
            generation = await catalog.active(name)
            await resources.kafka.consumer_lag(generation.group_id, definition.topics)
            status = await resources.database[STATUS].find_one({"_id": name})
            if status and status.get("last_event_at") and status.get("applied_at"):
                lag = status["applied_at"] - status["last_event_at"]
                metrics.PROJECTION_LAG.labels(name).set(lag.total_seconds())

    app.state.metrics_refreshers.append(refresh)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run an API with uvicorn, logging as every process of the platform does."""
    configure_logging(settings.service, settings.region, settings.log_level, json=settings.log_json)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        # requests still waiting (on a hung store, say) are cut off rather than holding the stop
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
    )
