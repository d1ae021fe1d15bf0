"""成果库 The catalogue: lists of the achievements each reader may see, and the Excel export.

Holders see their own, an institution (support_org) its own, evaluators what they are assigned,
the provincial department its region (the deployment's, checked by the role dependency) and the
Torch Center everything; other roles get 403.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from intake.adapters.queries import reader_scope
from intake.domain.achievement import STATUS_NAMES, AchievementStatus
from intake.entrypoints.api.deps import OperatorReader, QueriesDep, Reader, read_side
from ztc_shared.contracts.intake import AchievementType, Channel, IpStatus, TransferMode
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.web.errors import prefers_english
from ztc_shared.web.paging import Page

router = APIRouter(prefix="/achievements", tags=["catalogue 成果库"], lifespan=read_side)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BEIJING = timezone(timedelta(hours=8), "CST")


class CatalogueEntry(BaseModel):
    """成果库中的一项 One achievement in the catalogue."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(validation_alias="_id", description="成果编号 Achievement id")
    title: str = Field(description="成果名称 Title")
    status: AchievementStatus = Field(description="状态 Status")
    status_name: str = Field(description="状态名称 Status (Chinese)")
    field: IndustryField = Field(description="所属领域 Field")
    field_name: str | None = Field(default=None, description="所属领域名称 Field name")
    sub_field: str | None = Field(default=None, description="细分领域 Sub-field")
    sub_field_name: str | None = Field(default=None, description="细分领域名称 Sub-field name")
    trl: int = Field(description="技术就绪度 TRL")
    holder_id: str | None = Field(default=None, description="持有人账号 Holder account")
    holder_name: str = Field(description="成果持有人 Holder")
    institution: str = Field(description="所属单位 Institution")
    region: str = Field(description="地区 Region code")
    call_id: str | None = Field(default=None, description="所响应的征集 Call answered")
    evaluator_ids: list[str] = Field(default_factory=list, description="评估人 Evaluators")
    combined_score: str | None = Field(default=None, description="综合评分 Combined score")
    drafted_at: datetime | None = Field(default=None, description="创建时间 Drafted at")
    submitted_at: datetime | None = Field(default=None, description="提交时间 Submitted at")
    published_at: datetime | None = Field(default=None, description="公开时间 Published at")
    updated_at: datetime | None = Field(default=None, description="更新时间 Updated at")
    stream_version: int = Field(description="版本号 Version")


class CataloguePage(BaseModel):
    items: list[CatalogueEntry]
    total: int
    page: int
    page_size: int


@router.get(
    "",
    response_model=CataloguePage,
    summary="成果库列表 The achievements you may see",
    description="持有人看到自己的，高校院所（support_org）看到本单位的，评估人看到分配给自己的，"
    "省级科技管理部门看到本地区的，火炬中心看到全部；其他角色 403。Holders see their own, an "
    "institution its own, evaluators their assignments, the province its region, the Torch "
    "Center everything; other roles get 403.",
)
async def list_catalogue(
    principal: Reader,
    queries: QueriesDep,
    status: Annotated[AchievementStatus | None, Query(description="状态 Status")] = None,
    field: Annotated[IndustryField | None, Query(description="所属领域 Field")] = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=100, description="每页条数 Page size")] = 20,
) -> CataloguePage:
    items, total = await queries.catalogue_list(
        reader_scope(principal),
        status=status.value if status else None,
        field=field.value if field else None,
        page=page,
        page_size=page_size,
    )
    return CataloguePage(
        items=[CatalogueEntry.model_validate(item) for item in items],
        total=total,
        page=page,
        page_size=page_size,
    )


# ---------------------------------------------------------------------------------------------
# Excel

ACHIEVEMENT_TYPE_NAMES = {
    AchievementType.PATENT: "专利",
    AchievementType.SOFTWARE_COPYRIGHT: "软件著作权",
    AchievementType.PLANT_VARIETY: "植物新品种",
    AchievementType.IC_LAYOUT: "集成电路布图设计",
    AchievementType.KNOW_HOW: "技术秘密",
    AchievementType.OTHER: "其他",
}
TRANSFER_MODE_NAMES = {
    TransferMode.TRANSFER: "技术转让",
    TransferMode.LICENSE: "技术许可",
    TransferMode.EQUITY: "作价入股",
    TransferMode.JOINT_DEVELOPMENT: "合作开发",
    TransferMode.TECHNICAL_SERVICE: "技术服务",
}
CHANNEL_NAMES = {
    Channel.NATIONAL_PROGRAMME: "国家科技计划",
    Channel.OPEN_CALL: "面向高校、院所公开征集",
    Channel.SELF_NOMINATION: "科研人员自主推荐",
    Channel.AGENCY_SCOUTING: "技术转移机构挖掘",
}
IP_STATUS_NAMES = {
    IpStatus.APPLIED: "申请中",
    IpStatus.GRANTED: "已授权",
    IpStatus.LAPSED: "已失效",
}
FIELD_LABELS = {
    "title": ("成果名称", "Title"),
    "abstract": ("成果简介", "Abstract"),
    "field": ("所属领域", "Field"),
    "sub_field": ("细分领域", "Sub-field"),
    "keywords": ("关键词", "Keywords"),
    "trl": ("技术就绪度", "TRL"),
    "achievement_type": ("成果类型", "Type"),
    "ip_items": ("知识产权", "IP rights"),
    "transfer_modes": ("转化方式", "Transfer modes"),
    "asking_price_wan": ("意向价格（万元）", "Asking price (10,000 CNY)"),
    "holder_name": ("成果持有人", "Holder"),
    "institution": ("所属单位", "Institution"),
    "contact": ("联系人", "Contact"),
    "channel": ("征集渠道", "Channel"),
    "national_programme": ("国家科技计划项目", "National programme project"),
    "application_scenarios": ("应用场景", "Applications"),
    "market_prospects": ("市场前景", "Market prospects"),
    "competitor_comparison": ("与国内外同类技术比较", "Comparison"),
    "attachments": ("附件", "Attachments"),
    "confidential": ("保密字段", "Confidential fields"),
}
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "成果编号", "Id"),
    *((name, zh, en) for name, (zh, en) in FIELD_LABELS.items()),
    ("status", "状态", "Status"),
    ("combined_score", "综合评分", "Combined score"),
    ("evaluators", "评估人", "Evaluators"),
    ("holder_id", "持有人账号", "Holder account"),
    ("region", "地区代码", "Region"),
    ("call_id", "所响应的征集", "Call"),
    ("drafted_at", "创建时间（北京时间）", "Drafted (UTC+8)"),
    ("submitted_at", "提交时间（北京时间）", "Submitted (UTC+8)"),
    ("published_at", "公开时间（北京时间）", "Published (UTC+8)"),
    ("updated_at", "更新时间（北京时间）", "Updated (UTC+8)"),
)


