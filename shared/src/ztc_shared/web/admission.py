"""Admission control: an API under more load than it can carry says so at once.

Without it, requests beyond what the process can serve queue in the event loop until their clients
time out, and every request — the ones that could have been served included — gets slow. With it,
at most ``limit`` requests run at a time, at most ``queue`` more wait (each at most ``wait_s``),
and the rest are answered at once: 503 with ``Retry-After``, Chinese first, in the one error shape.
Health, readiness and metrics are never refused: an overloaded process is busy, not broken.
"""

from __future__ import annotations

import asyncio
import json
import math

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from ztc_shared.observability import metrics
from ztc_shared.web.correlation import correlation_id

log = structlog.get_logger(__name__)

EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})


def overloaded_body(english: bool, retry_after_s: int) -> dict[str, object]:
    zh = f"系统繁忙，请 {retry_after_s} 秒后重试"
    en = f"The service is busy; please try again in {retry_after_s} s"
    return {
        "error": "overloaded",
        "message": en if english else zh,
        "message_zh": zh,
        "message_en": en,
        "correlation_id": correlation_id.get() or None,
        "retry_after_s": retry_after_s,
    }


class AdmissionMiddleware:
    """At most ``limit`` requests at once, ``queue`` waiting; the rest refused fast with a 503."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        limit: int = 64,
        queue: int = 64,
        wait_s: float = 0.25,
        retry_after_s: float = 1.0,
    ) -> None:
        self.app = app
        self.service = service
        self.limit = limit
        self.queue = queue
        self.wait_s = wait_s
        self.retry_after_s = max(1, math.ceil(retry_after_s))
        self._running = 0
        self._waiting = 0
        self._freed = asyncio.Condition()

    @property
    def running(self) -> int:
        return self._running

    async def _admit(self) -> bool:
        if self._running < self.limit and self._waiting == 0:
            self._running += 1
            return True
        if self._waiting >= self.queue:
            return False
        self._waiting += 1
        try:
            async with self._freed:
                await asyncio.wait_for(
                    self._freed.wait_for(lambda: self._running < self.limit), self.wait_s
                )
                self._running += 1
                return True
        except TimeoutError:
            return False
        finally:
            self._waiting -= 1

    async def _release(self) -> None:
        self._running -= 1
        async with self._freed:
            self._freed.notify_all()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT:
            await self.app(scope, receive, send)
            return
        if not await self._admit():
            metrics.REQUESTS_REFUSED.labels(self.service).inc()
            await self._refuse(scope, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            await self._release()

    async def _refuse(self, scope: Scope, send: Send) -> None:
        language = dict(scope.get("headers") or []).get(b"accept-language", b"")
        english = language.decode("latin-1").lower().split(",")[0].strip().startswith("en")
        body = json.dumps(overloaded_body(english, self.retry_after_s), ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after_s).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
