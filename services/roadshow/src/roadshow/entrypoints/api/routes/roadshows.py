"""Roadshows (路演活动): the plan, registration, the shortlist, coaching, the live day, the review."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status

from roadshow.adapters.calendar import CalendarQueries, CalendarQuery
from roadshow.application.handlers import load, opened_contact
from roadshow.domain.access import Actor
from roadshow.domain.commands import (
    ApproveRegistration,
    AskQuestion,
    AssignExpert,
    CancelRegistration,
    CloseReviewWindow,
    ConcludeRoadshow,
    DeclareConflict,
    DeclareIntent,
    DeclineRegistration,
    OpenRegistration,
    PlanRoadshow,
    ReceiveShortlist,
    RecordCoachingSession,
    RegisterCompany,
    ScorePitch,
    SetCriteria,
    StartRoadshow,
)
from roadshow.domain.review import Review
from roadshow.domain.roadshow_event import SEAT_NAMES, STATUS_NAMES, RoadshowEvent
from roadshow.entrypoints.api.deps import (
    AskerContext,
    CancellerContext,
    CoachContext,
    CompanyContext,
    Everyone,
    ExpertContext,
    HostContext,
    OrganiserContext,
    OrganiserReader,
    ReadsDep,
    RegistrarContext,
    RoadshowDep,
    organises,
)
from ztc_shared.auth import Principal, Role
from ztc_shared.contracts.roadshow import FORMAT_NAMES, CompanyRegistered, review_id
from ztc_shared.domain import NotFound
from ztc_shared.history import AggregateSnapshots, AsOf, StreamHistoryDep
from ztc_shared.personal import ERASED
from ztc_shared.web import reply_to
from ztc_shared.web.paging import Page, page_size_up_to

router = APIRouter(prefix="/roadshows", tags=["roadshows 路演活动"])
ROADSHOWS_AS_OF = AggregateSnapshots(RoadshowEvent)

PLAN_EXAMPLE = {
    "year": 2026,
    "title": "深圳新能源专场",
    "fields": ["new_energy"],
    "industry_needs": "储能电池回收、光伏组件智能运维",
    "region": "440300",
    "event_date": "2026-06-18",
    "venue": "深圳会展中心",
    "format": "hybrid",
    "livestream_url": "https://live.example.cn/ztc/sz-2026-06",
    "capacity": 200,
    "agenda": [
        {
            "kind": "keynote",
            "title": "主旨演讲与经验分享",
            "starts_at": "2026-06-18T09:00:00+08:00",
            "minutes": 30,
        },
        {
            "kind": "pitches",
            "title": "科技成果持有人现场路演",
            "starts_at": "2026-06-18T09:30:00+08:00",
            "minutes": 120,
        },
    ],
    "plan_text": "本场路演聚焦新能源领域……",
}
REGISTRATION_EXAMPLE = {
    "company_id": "91350100M000100Y43",
    "name": "某新能源科技有限公司",
    "kind": "tech_company",
    "contact_name": "王五",
    "contact_phone": "0755-12345678",
    "interests": "储能、光伏运维",
}
SCORE_EXAMPLE = {
    "achievement_id": "ach-01",
    "scores": {
        "technology_leadership": "8.5",
        "industrialisation_feasibility": "7",
        "industry_prospects": "8",
    },
    "comment": "技术指标领先，建议补充中试数据",
}


async def _event(roadshow: RoadshowDep, roadshow_id: str) -> RoadshowEvent:
    event = await load(roadshow.ports.store, RoadshowEvent, roadshow_id)
    if event.planned is None:
        raise NotFound("roadshow", roadshow_id)
    return event


# the plan and the steps


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="制定方案 A host plans a roadshow (fields, date, venue, format, capacity, agenda)",
)
async def plan_roadshow(
    context: HostContext,
    roadshow: RoadshowDep,
    response: Response,
    command: Annotated[PlanRoadshow, Body(openapi_examples={"专场": {"value": PLAN_EXAMPLE}})],
) -> dict[str, Any]:
    body = await reply_to(roadshow, command, context, response)
    response.headers["Location"] = f"/roadshows/{body['id']}"
    return body


STEPS: dict[str, tuple[type, str]] = {
    "open-registration": (OpenRegistration, "开放报名 Open registration"),
    "shortlist": (ReceiveShortlist, "接收路演项目 The projects for the stage, from screening"),
    "start": (StartRoadshow, "路演开始 The roadshow goes live"),
    "conclude": (ConcludeRoadshow, "路演结束 Conclude, emitting the outcomes for tracking"),
}


@router.post("/{roadshow_id}/open-registration", summary=STEPS["open-registration"][1])
async def open_registration(
    roadshow_id: str,
    command: OpenRegistration,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/shortlist", summary=STEPS["shortlist"][1])
async def receive_shortlist(
    roadshow_id: str,
    command: ReceiveShortlist,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/start", summary=STEPS["start"][1])
async def start_roadshow(
    roadshow_id: str, context: OrganiserContext, roadshow: RoadshowDep, response: Response
) -> dict[str, Any]:
    return await reply_to(roadshow, StartRoadshow(), context, response, roadshow_id)


@router.post("/{roadshow_id}/conclude", summary=STEPS["conclude"][1])
async def conclude_roadshow(
    roadshow_id: str,
    command: ConcludeRoadshow,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/coaching",
    summary="记录路演辅导 A coaching session for a shortlisted project",
)
async def record_coaching(
    roadshow_id: str,
    command: RecordCoachingSession,
    context: CoachContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


# registration


@router.post(
    "/{roadshow_id}/registrations",
    summary="企业报名 A company, park or investor registers (SZSE marks its invitations)",
)
async def register(
    roadshow_id: str,
    context: RegistrarContext,
    roadshow: RoadshowDep,
    response: Response,
    command: Annotated[
        RegisterCompany, Body(openapi_examples={"企业": {"value": REGISTRATION_EXAMPLE}})
    ],
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/registrations/approve",
    summary="审核通过 Approve a registration (a seat, or the waiting list when full)",
)
async def approve_registration(
    roadshow_id: str,
    command: ApproveRegistration,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/registrations/decline",
    summary="审核不通过 Decline a registration, with the reason",
)
async def decline_registration(
    roadshow_id: str,
    command: DeclineRegistration,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/registrations/cancel",
    summary="取消报名 Cancel a registration; the waiting list moves up",
)
async def cancel_registration(
    roadshow_id: str,
    command: CancelRegistration,
    context: CancellerContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


# the live day


@router.post("/{roadshow_id}/questions", summary="问答 A question about a pitch")
async def ask_question(
    roadshow_id: str,
    command: AskQuestion,
    context: AskerContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/intents", summary="对接意向 A company's intent on a project")
async def declare_intent(
    roadshow_id: str,
    command: DeclareIntent,
    context: CompanyContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


# the review


@router.post("/{roadshow_id}/review/criteria", summary="评议指标 Criteria and weights")
async def set_criteria(
    roadshow_id: str,
    command: SetCriteria,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/review/experts",
    summary="指派评议专家 Assign an expert (same-institution pitches are recused at once)",
)
async def assign_expert(
    roadshow_id: str,
    command: AssignExpert,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/review/recusals", summary="申报回避 An expert declares a conflict")
async def declare_conflict(
    roadshow_id: str,
    command: DeclareConflict,
    context: ExpertContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/review/scores",
    summary="专家评分 Score a pitch on every criterion with a comment, or abstain",
)
async def score_pitch(
    roadshow_id: str,
    context: ExpertContext,
    roadshow: RoadshowDep,
    response: Response,
    command: Annotated[ScorePitch, Body(openapi_examples={"评分": {"value": SCORE_EXAMPLE}})],
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/review/close", summary="结束评议 Close the window; results open")
async def close_review(
    roadshow_id: str, context: OrganiserContext, roadshow: RoadshowDep, response: Response
) -> dict[str, Any]:
    return await reply_to(roadshow, CloseReviewWindow(), context, response, roadshow_id)


@router.get(
    "/{roadshow_id}/review/results",
    summary="评议结果 Raw and normalised scores, ranks and comments (after the window closes)",
)
async def review_results(
    roadshow_id: str, principal: OrganiserReader, reads: ReadsDep
) -> dict[str, Any]:
    event = await load(reads, RoadshowEvent, roadshow_id)
    if event.planned is None:
        raise NotFound("roadshow", roadshow_id)
    review = await load(reads, Review, review_id(roadshow_id))
    actor = Actor(id=principal.subject, role=principal.role.value)
    results = review.results_for(actor, event.facts())
    return {
        "criteria": [c.model_dump(mode="json") for c in review.criteria],
        "results": [r.model_dump(mode="json") for r in results],
    }


# reading


@router.get("", summary="路演日历 The roadshows across hosts and years (public: plans and counts)")
async def calendar(
    request: Request,
    as_of: AsOf,
    year: Annotated[int | None, Query(ge=2018, le=2100, description="年度 Year")] = None,
    status_: Annotated[
        str | None, Query(alias="status", description="状态 Status, e.g. registration_open")
    ] = None,
    region: Annotated[
        str | None, Query(pattern=r"^\d{6}$", description="地区（省或市） Province or city")
    ] = None,
    host_id: Annotated[str | None, Query(max_length=64, description="承办单位 Host")] = None,
    upcoming_from: Annotated[
        date | None, Query(description="只看该日及以后的路演，近者在前 On or after this day")
    ] = None,
    page: Page = 1,
    page_size: Annotated[int, page_size_up_to(200)] = 50,
) -> dict[str, Any]:
    """Every roadshow's plan, status and counts from the calendar projection (a moment behind the
    commands). Registrations are counted, never named. ``as_of`` answers with the calendar as it
    stood then (时间回溯), rebuilt from roadshow's topic."""
    queries: CalendarQueries = (
        request.app.state.calendar if as_of is None else request.app.state.calendar_as_of(as_of)
    )
    query = CalendarQuery(year, status_, region, host_id, upcoming_from, page, page_size)
    total, items = await queries.search(query)
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "items": [{**{k: v for k, v in i.items() if k != "_id"}, "id": i["_id"]} for i in items],
    }


