"""Intake's HTTP API (FastAPI): the app and how to serve it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from intake.bootstrap import bootstrap, outbox
from intake.config import IntakeSettings
from intake.entrypoints.api.routes import achievements, calls, catalogue, imports, public
from ztc_shared.eventstore.mongo import prepare_event_store
from ztc_shared.history import MongoStreamHistory, stream_history_router
from ztc_shared.web import create_app
from ztc_shared.web.resources import report_relay_backlog, serve, service_resources

DESCRIPTION = """科技成果直通车 · 成果征集与入库（intake）

Collection calls, achievements and the project library of the Technology Achievements Express.
Every POST accepts an `Idempotency-Key`: a retried command returns its first result and writes nothing.
Replies carry `X-Stream-Version`, the version to wait for when reading your own write elsewhere."""


def create_intake_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_resources(app, settings) as resources:
            await prepare_event_store(resources.database)
            app.state.intake = bootstrap(settings, database=resources.database)
            app.state.stream_history = MongoStreamHistory(resources.database)
            report_relay_backlog(app, settings.service, outbox(resources.database))
            yield

    return create_app(
        settings=settings,
        title="直通车 · 成果征集与入库 Intake",
        description=DESCRIPTION,
        # catalogue before achievements: its fixed paths (/achievements/export.xlsx) win over {id}
        routers=[
            catalogue.router,
            achievements.router,
            calls.router,
            imports.router,
            public.router,
            stream_history_router(),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    settings = IntakeSettings()
    serve(create_intake_app(settings), settings)


if __name__ == "__main__":
    main()
