"""信息公开 Public disclosure: published achievements' public fields, for anyone, without a token.

Only what the ``public`` projection holds is ever read (it never holds a confidential value), and
only through :class:`PublicAchievement`, whose fields are named one by one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.openapi.models import Example
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from intake.adapters.queries import PublicSearch, Sort, relevance
from intake.entrypoints.api.deps import LiveQueriesDep, read_side
from ztc_shared.contracts.intake import (
    AchievementType,
    Attachment,
    Channel,
    Contact,
    IpItem,
    ProgrammeRef,
    TransferMode,
)
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.domain import NotFound
from ztc_shared.web.errors import error_body
from ztc_shared.web.paging import Page

router = APIRouter(prefix="/public", tags=["public 信息公开"], lifespan=read_side)

EXAMPLE_ID = "0190f1f4-6d4e-7c3a-9a52-3f1d2c4b5a69"
EXAMPLE: dict[str, Any] = {
    "id": EXAMPLE_ID,
    "title": "高导热石墨烯复合散热膜规模化制备技术",
    "abstract": "以氧化石墨烯浆料连续涂布、梯度热还原和压延为核心工艺，制得面内导热系数超过 "
    "1500 W/(m·K) 的柔性散热膜，已建成年产 5 万平方米中试线。",
    "field": "new_materials",
    "field_name": "新材料",
    "sub_field": "frontier_materials",
    "sub_field_name": "前沿新材料",
    "keywords": ["石墨烯", "导热膜", "热管理"],
    "trl": 6,
    "achievement_type": "patent",
    "ip_items": [{"kind": "patent", "number": "ZL202110000001.X", "status": "granted"}],
    "transfer_modes": ["license", "joint_development"],
    "asking_price_wan": None,
    "holder_name": "王静怡",
    "institution": "中国科学院深圳先进技术研究院",
    "contact": None,
    "channel": "self_nomination",
    "national_programme": None,
    "application_scenarios": "手机、平板和基站散热",
    "market_prospects": "",
    "competitor_comparison": "",
    "attachments": None,
    "region": "440000",
    "published_at": "2026-06-01T08:00:00Z",
    "stream_version": 9,
    "score": None,
}


class PublicAchievement(BaseModel):
    """一项已公开的科技成果：只含公开字段。A published achievement: its public fields only;
    a field its holder keeps confidential is ``null``."""

    model_config = ConfigDict(
        populate_by_name=True, json_schema_extra={"examples": [{**EXAMPLE, "score": 12}]}
    )

    id: str = Field(validation_alias="_id", description="成果编号 Achievement id")
    title: str = Field(description="成果名称 Title")
    field: IndustryField = Field(description="所属领域（战略性新兴产业） Field")
    field_name: str | None = Field(default=None, description="所属领域名称 Field name")
    sub_field: str | None = Field(default=None, description="细分领域 Sub-field code")
    sub_field_name: str | None = Field(default=None, description="细分领域名称 Sub-field name")
    trl: int = Field(description="技术就绪度 1–9 (GB/T 22900) Technology readiness level")
    achievement_type: AchievementType = Field(description="成果类型 Type")
    abstract: str | None = Field(default=None, description="成果简介 Abstract")
    keywords: list[str] | None = Field(default=None, description="关键词 Keywords")
    ip_items: list[IpItem] | None = Field(default=None, description="知识产权 IP rights")
    transfer_modes: list[TransferMode] | None = Field(
        default=None, description="转化方式 Transfer modes"
    )
    asking_price_wan: Decimal | None = Field(
        default=None, description="意向价格（万元） Asking price (10,000 CNY)"
    )
    holder_name: str | None = Field(default=None, description="成果持有人 Holder")
    institution: str | None = Field(default=None, description="所属单位 Institution")
    contact: Contact | None = Field(default=None, description="联系人 Contact")
    channel: Channel | None = Field(default=None, description="征集渠道 Channel")
    national_programme: ProgrammeRef | None = Field(
        default=None, description="国家科技计划项目 National programme project"
    )
    application_scenarios: str | None = Field(default=None, description="应用场景 Applications")
    market_prospects: str | None = Field(default=None, description="市场前景 Market prospects")
    competitor_comparison: str | None = Field(
        default=None, description="与国内外同类技术比较 Comparison with similar technology"
    )
    attachments: list[Attachment] | None = Field(default=None, description="附件 Attachments")
    region: str = Field(description="所在地区（行政区划代码） Region code (GB/T 2260)")
    published_at: datetime | None = Field(default=None, description="公开时间 Published at")
    stream_version: int = Field(description="版本号 Version (for min_version)")
    score: int | None = Field(
        default=None, description="相关度得分（按相关度排序时） Relevance score, when sorted by it"
    )


class PublicPage(BaseModel):
    """一页检索结果 One page of search results."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [{**EXAMPLE, "score": 12}],
                    "total": 1,
                    "page": 1,
                    "page_size": 20,
                    "terms": ["石墨", "烯", "散热"],
                }
            ]
        }
    )

    items: list[PublicAchievement] = Field(description="本页成果 Achievements on this page")
    total: int = Field(description="符合条件的总数 Total matches")
    page: int = Field(description="页码（从 1 开始） Page number")
    page_size: int = Field(description="每页条数 Page size")
    terms: list[str] = Field(description="检索词（分词结果） The query's search terms")


NOT_FOUND_EXAMPLE = {
    "error": "not_found",
    "message": f"未找到：achievement {EXAMPLE_ID}",
    "message_zh": f"未找到：achievement {EXAMPLE_ID}",
    "message_en": f"Not found: achievement {EXAMPLE_ID}",
}

