"""The FastAPI app every service starts from: health, readiness, metrics, errors, correlation, auth."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import structlog
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from ztc_shared.auth.tokens import TokenVerifier
from ztc_shared.observability.hangs import SlowRequestMiddleware
from ztc_shared.settings import ServiceSettings
from ztc_shared.web.admission import AdmissionMiddleware
from ztc_shared.web.correlation import CorrelationMiddleware
from ztc_shared.web.errors import install_error_handlers
from ztc_shared.web.openapi import openapi_with_answers

log = structlog.get_logger()


@dataclass(frozen=True)
class ReadinessCheck:
    name: str
    check: Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class LivenessCheck:
    """``hung_for`` says how long a dependency has hung (0 when it answers); past the settings'
    ``liveness_hang_s`` the process is better restarted. ``probe`` refreshes it."""

    name: str
    probe: Callable[[], Awaitable[None]]
    hung_for: Callable[[], float]


class Liveness(BaseModel):
    """``/healthz``: ``ok``, or ``hung`` with how long each hung dependency has hung."""

    status: str
    service: str
    hung_for_s: dict[str, float] | None = None


class Readiness(BaseModel):
    """``/readyz``: ``ready`` or ``not_ready``, with each check's result."""

    status: str
    checks: dict[str, str]


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
        app.state.liveness_checks = []
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
    # Inside the correlation middleware, so that a slow request is logged with its correlation id.
    app.add_middleware(SlowRequestMiddleware, threshold_s=settings.slow_request_s)
    # Inside it too, so that a refusal carries the correlation id; outside everything else, so that
    # a refused request costs nothing.
    app.add_middleware(
        AdmissionMiddleware,
        service=settings.service,
        limit=settings.admission_limit,
        queue=settings.admission_queue,
        wait_s=settings.admission_wait_s,
    )
    app.add_middleware(CorrelationMiddleware)
    install_error_handlers(app)
    app.openapi = openapi_with_answers(app)  # type: ignore[method-assign]

    @app.get(
        "/healthz",
        tags=["operations"],
        summary="存活检查 Liveness",
        responses={
            200: {"model": Liveness},
            503: {"model": Liveness, "description": "依赖已挂起，应重启 A dependency hangs"},
        },
    )
    async def healthz() -> JSONResponse:
        """503 when a dependency has hung (not merely failed) for ``liveness_hang_s``: a process
        whose store hangs is restarted; one whose store is down is only not ready."""
        hung: dict[str, float] = {}
        for item in getattr(app.state, "liveness_checks", []):
            try:
                await item.probe()
            except Exception:  # noqa: BLE001, S110 - the check reads hung_for below
                pass
            if item.hung_for() >= settings.liveness_hang_s:
                hung[item.name] = round(item.hung_for(), 1)
        if hung:
            log.error("liveness.hung", hung_for_s=hung)
            return JSONResponse(
                {"status": "hung", "service": settings.service, "hung_for_s": hung},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "service": settings.service})

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="就绪检查 Readiness (Kafka, MongoDB)",
        responses={
            200: {"model": Readiness},
            503: {"model": Readiness, "description": "尚未就绪 Not ready"},
        },
    )
    async def readyz() -> JSONResponse:
        checks: list[ReadinessCheck] = app.state.readiness_checks
        results: dict[str, str] = {}
        for item in checks:
            try:
                await asyncio.wait_for(item.check(), timeout=settings.readiness_timeout_s + 1)
                results[item.name] = "ok"
            except Exception as error:  # noqa: BLE001 - any failure means not ready
                results[item.name] = f"failed: {type(error).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
    )
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
