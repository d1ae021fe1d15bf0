"""Every error is a JSON body people can read: Chinese first, English beside it.

``message`` follows the request's ``Accept-Language`` (zh-CN unless English is preferred);
``message_zh`` and ``message_en`` are always both present.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

from ztc_shared.auth.tokens import AuthError
from ztc_shared.domain.errors import DomainError, Forbidden, NotFound, StateConflict
from ztc_shared.eventstore.ports import ConcurrencyConflict, IdempotencyKeyReused
from ztc_shared.web.correlation import correlation_id

log = structlog.get_logger(__name__)

_VALIDATION_ZH: dict[str, str] = {
    "missing": "必填项缺失",
    "string_too_short": "内容太短（至少 {min_length} 个字符）",
    "string_too_long": "内容太长（最多 {max_length} 个字符）",
    "too_short": "条目太少（至少 {min_length} 项）",
    "too_long": "条目太多（最多 {max_length} 项）",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "必须大于 {gt}",
    "less_than": "必须小于 {lt}",
    "enum": "不是允许的取值（可选：{expected}）",
    "literal_error": "不是允许的取值（可选：{expected}）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "数字位数太多（最多 {max_digits} 位）",
    "decimal_max_places": "小数位太多（最多 {decimal_places} 位）",
    "string_type": "应为文本",
    "bool_parsing": "应为是或否",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "json_invalid": "请求体不是有效的 JSON",
    "extra_forbidden": "不允许的字段",
    "string_pattern_mismatch": "格式不正确",
    "uuid_parsing": "应为 UUID",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "value_error": "取值无效：{error}",
    "null_not_allowed": "不能为空（可以修改，不能清除）",
    "timezone_aware": "须带时区（例如 2026-12-31T17:00:00+08:00）",
}


def prefers_english(request: Request) -> bool:
    header = request.headers.get("accept-language", "").lower()
    first = header.split(",")[0].strip()
    return first.startswith("en")


def error_body(
    request: Request, code: str, message_zh: str, message_en: str, **extra: Any
) -> dict[str, Any]:
    return {
        "error": code,
        "message": message_en if prefers_english(request) else message_zh,
        "message_zh": message_zh,
        "message_en": message_en,
        "correlation_id": correlation_id.get() or None,
        **extra,
    }


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts)


def _zh(error: dict[str, Any]) -> str:
    template = _VALIDATION_ZH.get(error.get("type", ""))
    if template is None:
        return "取值无效"
    context = {k: v for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split("（")[0].split("：")[0]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_failed(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": _field_path(e.get("loc", ())),
                "type": e.get("type"),
                "message_zh": _zh(e),
                "message_en": e.get("msg", "invalid value"),
            }
            for e in exc.errors()
        ]
        summary_zh = "；".join(f"{e['field']}：{e['message_zh']}" for e in errors)
        summary_en = "; ".join(f"{e['field']}: {e['message_en']}" for e in errors)
        body = error_body(
            request,
            "validation_failed",
            f"提交的内容有误：{summary_zh}",
            f"The request is not valid: {summary_en}",
            errors=errors,
        )
        return JSONResponse(body, status_code=422)

    @app.exception_handler(DomainError)
    async def domain_refused(request: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, StateConflict):
            body = error_body(
                request, exc.code, exc.message_zh, exc.message_en, actual_version=exc.actual_version
            )
            return JSONResponse(body, status_code=409)
        return JSONResponse(
            error_body(request, exc.code, exc.message_zh, exc.message_en), status_code=422
        )

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse(
            error_body(request, exc.code, exc.message_zh, exc.message_en), status_code=403
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(
            error_body(
                request,
                "not_found",
                f"未找到：{exc.what} {exc.identifier}",
                f"Not found: {exc.what} {exc.identifier}",
            ),
            status_code=404,
        )

    @app.exception_handler(ConcurrencyConflict)
    async def conflict(request: Request, exc: ConcurrencyConflict) -> JSONResponse:
        return JSONResponse(
            error_body(
                request,
                "concurrency_conflict",
                f"该记录已被他人修改（当前版本 {exc.actual_version}，您基于版本 {exc.expected_version}），"
                "请刷新后重试",
                f"The record was changed meanwhile (now at version {exc.actual_version}, "
                f"your change was based on {exc.expected_version}); reload and try again",
                stream_id=exc.stream_id,
                expected_version=exc.expected_version,
                actual_version=exc.actual_version,
            ),
            status_code=409,
        )

    @app.exception_handler(IdempotencyKeyReused)
    async def key_reused(request: Request, exc: IdempotencyKeyReused) -> JSONResponse:
        return JSONResponse(
            error_body(
                request,
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一个不同的请求",
                "This Idempotency-Key was already used for a different request",
                idempotency_key=exc.key,
            ),
            status_code=422,
        )

    @app.exception_handler(AuthError)
    async def auth_failed(request: Request, exc: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        code = "unauthenticated" if exc.status == 401 else "forbidden"
        return JSONResponse(
            error_body(request, code, exc.message_zh, exc.message_en),
            status_code=exc.status,
            headers=headers,
        )

    @app.exception_handler(ConnectionFailure)
    async def store_unavailable(request: Request, exc: ConnectionFailure) -> JSONResponse:
        # The database does not answer (down, unreachable, timed out): nothing was decided, and
        # the same request may succeed shortly; a 500 would say the request itself is at fault.
        log.warning("request.store_unavailable", error=type(exc).__name__, path=request.url.path)
        return JSONResponse(
            error_body(
                request,
                "store_unavailable",
                "数据存储暂时无法访问，请稍后重试",
                "The data store does not answer just now; please try again shortly",
            ),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        zh = {
            400: "请求体无法解析：须为 UTF-8 编码、层级不过深的 JSON",
            404: "未找到",
            405: "不支持的请求方法",
            401: "需要登录",
            403: "无权访问",
            413: "请求体过大",
            415: "不支持的内容类型",
        }.get(exc.status_code, "请求无法处理")
        return JSONResponse(
            error_body(request, f"http_{exc.status_code}", zh, detail),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
