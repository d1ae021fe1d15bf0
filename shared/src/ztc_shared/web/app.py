"""The FastAPI app every service starts from: health, readiness, metrics, errors, correlation, auth."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import structlog
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ztc_shared.auth.tokens import TokenVerifier
from ztc_shared.settings import ServiceSettings
from ztc_shared.web.correlation import CorrelationMiddleware
from ztc_shared.web.errors import install_error_handlers

log = structlog.get_logger()


@dataclass(frozen=True)
class ReadinessCheck:
    name: str
    check: Callable[[], Awaitable[None]]


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    lifespan: Lifespan | None = None,
    version: str = "0.1.0",
) -> FastAPI:
    """Build a service's app. Its ``lifespan`` opens the service's resources and registers them:
    ``app.state.readiness_checks`` (checked by ``/readyz``) and ``app.state.metrics_refreshers``
    (awaited before ``/metrics`` renders, e.g. relay backlog and consumer lag)."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        app.state.readiness_checks = []
        app.state.metrics_refreshers = []
        if lifespan is None:
            yield
            return
        async with lifespan(app):
            log.info("api.started", port=settings.port)
            yield

    app = FastAPI(title=title, description=description, version=version, lifespan=run)
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)

    @app.get("/healthz", tags=["operations"], summary="存活检查 Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service}

    @app.get("/readyz", tags=["operations"], summary="就绪检查 Readiness (Kafka, MongoDB)")
    async def readyz() -> JSONResponse:
        checks: list[ReadinessCheck] = app.state.readiness_checks
        results: dict[str, str] = {}
        for item in checks:
            try:
                await asyncio.wait_for(item.check(), timeout=3.0)
                results[item.name] = "ok"
            except Exception as error:  # noqa: BLE001 - any failure means not ready
                results[item.name] = f"failed: {type(error).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics() -> Response:
        for refresh in app.state.metrics_refreshers:
            try:
                await asyncio.wait_for(refresh(), timeout=3.0)
            except Exception:
                log.warning("metrics.refresh_failed", exc_info=True)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