@router.get("/{roadshow_id}", summary="查看路演活动 The roadshow: plan, status, seats, pitches")
async def read_roadshow(
    roadshow_id: str,
    principal: Everyone,
    roadshow: RoadshowDep,
    response: Response,
    history: StreamHistoryDep,
    as_of: AsOf,
) -> dict[str, Any]:
    """Everyone sees the plan and the pitches; the organisers see every registration, a company
    its own. ``as_of`` answers with the roadshow as it stood then (时间回溯)."""
    if as_of is None:
        event = await _event(roadshow, roadshow_id)
    else:
        then = await ROADSHOWS_AS_OF.as_of(history, roadshow_id, as_of)
        if then.version == 0 or then.aggregate.planned is None:
            raise NotFound("roadshow", roadshow_id)
        event = then.aggregate
    planned = event.planned
    assert planned is not None and event.status is not None
    response.headers["X-Stream-Version"] = str(event.version)
    registrations = [
        {
            **r.registered.model_dump(mode="json", exclude={"contact", "legacy_contact"}),
            # the contact person's name, opened (the phone stays out of listings, as before);
            # 已删除 once the person was erased
            "contact_name": await _contact_name(roadshow.ports, r.registered),
            "seat": r.seat.value,
            "seat_name": SEAT_NAMES[r.seat],
            "waitlist_position": event.waitlist.index(c) + 1 if c in event.waitlist else None,
        }
        for c, r in event.registrations.items()
        if _sees_registration(principal, event, c)
    ]
    return {
        "id": event.id,
        "stream_version": event.version,
        "status": event.status.value,
        "status_name": STATUS_NAMES[event.status],
        "plan": planned.model_dump(mode="json"),
        "format_name": FORMAT_NAMES[planned.format],
        "seats_left": event.seats_left,
        "waitlist_length": len(event.waitlist),
        "registrations": registrations,
        "pitches": [p.model_dump(mode="json") for p in event.pitches.values()],
        **_review_part(principal, event),
    }


