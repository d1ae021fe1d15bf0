"""The dashboard's web application: the operations dashboard, the public portal and their APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dashboard.bootstrap import bootstrap
from dashboard.config import DashboardSettings
from dashboard.entrypoints.api.routes import dashboard, pages, portal
from ztc_shared.web import create_app
from ztc_shared.web.resources import serve, service_resources

DESCRIPTION = """科技成果直通车 · 运营看板与公众门户（dashboard）

Read models only, built from every service's events by `dashboard-worker`.

* `/api/*` — the operations dashboard for Torch Center (全国) and provincial departments (本省):
  the funnel with amounts in 万元, breakdowns by province, field, year and host, the roadshow
  calendar, hosts and their year-end summaries, stalled and overdue tracking cases, the streams'
  health, and Excel exports. A provincial user sees only their own province, exports included.
  Every figure, list and export takes `as_of` (时间回溯, ISO 8601 with a time zone): the answer
  from the events that occurred up to then, rebuilt from the topics with the read model's own
  rules and shaped by the same code as the live answer. The streams' health is live only.
* `/public/*` — the portal: published achievements (public fields only), upcoming roadshows with
  their agendas, and company registration (sent on to roadshow's API).
* The pages (`/`, `/achievements`, `/roadshows/{id}`, `/dashboard`) are rendered by the server,
  zh-CN first (`?lang=en` for English); charts use ECharts served from `/static`."""

STATIC = Path(__file__).parents[2] / "static"


def create_dashboard_app(settings: DashboardSettings | None = None) -> FastAPI:
    settings = settings or DashboardSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_resources(app, settings) as resources:
            dashboard = bootstrap(settings, database=resources.database)
            app.state.queries = dashboard.queries
            app.state.counters_as_of = dashboard.counters_as_of()
            try:
                async with httpx.AsyncClient() as http:
                    app.state.http = http
                    yield
            finally:
                await app.state.counters_as_of.close()

    app = create_app(
        settings=settings,
        title="直通车 · 运营看板与公众门户 Dashboard and portal",
        description=DESCRIPTION,
        routers=[dashboard.router, portal.router, pages.router],
        lifespan=lifespan,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def main() -> None:
    settings = DashboardSettings()
    serve(create_dashboard_app(settings), settings)


if __name__ == "__main__":
    main()
