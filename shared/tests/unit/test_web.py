"""Error bodies people can read, and routes that admit only their roles."""

from datetime import timedelta

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from ztc_shared.auth import Principal, Role, mint_token
from ztc_shared.domain import DomainError
from ztc_shared.eventstore import ConcurrencyConflict
from ztc_shared.settings import ServiceSettings
from ztc_shared.web import create_app, require_roles

SETTINGS = ServiceSettings(service="test", region="440000")


class Thing(BaseModel):
    title: str = Field(min_length=2)
    trl: int = Field(ge=1, le=9)


router = APIRouter()
from fastapi import Depends  # noqa: E402

AgencyOnly = Depends(require_roles(Role.SUPPORT_ORG))


@router.post("/things")
async def create(thing: Thing, who: Principal = AgencyOnly) -> dict[str, str]:
    if thing.title == "refuse":
        raise DomainError("refused", "不接受该成果", "Not accepted")
    if thing.title == "conflict":
        raise ConcurrencyConflict("s-1", 1, 3)
    return {"who": who.subject, "region": who.region}


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(settings=SETTINGS, title="t", description="d", routers=[router]))


def token(role: Role, region: str = "440000", **kwargs: object) -> dict[str, str]:
    jwt = mint_token(SETTINGS, subject="u-1", role=role, region=region, **kwargs)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {jwt}"}


