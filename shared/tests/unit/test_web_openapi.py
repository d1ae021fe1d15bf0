"""The spec says every answer: each operation documents the errors it can give, in one body."""

from __future__ import annotations

from typing import Annotated, Any

import jsonschema
from fastapi import APIRouter, Depends, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from pymongo.errors import ServerSelectionTimeoutError

from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role, mint_token
from ztc_shared.domain import NotFound, StateConflict
from ztc_shared.settings import ServiceSettings
from ztc_shared.web import CommandContextFor, create_app, require_roles
from ztc_shared.web.openapi import ErrorBody

SETTINGS = ServiceSettings(service="test", region="440000")


class Thing(BaseModel):
    title: str = Field(min_length=2)


class ThingView(BaseModel):
    id: str
    title: str


router = APIRouter(prefix="/things")
Reader = Annotated[Principal, Depends(require_roles(Role.PROVINCE))]
Writer = Annotated[CommandContext, Depends(CommandContextFor(Role.PROVINCE))]


@router.get("/public")
async def public() -> dict[str, str]:
    return {"ok": "yes"}


@router.get(
    "/{thing_id}",
    response_model=ThingView,
    responses={
        404: {
            "description": "没有这件事 No such thing",
            "content": {"application/json": {"example": {"error": "not_found"}}},
        }
    },
)
async def read(thing_id: str, who: Reader) -> dict[str, str]:
    if thing_id == "down":
        raise ServerSelectionTimeoutError("no servers")
    raise NotFound("thing", thing_id)


@router.post("/{thing_id}/rename", response_model=ThingView)
async def rename(
    thing_id: str, thing: Thing, context: Writer, response: Response
) -> dict[str, str]:
    raise StateConflict("archived", "已归档，不能改名", "Archived: it cannot be renamed")


def _app() -> Any:
    return create_app(settings=SETTINGS, title="t", description="d", routers=[router])


def _operation(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = schema["paths"][path][method]
    return operation


def _body_schema(schema: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    ref = response["content"]["application/json"]["schema"]["$ref"]
    return {**schema["components"]["schemas"][ref.rsplit("/", 1)[1]], "$defs": {}}


def test_each_operation_documents_the_errors_its_kind_can_answer() -> None:
    schema = _app().openapi()
    codes = {
        (path, method): set(operation["responses"])
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    always = {"422", "500", "503"}
    assert codes[("/things/public", "get")] == {"200"} | always
    assert codes[("/things/{thing_id}", "get")] == {"200", "401", "403", "404"} | always
    assert codes[("/things/{thing_id}/rename", "post")] == {
        "200", "400", "401", "403", "404", "409",
    } | always  # fmt: skip
    assert codes[("/healthz", "get")] == {"200"} | always


def test_every_error_is_an_error_body_and_what_a_route_declares_stays() -> None:
    schema = _app().openapi()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if int(code) < 400 or path in ("/healthz", "/readyz"):
                    continue
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorBody", (path, method, code)
    declared = _operation(schema, "/things/{thing_id}", "get")["responses"]["404"]
    assert declared["description"] == "没有这件事 No such thing"
    assert declared["content"]["application/json"]["example"] == {"error": "not_found"}
    readyz = _operation(schema, "/readyz", "get")["responses"]["503"]
    assert readyz["content"]["application/json"]["schema"]["$ref"].endswith("/Readiness")
    metrics = _operation(schema, "/metrics", "get")["responses"]["200"]
    assert list(metrics["content"]) == ["text/plain"]


def test_the_token_is_a_bearer_scheme_not_a_header_parameter() -> None:
    schema = _app().openapi()
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    read = _operation(schema, "/things/{thing_id}", "get")
    assert read["security"] == [{"bearerAuth": []}]
    assert all(p["name"].lower() != "authorization" for p in read.get("parameters", []))
    assert "security" not in _operation(schema, "/things/public", "get")


def test_the_answers_given_match_the_documented_body() -> None:
    app = _app()
    schema = app.openapi()
    client = TestClient(app, raise_server_exceptions=False)
    token = mint_token(SETTINGS, subject="p-1", role=Role.PROVINCE, region="440000")
    auth = {"Authorization": f"Bearer {token}"}
    answers = {
        401: client.get("/things/x"),
        403: client.get(
            "/things/x",
            headers={
                "Authorization": "Bearer "
                + mint_token(SETTINGS, subject="h", role=Role.HOLDER, region="440000")
            },
        ),
        404: client.get("/things/x", headers=auth),
        409: client.post("/things/x/rename", json={"title": "新名称"}, headers=auth),
        422: client.post("/things/x/rename", json={"title": ""}, headers=auth),
        503: client.get("/things/down", headers=auth),
    }
    error_body = {**ErrorBody.model_json_schema()}
    for status, response in answers.items():
        assert response.status_code == status, response.text
        jsonschema.validate(response.json(), error_body)
        path = (
            "/things/{thing_id}"
            if response.request.method == "GET"
            else "/things/{thing_id}/rename"
        )
        documented = _operation(schema, path, response.request.method.lower())["responses"]
        assert str(status) in documented
    invalid = answers[422].json()
    assert invalid["errors"][0]["field"] == "title"
    unavailable = answers[503]
    assert unavailable.json()["error"] == "store_unavailable"
    assert unavailable.headers["retry-after"] == "5"
    assert "数据存储暂时无法访问" in unavailable.json()["message"]
