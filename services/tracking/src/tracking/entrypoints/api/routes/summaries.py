"""Year-end summaries (工作总结): the host drafts and submits, Torch Center accepts or returns;
Word and Excel exports."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Path, Response

from tracking.adapters.exports import summary_docx, summary_xlsx
from tracking.application.handlers import load
from tracking.bootstrap import Tracking
from tracking.domain.commands import AcceptSummary, DraftSummary, ReturnSummary, SubmitSummary
from tracking.domain.summary import SUMMARY_STATUS_NAMES, YearSummary, deadline_of
from tracking.entrypoints.api.deps import (
    HostContext,
    ReadsDep,
    SummaryReader,
    TorchContext,
    TrackingDep,
)
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.contracts.tracking import summary_id
from ztc_shared.domain import Forbidden, NotFound
from ztc_shared.eventstore import StreamReader
from ztc_shared.web import reply_to

router = APIRouter(prefix="/summaries", tags=["summaries 工作总结"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Year = Annotated[int, Path(ge=2018, le=2100, description="年度 Year")]
HostId = Annotated[str, Path(min_length=1, max_length=64, description="承办单位 Host account")]

DRAFT_EXAMPLE = {
    "host_name": "深圳市科技创新局",
    "narrative": {
        "experience": "围绕新能源产业链举办专场路演，路演前组织深交所辅导。",
        "results": "全年举办路演2场，签约项目5个，签约金额2300万元。",
        "shortfalls": "上市企业参与面仍不够广，部分项目落地周期较长。",
        "suggestions": "建议建立跨区域项目库共享和落地政策协同机制。",
    },
}


async def _summary(
    reads: StreamReader, year: int, host_id: str, principal: Principal
) -> YearSummary:
    # A host reads its own summary only (as it drafts only its own); asked before anything is
    # loaded, so another host learns nothing of it, not even whether there is one.
    if principal.role is Role.HOST and host_id not in (principal.subject, principal.organisation):
        raise Forbidden(
            "summary.other_host",
            "只能查看本单位的工作总结",
            "A host reads only its own summary",
        )
    summary = await load(reads, YearSummary, summary_id(year, host_id))
    if summary.draft is None:
        raise NotFound("year_summary", summary_id(year, host_id))
    return summary


@router.get("/{year}/{host_id}", summary="工作总结 A host's summary (figures, narrative, status)")
async def get_summary(
    year: Year, host_id: HostId, principal: SummaryReader, reads: ReadsDep
) -> dict[str, Any]:
    summary = await _summary(reads, year, host_id, principal)
    draft = summary.draft
    assert draft is not None
    return {
        "id": summary.id,
        "stream_version": summary.version,
        "year": year,
        "host_id": host_id,
        "host_name": draft.host_name,
        "status": summary.status.value,
        "status_name": SUMMARY_STATUS_NAMES[summary.status],
        "deadline": deadline_of(year).isoformat(),
        "figures": draft.figures.model_dump(mode="json"),
        "narrative": draft.narrative.model_dump(),
        "submitted_on": summary.submitted.submitted_on.isoformat() if summary.submitted else None,
        "late": summary.submitted.late if summary.submitted else None,
        "returned_comments": [r.comments for r in summary.returned],
        "accepted_comment": summary.accepted.comment if summary.accepted else None,
    }


@router.post(
    "/{year}/{host_id}/draft",
    summary="起草/修改工作总结 Draft (or redraft) the summary; figures come from the year's events",
)
async def draft_summary(
    year: Year,
    host_id: HostId,
    command: Annotated[DraftSummary, Body(openapi_examples={"深圳": {"value": DRAFT_EXAMPLE}})],
    context: HostContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await _reply(tracking, command, context, response, summary_id(year, host_id))


@router.post("/{year}/{host_id}/submit", summary="提交 Submit the summary to Torch Center")
async def submit_summary(
    year: Year, host_id: HostId, context: HostContext, tracking: TrackingDep, response: Response
) -> dict[str, Any]:
    return await _reply(tracking, SubmitSummary(), context, response, summary_id(year, host_id))


@router.post("/{year}/{host_id}/accept", summary="审核通过 Torch Center accepts the summary")
async def accept_summary(
    year: Year,
    host_id: HostId,
    command: Annotated[
        AcceptSummary, Body(openapi_examples={"通过": {"value": {"comment": "总结全面，同意"}}})
    ],
    context: TorchContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await _reply(tracking, command, context, response, summary_id(year, host_id))


@router.post("/{year}/{host_id}/return", summary="退回修改 Torch Center returns it with comments")
async def return_summary(
    year: Year,
    host_id: HostId,
    command: Annotated[
        ReturnSummary,
        Body(openapi_examples={"补充": {"value": {"comments": "请补充落地项目的投资和就业情况"}}}),
    ],
    context: TorchContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await _reply(tracking, command, context, response, summary_id(year, host_id))


def _download(content: bytes, media_type: str, name: str, ascii_name: str) -> Response:
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(
        content=content, media_type=media_type, headers={"Content-Disposition": disposition}
    )


@router.get(
    "/{year}/{host_id}/export.docx",
    summary="导出 Word The summary as a Word document",
    responses={200: {"content": {DOCX: {}}, "description": "工作总结.docx"}},
    response_class=Response,
)
async def export_docx(
    year: Year, host_id: HostId, principal: SummaryReader, reads: ReadsDep
) -> Response:
    summary = await _summary(reads, year, host_id, principal)
    assert summary.draft is not None
    data = await asyncio.to_thread(
        summary_docx, summary.draft, SUMMARY_STATUS_NAMES[summary.status]
    )
    return _download(data, DOCX, f"{year}年度工作总结.docx", f"summary-{year}.docx")


@router.get(
    "/{year}/{host_id}/export.xlsx",
    summary="导出 Excel The summary's figures and text as a workbook",
    responses={200: {"content": {XLSX: {}}, "description": "工作总结.xlsx"}},
    response_class=Response,
)
async def export_xlsx(
    year: Year, host_id: HostId, principal: SummaryReader, reads: ReadsDep
) -> Response:
    summary = await _summary(reads, year, host_id, principal)
    assert summary.draft is not None
    data = await asyncio.to_thread(
        summary_xlsx, summary.draft, SUMMARY_STATUS_NAMES[summary.status]
    )
    return _download(data, XLSX, f"{year}年度工作总结.xlsx", f"summary-{year}.xlsx")


async def _reply(
    tracking: Tracking,
    command: Any,
    context: CommandContext,
    response: Response,
    stream_id: str,
) -> dict[str, Any]:
    return await reply_to(tracking, command, context, response, stream_id)
