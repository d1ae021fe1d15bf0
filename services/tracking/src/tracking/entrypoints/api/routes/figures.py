"""Figures for the dashboard (数据看板): the funnel and amounts by province, year, field and host,
and the timelines of an achievement and of a company — all derived from events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from tracking.adapters.history import FactsAsOf
from tracking.application.figures import Facts, Scope, dimension_values, funnel, timeline
from tracking.entrypoints.api.deps import FactsDep, Reader
from ztc_shared.contracts.identifiers import CreditCode
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.history import AsOf

router = APIRouter(tags=["figures 数据看板"])

Province = Annotated[str | None, Query(pattern=r"^\d{6}$", description="省份 Province code")]
YearQuery = Annotated[int | None, Query(ge=2018, le=2100, description="年度 Year")]
FieldQuery = Annotated[IndustryField | None, Query(description="领域 Field")]
HostQuery = Annotated[str | None, Query(max_length=64, description="承办单位 Host")]


@router.get(
    "/figures/funnel",
    summary="转化漏斗 The funnel (collected → … → industrialised) and amounts in 万元",
)
async def get_funnel(
    request: Request,
    _: Reader,
    facts: FactsDep,
    as_of: AsOf,
    province: Province = None,
    year: YearQuery = None,
    field: FieldQuery = None,
    host_id: HostQuery = None,
) -> dict[str, Any]:
    """``as_of`` answers from the events up to then (时间回溯: the funnel at the end of last
    quarter), replayed from the topics; without it, from the live projection."""
    scope = Scope(province=province, year=year, field=field.value if field else None, host=host_id)
    return funnel(await _facts(request, facts, as_of), scope)


async def _facts(request: Request, facts: FactsDep, as_of: datetime | None) -> Facts:
    if as_of is None:
        return await facts.all()
    history: FactsAsOf = request.app.state.facts_as_of
    return await history.at(as_of)


@router.get(
    "/figures/funnel/by/{dimension}",
    summary="分组漏斗 The funnel for each province, year, field or host",
)
async def get_funnel_by(
    dimension: Literal["province", "year", "field", "host"],
    request: Request,
    _: Reader,
    facts: FactsDep,
    as_of: AsOf,
    province: Province = None,
    year: YearQuery = None,
    field: FieldQuery = None,
    host_id: HostQuery = None,
) -> dict[str, Any]:
    everything = await _facts(request, facts, as_of)
    base = {
        "province": province,
        "year": year,
        "field": field.value if field else None,
        "host": host_id,
    }
    rows = []
    for value in dimension_values(everything, dimension):
        if base[dimension] is not None and base[dimension] != value:
            continue
        scope = Scope(**{**base, dimension: value})
        rows.append({"value": value, **funnel(everything, scope)})
    return {"dimension": dimension, "rows": rows}


@router.get(
    "/timelines/achievements/{achievement_id}",
    summary="成果时间线 Every event, meeting, intent and deal of one achievement",
)
async def achievement_timeline(
    achievement_id: Annotated[str, Path(min_length=1, max_length=64)],
    request: Request,
    _: Reader,
    facts: FactsDep,
    as_of: AsOf,
) -> dict[str, Any]:
    """``as_of``: the timeline as it stood then, from the events up to then."""
    documents = await _about(request, facts, as_of, achievement_id=achievement_id)
    return {
        "achievement_id": achievement_id,
        "entries": timeline(documents, achievement_id=achievement_id),
    }


@router.get(
    "/timelines/companies/{company_id}",
    summary="企业时间线 Every registration, meeting, intent and deal of one company",
)
async def company_timeline(
    company_id: CreditCode, request: Request, _: Reader, facts: FactsDep, as_of: AsOf
) -> dict[str, Any]:
    """``as_of``: the timeline as it stood then, from the events up to then."""
    documents = await _about(request, facts, as_of, company_id=company_id)
    return {"company_id": company_id, "entries": timeline(documents, company_id=company_id)}


async def _about(
    request: Request,
    facts: FactsDep,
    as_of: datetime | None,
    *,
    achievement_id: str | None = None,
    company_id: str | None = None,
) -> list[dict[str, Any]]:
    if as_of is None:
        return await facts.about(achievement_id=achievement_id, company_id=company_id)
    then = await _facts(request, facts, as_of)
    return then.about(achievement_id=achievement_id, company_id=company_id)