def _named(names: dict[Any, str], value: Any, zh: bool) -> str:
    # The keys are StrEnums, which hash and compare as their string values.
    return names.get(value, str(value)) if zh else str(value)


def _cell(name: str, document: dict[str, Any], zh: bool) -> Any:
    """One cell of the export, as people read it."""
    value = document.get("_id") if name == "id" else document.get(name)
    if name == "status":
        return STATUS_NAMES[AchievementStatus(str(value))] if zh else value
    if name == "field":
        return document.get("field_name") if zh else value
    if name == "sub_field":
        return document.get("sub_field_name") or value if zh else value
    if name == "evaluators":
        return "、".join(
            f"{e.get('name', '')}（{e.get('institution', '')}）"
            for e in document.get("evaluators", [])
        )
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(BEIJING).replace(tzinfo=None)
    if name == "achievement_type":
        return _named(ACHIEVEMENT_TYPE_NAMES, value, zh)
    if name == "channel":
        return _named(CHANNEL_NAMES, value, zh)
    if name == "transfer_modes":
        return "、".join(_named(TRANSFER_MODE_NAMES, m, zh) for m in value)
    if name == "ip_items":
        return "；".join(
            f"{i.get('number', '')}（{_named(IP_STATUS_NAMES, i.get('status'), zh)}）"
            for i in value
        )
    if name == "contact":
        return " ".join(str(value[k]) for k in ("name", "phone", "email") if value.get(k))
    if name == "national_programme":
        return f"{value.get('programme', '')} {value.get('project_number', '')}".strip()
    if name == "attachments":
        return "；".join(str(a.get("name", "")) for a in value)
    if name == "confidential":
        return "、".join(FIELD_LABELS.get(n, (n, n))[0 if zh else 1] for n in value)
    if name == "keywords":
        return "、".join(str(k) for k in value)
    if name == "combined_score":
        return float(value)
    return value


def _text(value: Any) -> Any:
    """Text that Excel shows as text: never a formula, no characters a workbook cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def build_workbook(documents: list[dict[str, Any]], zh: bool = True) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("科技成果库" if zh else "Achievements")
    bold = Font(bold=True)
    header = []
    for _, label_zh, label_en in COLUMNS:
        cell = WriteOnlyCell(sheet, value=label_zh if zh else label_en)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for document in documents:
        row = []
        for name, _, _ in COLUMNS:
            value = _text(_cell(name, document, zh))
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." stays text, never a formula
            row.append(cell)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment with an ASCII fallback name and the real one in RFC 5987 form."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@router.get(
    "/export.xlsx",
    summary="导出成果库（Excel） Export the catalogue as an Excel workbook",
    description="省级科技管理部门与火炬中心可导出；含全部字段（含保密字段）、中文状态与综合评分。"
    "`lang=en` 导出英文表头。Province and Torch Center only: every field, confidential ones "
    "too, the status and the combined score.",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {}}, "description": "科技成果库-YYYYMMDD.xlsx"}},
)
async def export_catalogue(
    principal: OperatorReader,
    queries: QueriesDep,
    request: Request,
    status: Annotated[AchievementStatus | None, Query(description="状态 Status")] = None,
    field: Annotated[IndustryField | None, Query(description="所属领域 Field")] = None,
    lang: Annotated[
        Literal["zh", "en"] | None, Query(description="表头语言 Header language")
    ] = None,
) -> StreamingResponse:
    zh = lang == "zh" or (lang is None and not prefers_english(request))
    documents = [
        document
        async for document in queries.catalogue_export(
            reader_scope(principal),
            status=status.value if status else None,
            field=field.value if field else None,
        )
    ]
    # Writing thousands of rows takes a while: off the event loop, like the import's reading.
    data = await asyncio.to_thread(build_workbook, documents, zh)
    today = datetime.now(BEIJING).strftime("%Y%m%d")
    name = f"科技成果库-{today}.xlsx" if zh else f"achievements-{today}.xlsx"
    return StreamingResponse(
        _chunks(data),
        media_type=XLSX,
        headers={
            "Content-Disposition": content_disposition(name, f"achievements-{today}.xlsx"),
            "Content-Length": str(len(data)),
        },
    )
