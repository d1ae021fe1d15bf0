"""Screening's HTTP API (FastAPI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from screening.bootstrap import library_queries, projection_definitions
from screening.config import ScreeningSettings
from screening.entrypoints.api.routes import library
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.web import create_app
from ztc_shared.web.resources import report_projections, serve, service_resources

DESCRIPTION = """科技成果直通车 · 项目筛选（screening）

The library as screening sees it, built from intake's events; longlists and shortlists per roadshow.
`GET /library/{id}?min_version=N` waits until the library has applied version N of the achievement
(read your own write)."""


def create_screening_app(settings: ScreeningSettings | None = None) -> FastAPI:
    settings = settings or ScreeningSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_resources(app, settings) as resources:
            app.state.library = library_queries(settings, resources.database)
            catalog = MongoProjectionCatalog(
                resources.database, settings.service, settings.topic_prefix
            )
            report_projections(app, resources, catalog, projection_definitions(settings))
            yield

    return create_app(
        settings=settings,
        title="直通车 · 项目筛选 Screening",
        description=DESCRIPTION,
        routers=[library.router],
        lifespan=lifespan,
    )


def main() -> None:
    settings = ScreeningSettings()
    serve(create_screening_app(settings), settings)


if __name__ == "__main__":
    main()
