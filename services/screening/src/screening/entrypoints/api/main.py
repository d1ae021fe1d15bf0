"""Screening's HTTP API (FastAPI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from screening.adapters.library_queries import LibraryQueries
from screening.adapters.recommendations import Recommender, RecommendersAsOf
from screening.bootstrap import bootstrap, library_queries, outbox, projection_definitions
from screening.config import ScreeningSettings
from screening.entrypoints.api.routes import library, rounds
from ztc_shared.eventstore.mongo import prepare_event_store
from ztc_shared.history import MongoStreamHistory, stream_history_router
from ztc_shared.history.collections import AsOfBuilder, AsOfCatalog
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.web import create_app
from ztc_shared.web.resources import (
    report_projections,
    report_relay_backlog,
    serve,
    service_resources,
)

DESCRIPTION = """科技成果直通车 · 项目筛选（screening）

The library as screening sees it, built from intake's events; longlists and shortlists per roadshow.
`GET /library/{id}?min_version=N` waits until the library has applied version N of the achievement
(read your own write).

A screening round (`/rounds`) belongs to one roadshow event: agencies and the host settle a longlist
of about 100 admitted achievements, the host pushes it to the registered companies, the companies
answer per candidate, and the host decides the 10–20 projects for the stage. Every POST accepts an
`Idempotency-Key`; replies carry `X-Stream-Version`."""


def create_screening_app(settings: ScreeningSettings | None = None) -> FastAPI:
    settings = settings or ScreeningSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_resources(app, settings) as resources:
            app.state.library = library_queries(settings, resources.database)
            app.state.recommender = Recommender(app.state.library)
            await prepare_event_store(resources.database)
            app.state.screening = bootstrap(
                settings, database=resources.database, library=app.state.library
            )
            app.state.stream_history = MongoStreamHistory(resources.database)
            report_relay_backlog(app, settings.service, outbox(resources.database))
            catalog = MongoProjectionCatalog(
                resources.database, settings.service, settings.topic_prefix
            )
            report_projections(app, resources, catalog, projection_definitions(settings))
            builder = AsOfBuilder(
                resources.database,
                settings.kafka_bootstrap_servers,
                projection_definitions(settings),
            )
            app.state.library_as_of = lambda moment: LibraryQueries(
                resources.database,
                AsOfCatalog(
                    resources.database, settings.service, settings.topic_prefix, builder, moment
                ),
            )
            app.state.recommenders_as_of = RecommendersAsOf(app.state.library_as_of)
            yield
            await builder.close()

    return create_app(
        settings=settings,
        title="直通车 · 项目筛选 Screening",
        description=DESCRIPTION,
        routers=[library.router, rounds.router, stream_history_router()],
        lifespan=lifespan,
    )


def main() -> None:
    settings = ScreeningSettings()
    serve(create_screening_app(settings), settings)


if __name__ == "__main__":
    main()
