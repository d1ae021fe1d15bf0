"""Screening's HTTP API (FastAPI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from screening.bootstrap import library_queries, projection_definitions
from screening.config import ScreeningSettings
from screening.entrypoints.api.routes import library
from ztc_shared.mongo import make_client
from ztc_shared.observability import metrics
from ztc_shared.observability.logging import configure_logging
from ztc_shared.observability.probes import KafkaProbe, mongo_ready
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.projections.processing import STATUS
from ztc_shared.web import ReadinessCheck, create_app

DESCRIPTION = """科技成果直通车 · 项目筛选（screening）

The library as screening sees it, built from intake's events; longlists and shortlists per roadshow.
`GET /library/{id}?min_version=N` waits until the library has applied version N of the achievement
(read your own write)."""


def create_screening_app(settings: ScreeningSettings | None = None) -> FastAPI:
    settings = settings or ScreeningSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = make_client(settings.mongodb_uri)
        database = client[settings.database]
        kafka = KafkaProbe(settings.kafka_bootstrap_servers)
        catalog = MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
        app.state.library = library_queries(settings, database)
        definitions = projection_definitions(settings)

        async def projection_figures() -> None:
            for name, definition in definitions.items():
                generation = await catalog.active(name)
                await kafka.consumer_lag(generation.group_id, definition.topics)
                status = await database[STATUS].find_one({"_id": name})
                if status and status.get("last_event_at") and status.get("applied_at"):
                    lag = status["applied_at"] - status["last_event_at"]
                    metrics.PROJECTION_LAG.labels(name).set(lag.total_seconds())

        app.state.readiness_checks += [
            ReadinessCheck("mongodb", lambda: mongo_ready(client)),
            ReadinessCheck("kafka", kafka.ready),
        ]
        app.state.metrics_refreshers.append(projection_figures)
        try:
            yield
        finally:
            await kafka.close()
            await client.close()

    return create_app(
        settings=settings,
        title="直通车 · 项目筛选 Screening",
        description=DESCRIPTION,
        routers=[library.router],
        lifespan=lifespan,
    )


def main() -> None:
    settings = ScreeningSettings()
    configure_logging("screening", settings.region, settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_screening_app(settings), host=settings.host, port=settings.port, log_config=None
    )


if __name__ == "__main__":
    main()
