"""The public portal's API (信息公开, 企业报名): no token needed to read; registering needs a
company's token and goes to roadshow's registration API."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from dashboard.config import DashboardSettings
from dashboard.entrypoints.api.deps import QueriesDep, token_of
from ztc_shared.auth.tokens import AuthError
from ztc_shared.contracts.identifiers import (
    RECORD_ID_PATTERN,
    CreditCode,
    credit_code_problem,
)
from ztc_shared.contracts.roadshow import ParticipantKind
from ztc_shared.domain.errors import NotFound
from ztc_shared.web.errors import error_body
from ztc_shared.web.paging import Offset, PageSize

router = APIRouter(prefix="/public", tags=["portal 公众门户"])


@router.get("/achievements", summary="检索已公开的科技成果 Search published achievements")
async def search(
    queries: QueriesDep,
    q: Annotated[str, Query(max_length=100, description="关键词 Keywords")] = "",
    field: Annotated[str | None, Query(max_length=40, description="领域 Field code")] = None,
    limit: PageSize = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    total, items = await queries.search_achievements(q, field, limit, offset)
    return {"total": total, "items": items}


@router.get(
    "/achievements/{achievement_id}", summary="成果详情（公开字段） A published achievement"
)
async def achievement(achievement_id: str, queries: QueriesDep) -> dict[str, Any]:
    found = await queries.achievement(achievement_id)
    if found is None:
        raise NotFound("achievement", achievement_id)
    return found


@router.get("/roadshows", summary="近期路演及议程 Upcoming roadshows and their agendas")
async def roadshows(queries: QueriesDep) -> list[dict[str, Any]]:
    return await queries.upcoming_roadshows(None, date.today())


@router.get("/roadshows/{roadshow_id}", summary="路演详情与议程 A roadshow and its agenda")
async def roadshow(roadshow_id: str, queries: QueriesDep) -> dict[str, Any]:
    found = await queries.roadshow(roadshow_id)
    if found is None:
        raise NotFound("roadshow", roadshow_id)
    return found


@router.get("/notices", summary="工作通知 Work notices for the public and companies")
async def notices(queries: QueriesDep) -> list[dict[str, Any]]:
    return await queries.public_notices()


@router.get(
    "/credit-codes/{code}",
    summary="校验统一社会信用代码 Check a unified social credit code (GB 32100)",
)
async def check_credit_code(code: str) -> dict[str, Any]:
    problem = credit_code_problem(code.strip().upper())
    return {
        "valid": problem is None,
        "message_zh": problem[0] if problem else "",
        "message_en": problem[1] if problem else "",
    }


class RegistrationForm(BaseModel):
    """企业报名 A company, park or investor registers for a roadshow."""

    model_config = ConfigDict(extra="forbid")

    company_id: CreditCode
    name: str = Field(min_length=2, max_length=200, description="单位名称 Name")
    kind: ParticipantKind = Field(description="类型 Kind")
    contact_name: str = Field(min_length=1, max_length=50, description="联系人 Contact")
    contact_phone: str = Field(default="", max_length=30, description="电话 Phone")
    interests: str = Field(default="", max_length=2000, description="关注方向 Interests")


REGISTRATION_EXAMPLE = {
    "company_id": "91350100M000100Y43",
    "name": "某新能源科技有限公司",
    "kind": "tech_company",
    "contact_name": "王五",
    "contact_phone": "0755-12345678",
    "interests": "储能、光伏运维",
}


@router.post(
    "/roadshows/{roadshow_id}/registrations",
    summary="企业报名（转交路演服务） Register for a roadshow (sent on to roadshow)",
    status_code=201,
)
async def register(
    roadshow_id: Annotated[
        str, Path(pattern=RECORD_ID_PATTERN, description="路演编号 Roadshow id")
    ],
    request: Request,
    form: Annotated[
        RegistrationForm, Body(openapi_examples={"企业": {"value": REGISTRATION_EXAMPLE}})
    ],
    authorization: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> JSONResponse:
    """Checked here first (the credit code's check character included), then sent to roadshow's
    ``POST /roadshows/{id}/registrations`` with the company's token. A retry carries the same
    idempotency key (one per company and roadshow unless the client gives one), so it registers
    once."""
    token = token_of(request, authorization)
    if token is None:
        raise AuthError(
            401, "请先登录企业账号后再报名", "Sign in with a company account to register"
        )
    settings: DashboardSettings = request.app.state.settings
    key = (
        idempotency_key
        or "portal-" + hashlib.sha256(f"{roadshow_id}|{form.company_id}".encode()).hexdigest()[:32]
    )
    client: httpx.AsyncClient = request.app.state.http
    try:
        reply = await client.post(
            # validated and escaped: the company's token goes to this one path of roadshow's API
            f"{settings.roadshow_url.rstrip('/')}/roadshows/{quote(roadshow_id, safe='')}"
            "/registrations",
            json=form.model_dump(mode="json"),
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": key,
                "Accept-Language": request.headers.get("accept-language", "zh-CN"),
            },
            timeout=10.0,
        )
    except httpx.HTTPError:
        return JSONResponse(
            error_body(
                request,
                "roadshow_unavailable",
                "报名服务暂时不可用，请稍后重试",
                "Registration is unavailable just now; please try again",
            ),
            status_code=503,
            headers={"Retry-After": "5"},
        )
    try:
        body = reply.json()
    except ValueError:
        body = error_body(request, "bad_reply", reply.text[:500], reply.text[:500])
    return JSONResponse(body, status_code=201 if reply.status_code == 200 else reply.status_code)
