"""The year (年度计划): provinces' applications, Torch Center's decisions, the launch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from roadshow.application.handlers import load
from roadshow.domain.commands import (
    ApproveHostApplication,
    LaunchProgramme,
    RejectHostApplication,
    SubmitHostApplication,
)
from roadshow.domain.programme import APPLICATION_STATUS_NAMES, HostApplication, Programme
from roadshow.domain.provinces import PROVINCES
from roadshow.entrypoints.api.deps import (
    ApplicationReader,
    Everyone,
    ProvinceContext,
    ReadsDep,
    RoadshowDep,
    TorchContext,
)
from ztc_shared.contracts.roadshow import host_application_id, programme_id
from ztc_shared.domain import NotFound
from ztc_shared.web import reply_to

router = APIRouter(tags=["programme 年度计划"])

APPLICATION_EXAMPLE = {
    "year": 2026,
    "fields": ["new_energy", "next_gen_it"],
    "industrial_base": "新能源与电子信息产业集群，规上工业企业六万余家",
    "company_scale": {
        "tech_companies": 75000,
        "high_tech_enterprises": 24000,
        "listed_companies": 580,
    },
    "funding_wan": "800",
    "funding_note": "省级财政专项",
    "proposed_hosts": [
        {
            "host_id": "host-sz",
            "name": "深圳市科技创新局",
            "kind": "municipal_department",
            "region": "440300",
        }
    ],
}


@router.post(
    "/host-applications",
    status_code=status.HTTP_201_CREATED,
    summary="提出申请 A provincial department applies to run the programme this year",
)
async def submit_application(
    context: ProvinceContext,
    roadshow: RoadshowDep,
    response: Response,
    command: Annotated[
        SubmitHostApplication, Body(openapi_examples={"广东": {"value": APPLICATION_EXAMPLE}})
    ],
) -> dict[str, Any]:
    body = await reply_to(roadshow, command, context, response)
    response.headers["Location"] = f"/host-applications/{body['id']}"
    return body


@router.post(
    "/host-applications/{application_id}/approve",
    summary="列入年度名单 Torch Center approves an application (all or some proposed hosts)",
)
async def approve_application(
    application_id: str,
    command: ApproveHostApplication,
    context: TorchContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, application_id)


@router.post(
    "/host-applications/{application_id}/reject",
    summary="不予列入 Torch Center rejects an application, with the reason",
)
async def reject_application(
    application_id: str,
    command: RejectHostApplication,
    context: TorchContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, application_id)


def _application_view(application: HostApplication) -> dict[str, Any]:
    submitted = application.submitted
    assert submitted is not None and application.status is not None
    return {
        "id": application.id,
        "province": submitted.province,
        "province_name": PROVINCES.get(submitted.province, submitted.province),
        "status": application.status.value,
        "status_name": APPLICATION_STATUS_NAMES[application.status],
        "fields": [f.value for f in submitted.fields],
        "industrial_base": submitted.industrial_base,
        "company_scale": submitted.company_scale.model_dump(),
        "funding_wan": str(submitted.funding_wan),
        "funding_note": submitted.funding_note,
        "proposed_hosts": [h.model_dump() for h in submitted.proposed_hosts],
        "confirmed_hosts": [h.host_id for h in application.approved.confirmed_hosts]
        if application.approved
        else [],
        "rejection_reason": application.rejection,
    }


@router.get(
    "/programmes/{year}/applications",
    summary="并列比较年度申请 The year's applications side by side (fields, base, scale, funding)",
)
async def compare_applications(
    year: int, principal: ApplicationReader, reads: ReadsDep
) -> list[dict[str, Any]]:
    """Torch Center sees every province's application; a province sees its own."""
    codes = list(PROVINCES) if principal.role.value == "torch_center" else [principal.region]
    views = []
    for code in codes:
        application = await load(reads, HostApplication, host_application_id(year, code))
        if application.submitted is not None:
            views.append(_application_view(application))
    return views


@router.post(
    "/programmes/{year}/launch",
    status_code=status.HTTP_201_CREATED,
    summary="正式启动 Launch the year's programme: the host list and the launch notice",
)
async def launch_programme(
    year: int,
    command: LaunchProgramme,
    context: TorchContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, str(year))


@router.get("/programmes/{year}", summary="年度计划 The year's programme: hosts and notice")
async def read_programme(year: int, _principal: Everyone, reads: ReadsDep) -> dict[str, Any]:
    programme = await load(reads, Programme, programme_id(year))
    if programme.launched is None:
        raise NotFound("programme", str(year))
    return programme.launched.model_dump(mode="json")
