"""Who is looking, and at which scope: the nation (national roles) or one province.

The pages send the bearer token in a cookie (the browser navigates; it cannot add headers), the API
takes it in ``Authorization`` as every service does. A provincial user is held to their own
province here, on the server, whatever a URL asks for — exports included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from dashboard.adapters.as_of import CountersAsOf
from dashboard.adapters.queries import DashboardQueries, DashboardQueriesAsOf
from dashboard.config import DashboardSettings
from dashboard.domain.regions import PROVINCES, province_name, province_of
from ztc_shared.auth import Principal, Role
from ztc_shared.auth.tokens import AuthError, TokenVerifier
from ztc_shared.history import AsOf

VIEWERS = frozenset({Role.TORCH_CENTER, Role.SZSE, Role.PROVINCE})


def token_of(request: Request, authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization.split(" ", 1)[1].strip()
    settings: DashboardSettings = request.app.state.settings
    return request.cookies.get(settings.token_cookie) or None


def principal_of(request: Request, authorization: str | None) -> Principal:
    token = token_of(request, authorization)
    if token is None:
        raise AuthError(401, "请先登录（缺少身份令牌）", "Authentication required: no bearer token")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(token)


@dataclass(frozen=True)
class Scope:
    """What a viewer sees: ``region`` None is the nation."""

    principal: Principal
    region: str | None

    @property
    def national(self) -> bool:
        return self.region is None

    def name(self, lang: str) -> str:
        if self.region is None:
            return "全国" if lang == "zh" else "National"
        return province_name(self.region, lang)


def scope_for(principal: Principal, requested: str | None) -> Scope:
    if principal.role not in VIEWERS:
        raise AuthError(
            403,
            f"当前角色（{principal.role.value}）无权查看运营看板",
            f"Role {principal.role.value} may not see the operations dashboard",
        )
    if requested is not None and requested not in PROVINCES:
        requested = province_of(requested)
    if principal.national:
        return Scope(principal, requested)
    own = province_of(principal.region)
    if requested is not None and requested != own:
        raise AuthError(
            403,
            f"您只能查看本省（{province_name(own)}）的数据",
            f"You may only see your own province ({province_name(own, 'en')})",
        )
    return Scope(principal, own)


async def viewer_scope(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    region: Annotated[
        str | None,
        Query(
            pattern=r"^\d{6}$",
            description="省份（行政区划代码），全国角色可选；省级用户只能是本省 Province",
            examples=["440000"],
        ),
    ] = None,
) -> Scope:
    return scope_for(principal_of(request, authorization), region)


ViewerScope = Annotated[Scope, Depends(viewer_scope)]


async def get_queries(request: Request) -> DashboardQueries:
    queries: DashboardQueries = request.app.state.queries
    return queries


QueriesDep = Annotated[DashboardQueries, Depends(get_queries)]


async def figures_at(request: Request, as_of: datetime | None) -> DashboardQueries:
    """The figures' queries now, or as of ``as_of`` over the counters rebuilt from the events up
    to then (the scope is still the viewer's: the same dependency holds them to it)."""
    if as_of is None:
        return await get_queries(request)
    history: CountersAsOf = request.app.state.counters_as_of
    return DashboardQueriesAsOf(await history.at(as_of), as_of)


async def get_figures(request: Request, as_of: AsOf) -> DashboardQueries:
    return await figures_at(request, as_of)


FiguresDep = Annotated[DashboardQueries, Depends(get_figures)]


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return "en" if chosen.startswith("en") else "zh"


Language = Annotated[str, Depends(language)]
