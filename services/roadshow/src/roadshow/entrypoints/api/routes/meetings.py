"""One-to-one meetings (一对一对接): wishes, free slots, the host's setup, the provisional and the
final schedule, the day's records, each party's agenda and the host's workbook."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Response

from roadshow.adapters.meetings_workbook import export_xlsx
from roadshow.application.handlers import load
from roadshow.domain.access import Actor, forbidden
from roadshow.domain.commands import (
    CancelMeeting,
    DeclareAvailability,
    FinalizeMeetingSchedule,
    MoveMeeting,
    ProposeMeetingSchedule,
    RecordMeetingHeld,
    RecordMeetingMissed,
    SetUpMeetings,
    StateMeetingPreference,
)
from roadshow.domain.meetings import (
    MEETINGS_STATUS_NAMES,
    MeetingFacts,
    OneToOneMeetings,
    meeting_facts,
)
from roadshow.domain.roadshow_event import RoadshowEvent
from roadshow.domain.scheduling import (
    SIDE_NAMES,
    STATUS_NAMES,
    AgendaItem,
    Schedule,
    agendas,
)
from roadshow.entrypoints.api.deps import ORGANISERS, OrganiserContext, ReadsDep, RoadshowDep
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.contracts.roadshow import MEETING_LEVEL_NAMES, meetings_id
from ztc_shared.domain import NotFound, StateConflict
from ztc_shared.eventstore import StreamReader
from ztc_shared.web import CommandContextFor, reply_to, require_roles

router = APIRouter(prefix="/roadshows", tags=["meetings 一对一对接"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARTIES = (Role.COMPANY, Role.HOLDER, *ORGANISERS)
PartyContext = Annotated[CommandContext, Depends(CommandContextFor(*PARTIES))]
PartyReader = Annotated[Principal, Depends(require_roles(Role.COMPANY, Role.HOLDER))]
OrganiserReader = Annotated[Principal, Depends(require_roles(*ORGANISERS))]

SETUP_EXAMPLE = {
    "starts_at": "14:00",
    "slot_minutes": 20,
    "slot_count": 8,
    "tables": 10,
    "max_per_company": 4,
    "max_per_project": 8,
    "holders": {"ach-01": "holder-zhang"},
}
PREFERENCE_EXAMPLE = {
    "side": "company",
    "party_id": "91350100M000100Y43",
    "counterpart": "ach-01",
    "level": "must_meet",
}


async def _loaded(
    reads: StreamReader, roadshow_id: str, reader: Actor | None = None
) -> tuple[OneToOneMeetings, MeetingFacts, Schedule]:
    """The schedule and its facts; with ``reader``, only for one who may read the whole schedule
    (asked first: another host learns nothing of the state of this roadshow's meetings)."""
    event = await load(reads, RoadshowEvent, roadshow_id)
    if event.planned is None:
        raise NotFound("roadshow", roadshow_id)
    meetings = await load(reads, OneToOneMeetings, meetings_id(roadshow_id))
    if reader is not None:
        meetings.require_reader(reader, meeting_facts(event))
    if meetings.schedule is None:
        raise StateConflict("no_schedule", "尚未生成对接日程", "No schedule has been proposed")
    return meetings, meeting_facts(event), meetings.schedule


def _actor(principal: Principal) -> Actor:
    return Actor(id=principal.subject, role=principal.role.value)


def _items(
    items: Iterable[AgendaItem], held: set[tuple[str, str]], party: str, *, company: bool
) -> list[Any]:
    out = []
    for a in items:
        pair = (party, a.counterpart) if company else (a.counterpart, party)
        out.append(
            {
                "slot": a.slot,
                "slot_label": a.slot_label,
                "table": a.table,
                "counterpart": a.counterpart,
                "counterpart_name": a.counterpart_name,
                "status": a.status.value,
                "status_name": STATUS_NAMES[a.status],
                "absent": [SIDE_NAMES[s] for s in a.absent],
                "held": pair in held,
            }
        )
    return out


# the parties


@router.post(
    "/{roadshow_id}/meetings/preferences",
    summary="对接意愿 Must meet / meet / no thanks about one counterpart",
)
async def state_preference(
    roadshow_id: str,
    context: PartyContext,
    roadshow: RoadshowDep,
    response: Response,
    command: Annotated[
        StateMeetingPreference, Body(openapi_examples={"必须见": {"value": PREFERENCE_EXAMPLE}})
    ],
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post(
    "/{roadshow_id}/meetings/availability",
    summary="空闲时段 The slots a company or a project is free (replaces the earlier list)",
)
async def declare_availability(
    roadshow_id: str,
    command: DeclareAvailability,
    context: PartyContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


# the host


@router.post(
    "/{roadshow_id}/meetings/setup",
    summary="设置对接 Slots, tables, caps and each project's holder account",
)
async def set_up(
    roadshow_id: str,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
    command: Annotated[SetUpMeetings, Body(openapi_examples={"下午场": {"value": SETUP_EXAMPLE}})],
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/meetings/propose", summary="生成暂定日程 Place the meetings")
async def propose(
    roadshow_id: str, context: OrganiserContext, roadshow: RoadshowDep, response: Response
) -> dict[str, Any]:
    return await reply_to(roadshow, ProposeMeetingSchedule(), context, response, roadshow_id)


@router.post("/{roadshow_id}/meetings/finalise", summary="确定正式日程 Fix the schedule")
async def finalise(
    roadshow_id: str, context: OrganiserContext, roadshow: RoadshowDep, response: Response
) -> dict[str, Any]:
    return await reply_to(roadshow, FinalizeMeetingSchedule(), context, response, roadshow_id)


# the day


@router.post("/{roadshow_id}/meetings/move", summary="调整时段 Move a meeting (re-checked)")
async def move(
    roadshow_id: str,
    command: MoveMeeting,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/meetings/cancel", summary="取消会面 Cancel a meeting")
async def cancel(
    roadshow_id: str,
    command: CancelMeeting,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/meetings/held", summary="已会面 A meeting took place")
async def held(
    roadshow_id: str,
    command: RecordMeetingHeld,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


@router.post("/{roadshow_id}/meetings/missed", summary="登记缺席 A no-show: who did not come")
async def missed(
    roadshow_id: str,
    command: RecordMeetingMissed,
    context: OrganiserContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, command, context, response, roadshow_id)


# reading


@router.get(
    "/{roadshow_id}/meetings",
    summary="对接日程 The whole schedule, unplaced pairs with reasons, the day's changes",
)
async def read_schedule(
    roadshow_id: str, principal: OrganiserReader, reads: ReadsDep, response: Response
) -> dict[str, Any]:
    meetings, facts, schedule = await _loaded(reads, roadshow_id, _actor(principal))
    problem = meetings.problem(facts)
    names = {c.credit_code: c.name for c in problem.companies}
    titles = {p.achievement_id: p.title for p in problem.projects}
    response.headers["X-Stream-Version"] = str(meetings.version)
    return {
        "id": meetings.id,
        "stream_version": meetings.version,
        "status": meetings.status.value,
        "status_name": MEETINGS_STATUS_NAMES[meetings.status],
        "slots": list(problem.slots),
        "tables": problem.tables,
        "meetings": [
            {
                "slot": m.slot,
                "slot_label": problem.slots[m.slot],
                "table": m.table,
                "company_id": m.company,
                "company_name": names.get(m.company, m.company),
                "achievement_id": m.project,
                "title": titles.get(m.project, m.project),
                "priority": int(m.priority),
                "status": m.status.value,
                "status_name": STATUS_NAMES[m.status],
                "absent": [SIDE_NAMES[s] for s in m.absent],
                "held": (m.company, m.project) in meetings.held,
            }
            for m in schedule.meetings
        ],
        "unplaced": [
            {
                "company_id": u.company,
                "achievement_id": u.project,
                "reason": u.reason.value,
                "detail": u.detail,
            }
            for u in schedule.unplaced
        ],
        "changes": [
            {
                "kind": c.kind,
                "company_id": c.company,
                "achievement_id": c.project,
                "from_slot": c.from_slot,
                "to_slot": c.to_slot,
                "note": c.note,
            }
            for c in schedule.changes
        ],
        "levels": {k.value: v for k, v in MEETING_LEVEL_NAMES.items()},
    }


@router.get(
    "/{roadshow_id}/meetings/agenda",
    summary="我的对接日程 The caller's agenda: a company its own, a holder its projects'",
)
async def my_agenda(roadshow_id: str, principal: PartyReader, reads: ReadsDep) -> dict[str, Any]:
    meetings, facts, schedule = await _loaded(reads, roadshow_id)
    by_party = agendas(meetings.problem(facts), schedule)
    if principal.role is Role.COMPANY:
        parties = [principal.subject]
    else:
        parties = meetings.projects_of(principal.subject)
        if not parties:
            raise forbidden(
                "not_a_holder_here",
                "您不是本场路演任何项目的对接人",
                "You speak for no project at this roadshow",
            )
    return {
        "status": meetings.status.value,
        "status_name": MEETINGS_STATUS_NAMES[meetings.status],
        "agendas": {
            p: _items(by_party.get(p, ()), meetings.held, p, company=principal.role is Role.COMPANY)
            for p in parties
        },
    }


@router.get(
    "/{roadshow_id}/meetings/export.xlsx",
    summary="导出对接日程（Excel） The host's workbook: grid, per-company list, unplaced",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "一对一对接日程.xlsx"}},
)
async def export_schedule(
    roadshow_id: str, principal: OrganiserReader, reads: ReadsDep
) -> Response:
    meetings, facts, schedule = await _loaded(reads, roadshow_id, _actor(principal))
    # Writing a large session's workbook takes a while: off the event loop.
    data = await asyncio.to_thread(export_xlsx, meetings.problem(facts), schedule)
    name = "一对一对接日程.xlsx"
    disposition = f"attachment; filename=\"meetings.xlsx\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(content=data, media_type=XLSX, headers={"Content-Disposition": disposition})
