"""Tracking cases (跟踪案例): lists, one case, and what the host records on it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status

from tracking.adapters.history import FactsAsOf
from tracking.adapters.mongo import cases_of
from tracking.application.handlers import load
from tracking.domain.case import TrackingCase
from tracking.domain.commands import (
    GrantPolicySupport,
    OpenCase,
    RecordIndustrialisation,
    RecordLanding,
    ReportProgress,
    SignDeal,
    TerminateCase,
)
from tracking.entrypoints.api.deps import (
    FactsDep,
    FollowerContext,
    OperatorContext,
    Reader,
    TrackingDep,
)
from ztc_shared.contracts.tracking import (
    CASE_KIND_NAMES,
    CAUSE_NAMES,
    DEAL_TYPE_NAMES,
    STAGE_NAMES,
    SUPPORT_NAMES,
    TERMINATION_NAMES,
    CaseKind,
    CaseStage,
    intent_case_id,
    pitch_case_id,
)
from ztc_shared.domain import NotFound
from ztc_shared.history import AggregateSnapshots, AsOf, StreamHistoryDep
from ztc_shared.web import reply_to

router = APIRouter(prefix="/cases", tags=["cases 跟踪案例"])
CASES_AS_OF = AggregateSnapshots(TrackingCase)

DEAL_EXAMPLE = {
    "deal_type": "license",
    "amount_wan": "500",
    "counterpart_id": "91350100M000100Y43",
    "counterpart_name": "深圳某新能源科技有限公司",
    "signed_on": "2026-06-19",
    "contract_no": "SZ-2026-018",
    "note": "独占许可五年",
}
LANDING_EXAMPLE = {
    "landed_on": "2026-09-01",
    "company_founded_locally": True,
    "company_id": "91350100M000100Y43",
    "company_name": "深圳新能科技有限公司",
    "investment_wan": "3000",
    "jobs": 45,
    "production_started": True,
}


def case_view(case: TrackingCase, version: int) -> dict[str, Any]:
    opened = case.opened
    assert opened is not None
    return {
        "id": case.id,
        "stream_version": version,
        "kind": opened.kind.value,
        "kind_name": CASE_KIND_NAMES[opened.kind],
        "cause": opened.cause.value,
        "cause_name": CAUSE_NAMES[opened.cause],
        "achievement_id": opened.achievement_id,
        "title": opened.title,
        "institution": opened.institution,
        "field": opened.field.value if opened.field else None,
        "company_id": opened.company_id,
        "roadshow_id": opened.roadshow_id,
        "host_id": opened.host_id,
        "year": opened.year,
        "stage": case.stage.value,
        "stage_name": STAGE_NAMES[case.stage],
        "reached": [s.value for s in case.reached],
        "opened_on": opened.opened_on.isoformat(),
        "next_follow_up": case.next_follow_up.isoformat() if case.next_follow_up else None,
        "last_progress_on": case.last_progress_on.isoformat() if case.last_progress_on else None,
        "overdue_flagged_for": case.overdue_flagged_for.isoformat()
        if case.overdue_flagged_for
        else None,
        "deals": [
            {
                **d.model_dump(mode="json", exclude={"region", "achievement_id"}),
                "deal_type_name": DEAL_TYPE_NAMES[d.deal_type],
            }
            for d in case.deals
        ],
        "deal_amount_wan": str(case.deal_amount_wan),
        "landing": case.landing.model_dump(mode="json", exclude={"region", "achievement_id"})
        if case.landing
        else None,
        "industrialisation": case.industrialisation.model_dump(
            mode="json", exclude={"region", "achievement_id"}
        )
        if case.industrialisation
        else None,
        "policy_support": [
            {
                **s.model_dump(mode="json", exclude={"region", "achievement_id"}),
                "kind_name": SUPPORT_NAMES[s.kind],
            }
            for s in case.support
        ],
        "reports": [
            r.model_dump(mode="json", exclude={"region", "achievement_id"}) for r in case.reports
        ],
        "termination": {
            **case.termination.model_dump(mode="json", exclude={"region", "achievement_id"}),
            "reason_name": TERMINATION_NAMES[case.termination.reason],
        }
        if case.termination
        else None,
    }


@router.get("", summary="跟踪案例列表 Cases, filtered (read model)")
async def list_cases(
    _: Reader,
    facts: FactsDep,
    request: Request,
    as_of: AsOf,
    achievement_id: str | None = None,
    company_id: str | None = None,
    stage: CaseStage | None = None,
    host_id: str | None = None,
    year: int | None = None,
    flagged: Annotated[
        bool, Query(description="只看逾期或停滞的案例 Only overdue or stalled cases")
    ] = False,
) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if achievement_id:
        filters["achievement_id"] = achievement_id
    if company_id:
        filters["company_id"] = company_id
    if stage:
        filters["stage"] = stage.value
    if host_id:
        filters["host_id"] = host_id
    if year:
        filters["year"] = year
    if as_of is None:
        cases = await facts.cases(filters)
    else:  # the cases as they stood then (时间回溯), from the facts folded over the topics
        history: FactsAsOf = request.app.state.facts_as_of
        cases = cases_of(await history.at(as_of), filters)
    if flagged:
        cases = [
            c
            for c in cases
            if c.get("stage") != "terminated"
            and (
                (c.get("overdue_for") and c.get("overdue_for") == c.get("next_follow_up"))
                or (c.get("stalled_for") and c.get("stalled_for") == c.get("last_progress_on"))
            )
        ]
    items = [
        {
            "id": c["_id"],
            "kind": c.get("case_kind"),
            "achievement_id": c.get("achievement_id"),
            "title": c.get("title", ""),
            "company_id": c.get("company_id"),
            "host_id": c.get("host_id", ""),
            "year": c.get("year"),
            "stage": c.get("stage"),
            "stage_name": STAGE_NAMES[CaseStage(c["stage"])] if c.get("stage") else "",
            "next_follow_up": c.get("next_follow_up"),
            "last_progress_on": c.get("last_progress_on"),
            "overdue": bool(c.get("overdue_for"))
            and c.get("overdue_for") == c.get("next_follow_up"),
            "stalled": bool(c.get("stalled_for"))
            and c.get("stalled_for") == c.get("last_progress_on"),
            "deal_amount_wan": c.get("deal_amount_wan", "0"),
        }
        for c in cases
    ]
    return {"items": items, "total": len(items)}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="登记跟踪案例 Open a case by hand (a project found outside the roadshows' events)",
)
async def open_case(
    command: Annotated[
        OpenCase,
        Body(
            openapi_examples={
                "意向": {
                    "value": {
                        "kind": "intent",
                        "region": "440000",
                        "achievement_id": "3f6c2a0e-8d1b-4f7a-9c55-2b1e0d4a7c10",
                        "title": "高导热石墨烯复合散热膜",
                        "company_id": "91350100M000100Y43",
                        "year": 2026,
                    }
                }
            }
        ),
    ],
    context: OperatorContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    if command.kind is CaseKind.INTENT and command.company_id:
        case_id = intent_case_id(command.achievement_id, command.company_id)
    else:
        case_id = pitch_case_id(command.roadshow_id or "manual", command.achievement_id)
    body = await reply_to(tracking, command, context, response, case_id)
    response.headers["Location"] = f"/cases/{case_id}"
    return body


@router.get("/{case_id}", summary="跟踪案例详情 One case, as recorded (read your own writes)")
async def get_case(
    case_id: str, _: Reader, tracking: TrackingDep, history: StreamHistoryDep, as_of: AsOf
) -> dict[str, Any]:
    """``as_of`` answers with the case as it stood then (时间回溯)."""
    if as_of is None:
        case = await load(tracking.ports.store, TrackingCase, case_id)
    else:
        then = await CASES_AS_OF.as_of(history, case_id, as_of)
        case = then.aggregate
    if not case.exists:
        raise NotFound("tracking_case", case_id)
    return case_view(case, case.version)


@router.post("/{case_id}/progress", summary="跟踪记录 Report progress (and the next follow-up)")
async def report_progress(
    case_id: str,
    command: Annotated[
        ReportProgress,
        Body(
            openapi_examples={
                "洽谈": {
                    "value": {
                        "note": "企业已完成技术尽调，进入商务谈判",
                        "negotiating": True,
                        "next_follow_up": "2026-09-30",
                    }
                }
            }
        ),
    ],
    context: FollowerContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(tracking, command, context, response, case_id)


@router.post("/{case_id}/deals", summary="签约 Record a signed deal")
async def sign_deal(
    case_id: str,
    command: Annotated[SignDeal, Body(openapi_examples={"许可": {"value": DEAL_EXAMPLE}})],
    context: FollowerContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(tracking, command, context, response, case_id)


@router.post("/{case_id}/landing", summary="落地 Record the landing (company, investment, jobs)")
async def record_landing(
    case_id: str,
    command: Annotated[RecordLanding, Body(openapi_examples={"落地": {"value": LANDING_EXAMPLE}})],
    context: FollowerContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(tracking, command, context, response, case_id)


@router.post("/{case_id}/industrialisation", summary="产业化 Record industrial scale (revenue)")
async def record_industrialisation(
    case_id: str,
    command: Annotated[
        RecordIndustrialisation,
        Body(
            openapi_examples={
                "产业化": {"value": {"reached_on": "2027-06-30", "annual_revenue_wan": "8000"}}
            }
        ),
    ],
    context: FollowerContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(tracking, command, context, response, case_id)


@router.post("/{case_id}/policy-support", summary="政策支持 Record policy support granted")
async def grant_support(
    case_id: str,
    command: Annotated[
        GrantPolicySupport,
        Body(
            openapi_examples={
                "用地": {
                    "value": {
                        "kind": "land",
                        "amount_wan": "200",
                        "granted_by": "深圳市规划和自然资源局",
                        "granted_on": "2026-08-01",
                        "description": "优先保障产业用地30亩",
                    }
                }
            }
        ),
    ],
    context: FollowerContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(tracking, command, context, response, case_id)


@router.post("/{case_id}/terminate", summary="终止 End the case, with a reason")
async def terminate_case(
    case_id: str,
    command: Annotated[
        TerminateCase,
        Body(
            openapi_examples={
                "价格": {"value": {"reason": "price", "explanation": "双方对许可费差距过大"}}
            }
        ),
    ],
    context: FollowerContext,
    tracking: TrackingDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(tracking, command, context, response, case_id)
