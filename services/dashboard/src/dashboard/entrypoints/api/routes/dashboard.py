"""The operations dashboard's API (运营看板): figures for the viewer's scope, and their exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from dashboard.adapters.excel import workbook
from dashboard.adapters.queries import DashboardQueries
from dashboard.adapters.streams import stream_health
from dashboard.application.tables import (
    as_of_caption,
    as_of_sheet_title,
    breakdown_table,
    cases_table,
    funnel_table,
    hosts_table,
)
from dashboard.config import DashboardSettings
from dashboard.entrypoints.api.deps import FiguresDep, Language, ViewerScope
from ztc_shared.history import AsOf

router = APIRouter(prefix="/api", tags=["dashboard 运营看板"])

OVERVIEW_EXAMPLE = {
    "scope": "province:440000",
    "region": "440000",
    "region_name_zh": "广东省",
    "region_name_en": "Guangdong",
    "funnel": [
        {
            "stage": "collected",
            "name_zh": "征集",
            "name_en": "Collected",
            "count": 1200,
            "amount_wan": "0",
        },
        {
            "stage": "signed",
            "name_zh": "签约",
            "name_en": "Signed",
            "count": 12,
            "amount_wan": "3650.5",
        },
    ],
    "by_province": [],
    "by_field": [],
    "by_year": [],
    "by_host": [],
}


@router.get(
    "/overview",
    summary="全国/本省概览：漏斗、分省、分领域、分年度 Overview: funnel and breakdowns",
    responses={200: {"content": {"application/json": {"example": OVERVIEW_EXAMPLE}}}},
)
async def overview(scope: ViewerScope, queries: FiguresDep) -> dict[str, Any]:
    """The funnel (collected → … → industrialised, amounts in 万元) and its breakdowns by province,
    field, year and host. Torch Center sees the nation (or one province with ``region``); a
    provincial user sees only their own province.

    ``as_of`` (时间回溯): the figures from the events that occurred up to then — the funnel at the
    end of last quarter — rebuilt from the topics and shaped as the live answer is."""
    return await queries.overview(scope.region)


@router.get("/roadshows/upcoming", summary="路演日程 Upcoming roadshows")
async def upcoming(
    scope: ViewerScope,
    queries: FiguresDep,
    after: Annotated[
        date | None,
        Query(description="起始日期 From (default today; with as_of, the day of as_of)"),
    ] = None,
) -> list[dict[str, Any]]:
    """The roadshows planned from ``after`` on. ``as_of``: those known then."""
    return await queries.upcoming_roadshows(scope.region, after or queries.today())


@router.get("/hosts", summary="承办单位及年度工作总结 Hosts and their year-end summaries")
async def hosts(
    scope: ViewerScope,
    queries: FiguresDep,
    year: Annotated[
        int | None,
        Query(ge=2018, le=2100, description="年度 Year (default this year; with as_of, its year)"),
    ] = None,
) -> list[dict[str, Any]]:
    """The year's hosts and where their summaries stand. ``as_of``: as they stood then."""
    return await queries.hosts(scope.region, year)


@router.get("/cases/attention", summary="停滞与逾期跟踪 Stalled and overdue tracking cases")
async def attention(scope: ViewerScope, queries: FiguresDep) -> list[dict[str, Any]]:
    """Cases overdue or stalled, the longest overdue first. ``as_of``: those flagged then."""
    return await queries.attention_cases(scope.region)


@router.get(
    "/streams",
    summary="事件流健康：积压、消费延迟、死信 Streams: relay backlog, consumer lag, DLQ counts",
)
async def streams(scope: ViewerScope, request: Request) -> dict[str, Any]:
    """Live operational health, now only (no ``as_of``): each topic's size and dead letters,
    consumer groups' lag and each relay's backlog."""
    settings: DashboardSettings = request.app.state.settings
    return await stream_health(
        settings.kafka_bootstrap_servers, settings.topic_prefix, settings.service_urls
    )


Table = Literal["funnel", "provinces", "fields", "years", "hosts", "cases"]
TABLE_TITLES = {
    "funnel": ("漏斗", "Funnel"),
    "provinces": ("分省", "By province"),
    "fields": ("分领域", "By field"),
    "years": ("分年度", "By year"),
    "hosts": ("承办单位", "Hosts"),
    "cases": ("重点跟踪", "Cases"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def table_rows(
    table: str, scope_region: str | None, queries: DashboardQueries, lang: str
) -> tuple[list[str], list[list[Any]]]:
    if table == "hosts":
        return hosts_table(await queries.hosts(scope_region), lang)
    if table == "cases":
        return cases_table(await queries.attention_cases(scope_region), lang)
    data = await queries.overview(scope_region)
    if table == "funnel":
        return funnel_table(data["funnel"], lang)
    key, first = {
        "provinces": ("by_province", ("省份", "Province")),
        "fields": ("by_field", ("领域", "Field")),
        "years": ("by_year", ("年度", "Year")),
    }[table]
    return breakdown_table(data[key], first, lang)


@router.get(
    "/export/{table}.xlsx",
    summary="导出 Excel Export a table to Excel",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
async def export(
    table: Annotated[
        Table, Path(description="funnel | provinces | fields | years | hosts | cases")
    ],
    scope: ViewerScope,
    queries: FiguresDep,
    lang: Language,
    as_of: AsOf,
) -> Response:
    """The table as the viewer sees it on the page: a provincial user's export holds only their
    province. ``as_of``: the same figures as of then; the sheet's title names the day, and its
    first row says "以下为 … 时的数据" (Figures as of …), the headers following."""
    headers, rows = await table_rows(table, scope.region, queries, lang)
    title = TABLE_TITLES[table][0 if lang == "zh" else 1]
    name = f"{table}-{scope.region or 'national'}"
    caption = None
    if as_of is not None:
        title = as_of_sheet_title(title, as_of, lang)
        caption = as_of_caption(as_of, lang)
        name += f"-as-of-{as_of:%Y%m%dT%H%M%S}"
    return Response(
        workbook(title, headers, rows, caption),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
