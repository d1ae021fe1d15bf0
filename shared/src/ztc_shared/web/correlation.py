"""A correlation id per request: taken from ``X-Correlation-ID`` or made, logged, and put in events."""

from __future__ import annotations

import json
import re
import uuid
from contextvars import ContextVar
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-correlation-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")


log = structlog.get_logger(__name__)


def current_correlation_id() -> str:
    return correlation_id.get() or str(uuid.uuid4())


def _accept_language(scope: Scope) -> str:
    value: bytes = dict(scope.get("headers") or []).get(b"accept-language", b"")
    return value.decode("latin-1")


def internal_error_body(accept_language: str, correlation: str) -> dict[str, Any]:
    """The 500 body: Chinese first, English beside, and the id to quote to the operators."""
    zh = f"服务器内部错误，请稍后重试；如持续出现，请将编号 {correlation} 告知平台运维人员"
    en = (
        "Internal server error; please try again later. If it persists, give the platform's "
        f"operators this reference: {correlation}"
    )
    english = accept_language.lower().split(",")[0].strip().startswith("en")
    return {
        "error": "internal_error",
        "message": en if english else zh,
        "message_zh": zh,
        "message_en": en,
        "correlation_id": correlation,
    }


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        value = given if _VALID.match(given) else str(uuid.uuid4())
        token = correlation_id.set(value)
        structlog.contextvars.bind_contextvars(correlation_id=value)

        started = False

        async def send_with_header(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"].append((HEADER.encode(), value.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        except Exception:
            # The one body every error has, for the failures nobody foresaw too (not a plain-text
            # "Internal Server Error"); what went wrong stays in the log, under the same id.
            log.exception("request.failed", method=scope.get("method"), path=scope.get("path"))
            if started:
                raise
            body = json.dumps(
                internal_error_body(_accept_language(scope), value), ensure_ascii=False
            ).encode()
            await send_with_header(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id")
            correlation_id.reset(token)