def test_validation_errors_are_422_in_chinese_with_english_beside(client: TestClient) -> None:
    response = client.post(
        "/things", json={"title": "x", "trl": 12}, headers=token(Role.SUPPORT_ORG)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_failed"
    assert "提交的内容有误" in body["message"]
    fields = {e["field"]: e for e in body["errors"]}
    assert fields["trl"]["message_zh"] == "不能大于 9"
    assert fields["title"]["message_zh"] == "内容太短（至少 2 个字符）"
    assert "trl" in body["message_en"]


def test_english_when_the_client_prefers_it(client: TestClient) -> None:
    headers = {**token(Role.SUPPORT_ORG), "Accept-Language": "en-US,en;q=0.9"}
    body = client.post("/things", json={"title": "refuse", "trl": 3}, headers=headers).json()
    assert body["message"] == "Not accepted"
    assert body["message_zh"] == "不接受该成果"


def test_conflicts_are_409_with_both_versions(client: TestClient) -> None:
    response = client.post(
        "/things", json={"title": "conflict", "trl": 3}, headers=token(Role.SUPPORT_ORG)
    )
    assert response.status_code == 409
    assert (response.json()["expected_version"], response.json()["actual_version"]) == (1, 3)


def test_no_token_is_401_wrong_role_or_region_is_403(client: TestClient) -> None:
    assert client.post("/things", json={"title": "ok", "trl": 3}).status_code == 401
    assert (
        client.post(
            "/things", json={"title": "ok", "trl": 3}, headers=token(Role.HOLDER)
        ).status_code
        == 403
    )
    other_region = client.post(
        "/things", json={"title": "ok", "trl": 3}, headers=token(Role.SUPPORT_ORG, "110000")
    )
    assert other_region.status_code == 403
    assert "本地区" in other_region.json()["message"]


def test_expired_and_forged_tokens_are_refused(client: TestClient) -> None:
    expired = token(Role.SUPPORT_ORG, ttl=timedelta(seconds=-5))
    assert (
        client.post("/things", json={"title": "ok", "trl": 3}, headers=expired).status_code == 401
    )
    forged = mint_token(
        ServiceSettings(jwt_secret="another-key-of-sufficient-length-000"),
        subject="u-1",
        role=Role.SUPPORT_ORG,
        region="440000",
    )
    response = client.post(
        "/things", json={"title": "ok", "trl": 3}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


def test_a_good_call_carries_the_correlation_id_back(client: TestClient) -> None:
    response = client.post(
        "/things",
        json={"title": "ok", "trl": 3},
        headers={**token(Role.SUPPORT_ORG), "X-Correlation-ID": "req-42"},
    )
    assert response.status_code == 200
    assert response.json() == {"who": "u-1", "region": "440000"}
    assert response.headers["x-correlation-id"] == "req-42"


def test_health_is_open(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_command_context_carries_actor_region_key_and_fingerprint() -> None:
    from ztc_shared.application import CommandContext
    from ztc_shared.web import CommandContextFor

    commands = APIRouter()
    Context = Depends(CommandContextFor(Role.HOLDER))

    @commands.post("/commands")
    async def run(body: Thing, context: CommandContext = Context) -> dict[str, object]:
        return {
            "actor": context.actor,
            "region": context.region,
            "key": context.idempotency_key,
            "fingerprint": context.request_fingerprint,
        }

    client = TestClient(
        create_app(settings=SETTINGS, title="t", description="d", routers=[commands])
    )
    headers = {**token(Role.HOLDER), "Idempotency-Key": "k-9"}
    first = client.post("/commands", json={"title": "ok", "trl": 3}, headers=headers).json()
    other = client.post("/commands", json={"title": "ok", "trl": 4}, headers=headers).json()
    assert (first["actor"], first["region"], first["key"]) == ("u-1", "440000", "k-9")
    assert first["fingerprint"] != other["fingerprint"]


def test_a_remembered_token_still_expires() -> None:
    import time

    from ztc_shared.auth.tokens import AuthError, TokenVerifier

    verifier = TokenVerifier(SETTINGS)
    jwt = mint_token(
        SETTINGS, subject="u-2", role=Role.HOLDER, region="440000", ttl=timedelta(seconds=2)
    )
    assert verifier.verify(jwt).subject == "u-2"
    assert verifier.verify(jwt).subject == "u-2"  # from memory
    time.sleep(2.1)  # exp has whole seconds: at most 2 s from minting
    with pytest.raises(AuthError) as refused:
        verifier.verify(jwt)
    assert refused.value.status == 401


def test_an_upload_is_fingerprinted_by_its_bytes() -> None:
    from fastapi import File, UploadFile

    from ztc_shared.application import CommandContext
    from ztc_shared.web import CommandContextFor

    uploads = APIRouter()
    Context = Depends(CommandContextFor(Role.PROVINCE))

    @uploads.post("/uploads")
    async def upload(
        file: UploadFile = File(...),  # noqa: B008
        context: CommandContext = Context,
    ) -> dict[str, object]:
        return {"fingerprint": context.request_fingerprint, "size": len(await file.read())}

    client = TestClient(
        create_app(settings=SETTINGS, title="t", description="d", routers=[uploads])
    )
    headers = token(Role.PROVINCE)

    def send(content: bytes) -> dict[str, object]:
        reply = client.post("/uploads", files={"file": ("a.csv", content)}, headers=headers)
        assert reply.status_code == 200, reply.text
        body: dict[str, object] = reply.json()
        return body

    first, again, other = send(b"row,1"), send(b"row,1"), send(b"row,2")
    assert first["size"] == 5  # the route still reads the whole file after the fingerprint
    assert first["fingerprint"] == again["fingerprint"] != other["fingerprint"]


def _failing_client() -> TestClient:
    broken = APIRouter()

    @broken.get("/broken")
    async def fails() -> dict[str, str]:
        raise RuntimeError("a defect nobody foresaw")

    @broken.post("/echo")
    async def echo(thing: Thing) -> dict[str, str]:
        return {"title": thing.title}

    app = create_app(settings=SETTINGS, title="t", description="d", routers=[broken])
    return TestClient(app, raise_server_exceptions=False)


def test_an_unforeseen_failure_is_a_json_500_in_chinese_with_its_correlation_id() -> None:
    client = _failing_client()
    response = client.get("/broken", headers={"X-Correlation-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-correlation-id"] == "req-500"
    body = response.json()
    assert body["error"] == "internal_error"
    assert body["correlation_id"] == "req-500"
    assert "服务器内部错误" in body["message"] and "req-500" in body["message_zh"]
    english = client.get("/broken", headers={"Accept-Language": "en"}).json()
    assert english["message"].startswith("Internal server error")
    assert "a defect nobody foresaw" not in response.text  # the detail stays in the log


def test_bodies_that_cannot_be_parsed_get_the_same_json_error_in_chinese() -> None:
    client = _failing_client()
    headers = {"Content-Type": "application/json", "X-Correlation-ID": "req-400"}
    not_utf8 = client.post("/echo", content=b'{"title": "\xff\xfe", "trl": 3}', headers=headers)
    deep = client.post("/echo", content=b"[" * 10_000 + b"]" * 10_000, headers=headers)
    for response in (not_utf8, deep):
        assert response.status_code in (400, 422), response.text
        body = response.json()
        assert body["correlation_id"] == "req-400"
        assert body["message_zh"] and body["message_en"]
        assert body["message"] == body["message_zh"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message_zh"]), body


def test_every_error_body_names_its_correlation_id(client: TestClient) -> None:
    response = client.post(
        "/things",
        json={"title": "x", "trl": 3},
        headers={**token(Role.SUPPORT_ORG), "X-Correlation-ID": "req-422"},
    )
    assert response.status_code == 422
    assert response.json()["correlation_id"] == "req-422"


def test_a_null_that_may_not_clear_a_field_is_explained_in_chinese() -> None:
    from pydantic import field_validator
    from pydantic_core import PydanticCustomError

    class Change(BaseModel):
        title: str | None = None

        @field_validator("title", mode="before")
        @classmethod
        def _kept(cls, value: object) -> object:
            if value is None:
                raise PydanticCustomError("null_not_allowed", "may be changed but not cleared")
            return value

    changes = APIRouter()

    @changes.patch("/change")
    async def change(body: Change) -> dict[str, str]:
        return {"ok": "yes"}

    app = create_app(settings=SETTINGS, title="t", description="d", routers=[changes])
    response = TestClient(app).patch("/change", json={"title": None})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["message_zh"]) == ("title", "不能为空（可以修改，不能清除）")


def test_the_same_json_re_serialised_has_the_same_fingerprint() -> None:
    from ztc_shared.web.deps import canonical_body

    first = b'{"title": "\\u56fa\\u6001\\u7535\\u6c60", "trl": 6, "keywords": ["a", "b"]}'
    retried = '{\n  "keywords": ["a","b"],\n  "trl": 6,\n  "title": "固态电池"\n}'.encode()
    assert canonical_body(first) == canonical_body(retried)
    assert canonical_body('{"trl": 7, "title": "固态电池", "keywords": ["a", "b"]}'.encode()) != (
        canonical_body(first)
    )
    assert canonical_body(b"\xff not json") == b"\xff not json"
    assert canonical_body(b"") == b""