Q_EXAMPLES = {
    "chinese": Example(summary="中文检索", value="石墨烯散热"),
    "mixed": Example(summary="中英文混合", value="PEM电解 催化剂"),
    "none": Example(summary="不检索（全部）", value=""),
}


@router.get(
    "/achievements",
    response_model=PublicPage,
    summary="检索已公开成果 Search published achievements",
    description="关键词检索（中文分词），可按领域、技术就绪度、地区、转化方式筛选，按相关度或公开"
    "时间排序。无需登录。Keyword search with Chinese word segmentation; filters; sorted by "
    "relevance (title > keywords > abstract > application scenarios) or by publication date. "
    "No token needed.",
)
async def search_public(
    queries: LiveQueriesDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="关键词 Keywords (Chinese is segmented)",
            openapi_examples=Q_EXAMPLES,
        ),
    ] = None,
    field: Annotated[
        IndustryField | None,
        Query(
            description="所属领域 Field",
            openapi_examples={"new_materials": Example(summary="新材料", value="new_materials")},
        ),
    ] = None,
    sub_field: Annotated[
        str | None,
        Query(
            max_length=64,
            description="细分领域 Sub-field code",
            openapi_examples={"hydrogen": Example(summary="氢能", value="hydrogen")},
        ),
    ] = None,
    trl_min: Annotated[
        int | None,
        Query(
            ge=1,
            le=9,
            description="技术就绪度下限 Lowest TRL",
            openapi_examples={"pilot": Example(summary="中试及以上", value=6)},
        ),
    ] = None,
    trl_max: Annotated[
        int | None,
        Query(
            ge=1,
            le=9,
            description="技术就绪度上限 Highest TRL",
            openapi_examples={"all": Example(summary="不限", value=9)},
        ),
    ] = None,
    region: Annotated[
        str | None,
        Query(
            pattern=r"^\d{6}$",
            description="地区（行政区划代码） Region code",
            openapi_examples={"guangdong": Example(summary="广东省", value="440000")},
        ),
    ] = None,
    transfer_mode: Annotated[
        TransferMode | None,
        Query(
            description="转化方式 Transfer mode",
            openapi_examples={"license": Example(summary="技术许可", value="license")},
        ),
    ] = None,
    sort: Annotated[
        Sort,
        Query(
            description="排序：relevance 相关度（无关键词时按时间）, date 公开时间 Sort order",
            openapi_examples={
                "relevance": Example(summary="相关度", value="relevance"),
                "date": Example(summary="最新公开", value="date"),
            },
        ),
    ] = Sort.RELEVANCE,
    page: Page = 1,
    page_size: Annotated[
        int,
        Query(
            ge=1,
            le=100,
            description="每页条数（≤ 100） Page size",
            openapi_examples={"default": {"value": 20}},
        ),
    ] = 20,
) -> PublicPage:
    search = PublicSearch(
        q=q,
        field=field.value if field else None,
        sub_field=sub_field,
        trl_min=trl_min,
        trl_max=trl_max,
        region=region,
        transfer_mode=transfer_mode.value if transfer_mode else None,
        sort=sort,
        page=page,
        page_size=page_size,
    )
    terms = search.terms()
    documents, total = await queries.public_search(search)
    items = []
    for document in documents:
        item = PublicAchievement.model_validate(document)
        if terms and sort is Sort.RELEVANCE:
            item.score = relevance(document, terms)[0]
        items.append(item)
    return PublicPage(items=items, total=total, page=page, page_size=page_size, terms=terms)


@router.get(
    "/achievements/{achievement_id}",
    response_model=PublicAchievement,
    summary="查看已公开成果 One published achievement",
    description="未公开（草稿、评估中、撤回、归档等）的成果一律 404。`min_version` 等待公开信息更新到"
    "该版本（读到自己的写入）。Anything not published is 404. With `min_version`, waits until the "
    "public view has applied that version of the achievement (read your own write).",
    responses={
        404: {
            "description": "不存在或未公开 Absent or not published",
            "content": {"application/json": {"example": NOT_FOUND_EXAMPLE}},
        },
        503: {"description": "公开信息尚未更新到 min_version The public view is behind"},
    },
)
async def read_public(
    achievement_id: Annotated[
        str,
        Path(
            max_length=64,
            description="成果编号 Achievement id",
            openapi_examples={"published": Example(summary="一项已公开成果", value=EXAMPLE_ID)},
        ),
    ],
    queries: LiveQueriesDep,
    request: Request,
    response: Response,
    min_version: Annotated[
        int | None,
        Query(
            ge=1,
            description="等待达到的版本 Wait until this version is applied",
            openapi_examples={"after_publish": Example(summary="公开命令返回的版本", value=9)},
        ),
    ] = None,
    wait_ms: Annotated[
        int,
        Query(
            ge=0,
            le=10_000,
            description="最长等待毫秒数 How long to wait",
            openapi_examples={"default": Example(summary="2 秒", value=2000)},
        ),
    ] = 2_000,
) -> Any:
    if min_version is None:
        document = await queries.public_get(achievement_id)
    else:
        document, reached = await queries.public_wait_for(
            achievement_id, min_version, wait_ms / 1000
        )
        if not reached:
            applied = document.get("stream_version", 0) if document else 0
            return JSONResponse(
                error_body(
                    request,
                    "projection_behind",
                    f"公开信息尚未更新到版本 {min_version}（当前 {applied}），请稍后重试",
                    f"The public view has not applied version {min_version} yet (it is at "
                    f"{applied}); retry shortly",
                    applied_version=applied,
                    wanted_version=min_version,
                ),
                status_code=503,
                headers={"Retry-After": "1"},
            )
    if document is None or document.get("visible") is not True:
        raise NotFound("achievement", achievement_id)
    response.headers["X-Stream-Version"] = str(document["stream_version"])
    return PublicAchievement.model_validate(document)