async def _contact_name(ports: Any, registered: CompanyRegistered) -> str:
    if registered.contact is None and registered.legacy_contact is None:
        return ""
    opened = await opened_contact(ports, registered)
    return ERASED if opened is None else opened.get("name", "")


def _review_part(principal: Principal, event: RoadshowEvent) -> dict[str, Any]:
    """The coaching, the questions and the outcomes as ``principal`` may see them.

    The organisers (and SZSE, which coaches) see them whole. Everyone else — companies, holders,
    experts, agencies, the hosts of other roadshows — sees
    the questions without who asked (a company its own marked ``mine``), no coaching record, and
    the outcomes without scores or ranks (``/review/results`` is for the organisers) and without
    other companies' intents: a count, and whether the caller is among them."""
    coaching = {k: [s.model_dump(mode="json") for s in v] for k, v in event.coaching.items()}
    questions = [q.model_dump(mode="json") for q in event.questions]
    outcomes = event.concluded.model_dump(mode="json") if event.concluded else None
    if organises(principal, event) or principal.role is Role.SZSE:
        return {"coaching": coaching, "questions": questions, "outcomes": outcomes}
    me = principal.subject if principal.role is Role.COMPANY else None
    if outcomes is not None:
        for pitch in outcomes["pitches"]:
            intents = pitch.pop("intents")
            pitch["intents_count"] = len(intents)
            pitch["my_intent"] = me is not None and me in intents
            for hidden in ("raw_score", "normalised_score", "rank"):
                pitch.pop(hidden, None)
    return {
        "coaching": {},
        "questions": [
            {
                "achievement_id": q["achievement_id"],
                "question": q["question"],
                "mine": me is not None and q["company_id"] == me,
            }
            for q in questions
        ],
        "outcomes": outcomes,
    }


def _sees_registration(principal: Principal, event: RoadshowEvent, company_id: str) -> bool:
    if organises(principal, event) or principal.role is Role.SZSE:
        return True
    return principal.role is Role.COMPANY and principal.subject == company_id
