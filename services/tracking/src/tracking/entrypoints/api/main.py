"""Tracking's HTTP API (FastAPI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tracking.adapters.history import FactsAsOf
from tracking.application.facts import facts_definition
from tracking.bootstrap import bootstrap, facts_queries, outbox
from tracking.config import TrackingSettings
from tracking.entrypoints.api.routes import cases, figures, summaries
from ztc_shared.eventstore.mongo import prepare_event_store
from ztc_shared.history import MongoStreamHistory, stream_history_router
from ztc_shared.web import create_app
from ztc_shared.web.resources import report_relay_backlog, serve, service_resources

DESCRIPTION = """科技成果直通车 · 跟踪服务与工作总结（tracking）

Cases (`/cases`): every project that went on stage and every intent declared (on stage, at a
one-to-one meeting, online) is followed by a case, opened by the worker from roadshow's events.
A case climbs 意向洽谈 → 签约 → 落地 → 产业化 or ends (终止) with a reason; hosts record progress,
deals (type, amount in 万元, counterpart by 统一社会信用代码), the landing, policy support.
Every case has a next follow-up date; overdue and stalled cases are flagged by the worker.

Summaries (`/summaries/{year}/{host_id}`): the host's year-end summary (工作总结), drafted from the
year's figures and the host's narrative, submitted by 31 December, accepted or returned by Torch
Center; Word and Excel exports.

Figures (`/figures/funnel`, `/timelines/...`): the funnel and amounts by province, year, field and
host, and timelines per achievement and company, all derived from events and rebuildable. Every POST
accepts an `Idempotency-Key`; replies carry `X-Stream-Version`."""


def create_tracking_app(settings: TrackingSettings | None = None) -> FastAPI:
    settings = settings or TrackingSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_resources(app, settings) as resources:
            await prepare_event_store(resources.database)
            facts = facts_queries(settings, resources.database)
            app.state.facts = facts
            app.state.tracking = bootstrap(settings, database=resources.database, figures=facts)
            report_relay_backlog(app, settings.service, outbox(resources.database))
            app.state.stream_history = MongoStreamHistory(resources.database)
            app.state.facts_as_of = FactsAsOf(
                settings.kafka_bootstrap_servers, facts_definition(settings.topic_prefix).topics
            )
            yield

    return create_app(
        settings=settings,
        title="直通车 · 跟踪服务 Tracking",
        description=DESCRIPTION,
        routers=[cases.router, summaries.router, figures.router, stream_history_router()],
        lifespan=lifespan,
    )


def main() -> None:
    settings = TrackingSettings()
    serve(create_tracking_app(settings), settings)


if __name__ == "__main__":
    main()
