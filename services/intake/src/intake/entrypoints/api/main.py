"""Intake's HTTP API (FastAPI): the app and how to serve it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from intake.bootstrap import bootstrap
from intake.config import IntakeSettings
from intake.entrypoints.api.routes import achievements
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.mongo import make_client
from ztc_shared.observability import metrics
from ztc_shared.observability.logging import configure_logging
from ztc_shared.observability.probes import KafkaProbe, mongo_ready
from ztc_shared.web import ReadinessCheck, create_app

DESCRIPTION = """科技成果直通车 · 成果征集与入库（intake）

Collection calls, achievements and the project library of the Technology Achievements Express.
Every POST accepts an `Idempotency-Key`: a retried command returns its first result and writes nothing.
Replies carry `X-Stream-Version`, the version to wait for when reading your own write elsewhere."""


def create_intake_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = make_client(settings.mongodb_uri)
        store = MongoEventStore(client[settings.database])
        await store.ensure_indexes()
        kafka = KafkaProbe(settings.kafka_bootstrap_servers)
        app.state.intake = bootstrap(settings, store=store)

        async def relay_backlog() -> None:
            metrics.RELAY_BACKLOG.labels("intake").set(await store.count_unpublished())

        app.state.readiness_checks += [
            ReadinessCheck("mongodb", lambda: mongo_ready(client)),
            ReadinessCheck("kafka", kafka.ready),
        ]
        app.state.metrics_refreshers.append(relay_backlog)
        try:
            yield
        finally:
            await kafka.close()
            await client.close()

    return create_app(
        settings=settings,
        title="直通车 · 成果征集与入库 Intake",
        description=DESCRIPTION,
        routers=[achievements.router],
        lifespan=lifespan,
    )


def main() -> None:
    settings = IntakeSettings()
    configure_logging("intake", settings.region, settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_intake_app(settings), host=settings.host, port=settings.port, log_config=None
    )


if __name__ == "__main__":
    main()
