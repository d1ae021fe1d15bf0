"""Roadshow's HTTP API (FastAPI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from roadshow.adapters.calendar import CalendarQueries
from roadshow.bootstrap import bootstrap, outbox, projection_definitions
from roadshow.config import RoadshowSettings
from roadshow.entrypoints.api.routes import meetings, online, programme, registrants, roadshows
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

DESCRIPTION = """科技成果直通车 · 路演活动（roadshow）

The year: provincial departments apply (`/host-applications`), Torch Center compares the applications
side by side and approves or rejects them, and launches the programme with its notice
(`/programmes/{year}/launch`).

`GET /roadshows` is the calendar (路演日历) across roadshows, open to everyone. Each roadshow
(`/roadshows/{id}`): the host's plan, company registration with capacity and a waiting list
(listed companies invited by SZSE are marked), the projects for the stage, coaching, the live day
with questions and intents, the experts' review (recusal, weighted criteria, scores with comments,
results raw and normalised once the window closes), the one-to-one meetings
(`/roadshows/{id}/meetings`: wishes, free slots, a provisional then a final schedule, the day's
changes, agendas, the Excel workbook), the online channel for the longlisted projects not on stage
(`/roadshows/{id}/online-channel`: companies ask, holders accept or decline) and the conclusion with
its outcomes. `GET /roadshows/{id}?as_of=…` answers as the roadshow stood then (时间回溯);
`GET /streams/{id}/history` pages through any stream's events for audit (审计, operators). The
shortlist arrives from screening's `ShortlistFinalized` by itself (the worker's
`screening` reaction); the host may still give it by hand. Every POST accepts an
`Idempotency-Key`; replies carry `X-Stream-Version`."""


def create_roadshow_app(settings: RoadshowSettings | None = None) -> FastAPI:
    settings = settings or RoadshowSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_resources(app, settings) as resources:
            await prepare_event_store(resources.database)
            app.state.roadshow = bootstrap(settings, database=resources.database)
            report_relay_backlog(app, settings.service, outbox(resources.database))
            app.state.stream_history = MongoStreamHistory(resources.database)
            catalog = MongoProjectionCatalog(
                resources.database, settings.service, settings.topic_prefix
            )
            app.state.calendar = CalendarQueries(resources.database, catalog)
            app.state.as_of_builder = AsOfBuilder(
                resources.database,
                settings.kafka_bootstrap_servers,
                projection_definitions(settings),
            )
            app.state.calendar_as_of = lambda moment: CalendarQueries(
                resources.database,
                AsOfCatalog(
                    resources.database,
                    settings.service,
                    settings.topic_prefix,
                    app.state.as_of_builder,
                    moment,
                ),
            )
            report_projections(app, resources, catalog, projection_definitions(settings))
            yield
            await app.state.as_of_builder.close()

    return create_app(
        settings=settings,
        title="直通车 · 路演活动 Roadshow",
        description=DESCRIPTION,
        routers=[
            programme.router,
            roadshows.router,
            meetings.router,
            online.router,
            registrants.router,
            stream_history_router(),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    settings = RoadshowSettings()
    serve(create_roadshow_app(settings), settings)


if __name__ == "__main__":
    main()
