"""What every operation can answer, written into each service's OpenAPI in one place.

Routes declare their successes (and, where they carry examples, some of their errors); the rest of
what an operation can answer follows from what it is, and is added here for every route of every
service, so a client generated from the document knows every body it may receive:

- 400 where it takes a body (not UTF-8, nested too deep), 422 always (validation, a domain rule);
- 401 and 403 where it takes a bearer token (none, an expired one, another role or region);
- 404 where its path names a record; 409 where it is a command (another writer, a state conflict);
- 500 always (an unforeseen failure, with its correlation id); 503 always (a store or a service it
  depends on does not answer, or a projection is behind what the caller waits for).

Every one of them is an ``ErrorBody`` (``ztc_shared.web.errors.error_body``). A response a route
declares itself keeps its description and examples; it gains the schema only where it has none.
The ``Authorization`` header becomes what OpenAPI says it is, a security scheme (an ``Authorization``
header parameter is ignored by OpenAPI tools), so a client knows how to authenticate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

BEARER = "bearerAuth"
COMMAND_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HTTP_METHODS = COMMAND_METHODS | {"GET", "HEAD", "OPTIONS", "TRACE"}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


class FieldError(BaseModel):
    """One field a request got wrong (in a 422 ``validation_failed``)."""

    field: str = Field(description="字段路径，如 body.title 去掉位置后的 title Field path")
    type: str | None = Field(description="错误类型（pydantic），如 missing Error type")
    message_zh: str
    message_en: str


class ErrorBody(BaseModel):
    """The one body every error has: Chinese first, English beside it, the id to quote.

    An error may carry more that a client can act on: ``errors`` (a validation failure's fields),
    ``actual_version`` and ``expected_version`` (a conflict), ``idempotency_key``, ``stream_id``…"""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "error": "validation_failed",
                    "message": "提交的内容有误：title：必填项缺失",
                    "message_zh": "提交的内容有误：title：必填项缺失",
                    "message_en": "The request is not valid: title: Field required",
                    "correlation_id": "5b0c7c1e-8f0b-4f57-9a8e-2f1f0f1b8c3d",
                    "errors": [
                        {
                            "field": "title",
                            "type": "missing",
                            "message_zh": "必填项缺失",
                            "message_en": "Field required",
                        }
                    ],
                }
            ]
        },
    )

    error: str = Field(description="机器可读的错误代码 Error code, e.g. not_found")
    message: str = Field(description="按 Accept-Language 选择的说明（默认中文） Message")
    message_zh: str
    message_en: str
    correlation_id: str | None = Field(description="请求的关联编号 The request's correlation id")
    errors: list[FieldError] | None = Field(
        default=None, description="校验失败的字段（仅 validation_failed） Fields that failed"
    )


# (status, description): the answers an operation may give besides its own, and when.
_ANSWERS: dict[int, str] = {
    400: "请求体无法解析 The body is not UTF-8 JSON or is nested too deep",
    401: "需要登录：缺少、无效或过期的身份令牌 No, an invalid or an expired token",
    403: "无权访问：角色或地区不允许 The role or region may not do this",
    404: "未找到 Not found",
    409: "冲突：记录已被他人修改，或当前状态不允许 A concurrent change or a state conflict",
    422: "内容有误：字段校验或业务规则不通过 Validation failed or a rule refused it",
    500: "服务器内部错误（附关联编号） An unforeseen failure, with its correlation id",
    503: "暂时不可用：所依赖的存储或服务无响应，或读模型尚未更新 A dependency is unavailable",
}


def _takes_token(operation: dict[str, Any]) -> bool:
    return any(
        p.get("in") == "header" and p.get("name", "").lower() == "authorization"
        for p in operation.get("parameters", [])
    )


def _answers_of(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation may answer, read from what it is."""
    codes = [422, 500, 503]
    if "requestBody" in operation:
        codes.append(400)
    if _takes_token(operation):
        codes += [401, 403]
    if "{" in path:
        codes.append(404)
    if method.upper() in COMMAND_METHODS:
        codes.append(409)
    return sorted(codes)


def document_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Add every operation's error answers, ``ErrorBody`` and the bearer scheme to ``schema``."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    generated = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(generated.pop("$defs", {}))
    schemas["ErrorBody"] = generated
    ref = "#/components/schemas/ErrorBody"
    tokens = False
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method.upper() not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in _answers_of(path, method, operation):
                declared = responses.setdefault(str(code), {"description": _ANSWERS[code]})
                json_body = declared.setdefault("content", {}).setdefault("application/json", {})
                if json_body.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
                    del json_body["schema"]
                    declared["description"] = _ANSWERS[code]
                json_body.setdefault("schema", {"$ref": ref})
            operation["responses"] = dict(sorted(responses.items()))
            if _takes_token(operation):
                tokens = True
                parameters = [
                    p
                    for p in operation["parameters"]
                    if not (
                        p.get("in") == "header" and p.get("name", "").lower() == "authorization"
                    )
                ]
                if parameters:
                    operation["parameters"] = parameters
                else:
                    del operation["parameters"]
                operation.setdefault("security", [{BEARER: []}])
    if tokens:
        components.setdefault("securitySchemes", {})[BEARER] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "开发环境 HS256 令牌（ztc-token），生产环境为 OIDC 签发的 RS256 令牌",
        }
    text = repr(schema.get("paths", {}))
    for name in _FASTAPI_VALIDATION:  # FastAPI's own 422 schema, now replaced everywhere
        if f"/{name}'" not in text:
            schemas.pop(name, None)
    return schema


def openapi_with_answers(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """An ``app.openapi`` that documents every answer (built once, as FastAPI's own is)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_answers(generate())
        return app.openapi_schema

    return openapi
