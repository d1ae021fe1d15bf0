"""Figures for the dashboard (数据看板): the funnel and amounts by province, year, field and host,
and the timelines of an achievement and of a company — all derived from events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from tracking.application.figures import Scope, dimension_values, funnel, timeline
from tracking.entrypoints.api.deps import FactsDep, Reader
from ztc_shared.contracts.identifiers import CreditCode
from ztc_shared.contracts.taxonomy import IndustryField

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
    _: Reader,
    facts: FactsDep,
    province: Province = None,
    year: YearQuery = None,
    field: FieldQuery = None,
    host_id: HostQuery = None,
) -> dict[str, Any]:
    scope = Scope(province=province, year=year, field=field.value if field else None, host=host_id)
    return funnel(await facts.all(), scope)


@router.get(
    "/figures/funnel/by/{dimension}",
    summary="分组漏斗 The funnel for each province, year, field or host",
)
async def get_funnel_by(
    dimension: Literal["province", "year", "field", "host"],
    _: Reader,
    facts: FactsDep,
    province: Province = None,
    year: YearQuery = None,
    field: FieldQuery = None,
    host_id: HostQuery = None,
) -> dict[str, Any]:
    everything = await facts.all()
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
    _: Reader,
    facts: FactsDep,
) -> dict[str, Any]:
    documents = await facts.about(achievement_id=achievement_id)
    return {
        "achievement_id": achievement_id,
        "entries": timeline(documents, achievement_id=achievement_id),
    }


@router.get(
    "/timelines/companies/{company_id}",
    summary="企业时间线 Every registration, meeting, intent and deal of one company",
)
async def company_timeline(company_id: CreditCode, _: Reader, facts: FactsDep) -> dict[str, Any]:
    documents = await facts.about(company_id=company_id)
    return {"company_id": company_id, "entries": timeline(documents, company_id=company_id)}
