"""The one-to-one meetings (一对一对接), command by command: wishes and the "不必了" block, free
slots, the host's setup, the provisional and the final schedule, the day's changes, agendas and the
workbook."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from typing import Any

import httpx

from roadshow.adapters.meetings_workbook import export_xlsx
from roadshow.config import RoadshowSettings
from roadshow.domain.commands import (
    CancelMeeting,
    CloseReviewWindow,
    ConcludeRoadshow,
    DeclareAvailability,
    FinalizeMeetingSchedule,
    MoveMeeting,
    ProposeMeetingSchedule,
    RecordMeetingHeld,
    RecordMeetingMissed,
    SetUpMeetings,
    StartRoadshow,
    StateMeetingPreference,
)
from roadshow.domain.meetings import MeetingsStatus, OneToOneMeetings, meeting_facts
from roadshow.domain.roadshow_event import RoadshowEvent
from roadshow.domain.scheduling import MeetingStatus, Priority, Reason, agendas
from roadshow.entrypoints.api.routes import meetings as meetings_routes
from ztc_shared.auth import Role, mint_token
from ztc_shared.domain import DomainError, Forbidden, StateConflict
from ztc_shared.events import EVENTS
from ztc_shared.settings import ServiceSettings
from ztc_shared.web import create_app

_spec = importlib.util.spec_from_file_location(
    "roadshow_scenarios", Path(__file__).with_name("roadshow_scenarios.py")
)
assert _spec is not None and _spec.loader is not None
scenarios = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("roadshow_scenarios", scenarios)
_spec.loader.exec_module(scenarios)

Scenario = scenarios.Scenario
HOST, OTHER_HOST, HOLDER, SZSE = (
    scenarios.HOST,
    scenarios.OTHER_HOST,
    scenarios.HOLDER,
    scenarios.SZSE,
)
company, company_id = scenarios.company, scenarios.company_id
C1, C2, C3 = company_id(1), company_id(2), company_id(3)


async def shortlisted(s: Scenario) -> str:
    rid: str = await s.with_attendees(1, 2, 3)
    await s.when(scenarios.shortlist(), HOST, rid)
    return rid


def setup(**overrides: Any) -> SetUpMeetings:
    fields: dict[str, Any] = {
        "starts_at": "14:00",
        "slot_minutes": 20,
        "slot_count": 3,
        "tables": 2,
        "max_per_company": 3,
        "max_per_project": 3,
        "holders": {"ach-01": "holder-1"},
    }
    fields.update(overrides)
    return SetUpMeetings.model_validate(fields)


def wish(side: str, party: str, counterpart: str, level: str) -> StateMeetingPreference:
    return StateMeetingPreference.model_validate(
        {"side": side, "party_id": party, "counterpart": counterpart, "level": level}
    )


def free(side: str, party: str, *slots: int) -> DeclareAvailability:
    return DeclareAvailability.model_validate(
        {"side": side, "party_id": party, "free_slots": list(slots)}
    )


async def state(s: Scenario, rid: str) -> OneToOneMeetings:
    loaded = await s.store.load(f"meetings-{rid}")
    return OneToOneMeetings.rehydrate(f"meetings-{rid}", [EVENTS.payload(e) for e in loaded.events])


async def roadshow(s: Scenario, rid: str) -> RoadshowEvent:
    loaded = await s.store.load(rid)
    return RoadshowEvent.rehydrate(rid, [EVENTS.payload(e) for e in loaded.events])


async def ready(s: Scenario) -> str:
    """Set up, everybody free in every slot."""
    rid = await shortlisted(s)
    await s.when(setup(), HOST, rid)
    for n in (1, 2, 3):
        await s.when(free("company", company_id(n), 0, 1, 2), company(n), rid)
    for p in ("ach-01", "ach-02", "ach-03"):
        await s.when(free("project", p, 0, 1, 2), HOST, rid)
    return rid


# wishes


async def test_a_company_and_a_holder_state_wishes_and_no_thanks_blocks_the_pair() -> None:
    s = Scenario()
    rid = await ready(s)
    assert await s.when(wish("company", C1, "ach-01", "must_meet"), company(1), rid) == [
        "MeetingPreferenceStated"
    ]
    await s.when(wish("project", "ach-01", C1, "no_thanks"), HOLDER, rid)
    await s.when(wish("company", C2, "ach-01", "meet"), company(2), rid)
    await s.when(ProposeMeetingSchedule(), HOST, rid)
    meetings = await state(s, rid)
    assert meetings.schedule is not None
    pairs = {(m.company, m.project) for m in meetings.schedule.meetings}
    assert (C1, "ach-01") not in pairs
    assert (C2, "ach-01") in pairs
    [blocked] = meetings.schedule.unplaced
    assert (blocked.company, blocked.reason) == (C1, Reason.BLOCKED)
    assert "不必了" in blocked.detail


async def test_a_company_speaks_only_for_itself_about_a_pitch() -> None:
    s = Scenario()
    rid = await ready(s)
    error = await s.refused(wish("company", C2, "ach-01", "meet"), company(1), rid)
    assert isinstance(error, Forbidden)
    error = await s.refused(wish("company", C1, "ach-09", "meet"), company(1), rid)
    assert isinstance(error, DomainError) and error.code == "not_a_pitch"
    outsider = company_id(7)
    error = await s.refused(wish("company", outsider, "ach-01", "meet"), company(7), rid)
    assert isinstance(error, Forbidden) and "审核通过" in error.message_zh


async def test_a_holder_speaks_only_for_its_projects_about_confirmed_companies() -> None:
    s = Scenario()
    rid = await ready(s)
    error = await s.refused(wish("project", "ach-02", C1, "meet"), HOLDER, rid)
    assert isinstance(error, Forbidden) and error.code == "not_your_project"
    error = await s.refused(wish("project", "ach-01", company_id(7), "meet"), HOLDER, rid)
    assert isinstance(error, DomainError) and error.code == "not_attending"
    error = await s.refused(wish("company", C1, "ach-01", "meet"), HOLDER, rid)
    assert isinstance(error, Forbidden)


async def test_free_slots_must_exist() -> None:
    s = Scenario()
    rid = await ready(s)
    error = await s.refused(free("company", C1, 0, 5), company(1), rid)
    assert isinstance(error, DomainError) and "时段不存在" in error.message_zh


# the host


async def test_only_the_host_of_the_roadshow_sets_up_and_proposes() -> None:
    s = Scenario()
    rid = await shortlisted(s)
    assert isinstance(await s.refused(setup(), company(1), rid), Forbidden)
    assert isinstance(await s.refused(setup(), OTHER_HOST, rid), Forbidden)
    assert isinstance(await s.refused(setup(), SZSE, rid), Forbidden)
    assert await s.when(setup(), HOST, rid) == ["MeetingSlotsDeclared"]
    assert isinstance(await s.refused(ProposeMeetingSchedule(), company(1), rid), Forbidden)
    assert isinstance(await s.refused(ProposeMeetingSchedule(), HOLDER, rid), Forbidden)
    [declared] = await s.payloads(f"meetings-{rid}")
    assert declared["slots"] == ["14:00-14:20", "14:20-14:40", "14:40-15:00"]


async def test_meetings_wait_for_the_shortlist() -> None:
    s = Scenario()
    rid = await s.with_attendees(1)
    error = await s.refused(setup(holders={}), HOST, rid)
    assert isinstance(error, StateConflict) and "确定路演项目" in error.message_zh


async def test_mutual_must_meet_is_placed_first_and_nobody_is_double_booked() -> None:
    s = Scenario()
    rid = await shortlisted(s)
    await s.when(setup(tables=1, slot_count=1), HOST, rid)
    await s.when(free("company", C1, 0), company(1), rid)
    await s.when(free("company", C2, 0), company(2), rid)
    await s.when(free("project", "ach-01", 0), HOLDER, rid)
    # one table, one slot: only one of the two pairs fits
    await s.when(wish("company", C2, "ach-01", "must_meet"), company(2), rid)
    await s.when(wish("company", C1, "ach-01", "must_meet"), company(1), rid)
    await s.when(wish("project", "ach-01", C1, "must_meet"), HOLDER, rid)
    assert await s.when(ProposeMeetingSchedule(), HOST, rid) == ["MeetingScheduleProposed"]
    meetings = await state(s, rid)
    assert meetings.status is MeetingsStatus.PROPOSED
    assert meetings.schedule is not None
    [placed] = meetings.schedule.meetings
    assert (placed.company, placed.project, placed.priority) == (C1, "ach-01", Priority.MUTUAL_MUST)
    [left] = meetings.schedule.unplaced
    assert left.company == C2


async def test_proposing_places_without_double_booking_and_finalising_fixes_it() -> None:
    s = Scenario()
    rid = await ready(s)
    for n in (1, 2, 3):
        for p in ("ach-01", "ach-02", "ach-03"):
            await s.when(wish("company", company_id(n), p, "meet"), company(n), rid)
    await s.when(ProposeMeetingSchedule(), HOST, rid)
    meetings = await state(s, rid)
    assert meetings.schedule is not None
    ms = meetings.schedule.meetings
    assert len(ms) == 6  # two tables × three slots
    assert len({(m.company, m.slot) for m in ms}) == len(ms)
    assert len({(m.project, m.slot) for m in ms}) == len(ms)
    assert len({(m.slot, m.table) for m in ms}) == len(ms)
    assert await s.when(FinalizeMeetingSchedule(), HOST, rid) == ["MeetingScheduleFinalized"]
    assert (await state(s, rid)).status is MeetingsStatus.FINAL
    error = await s.refused(wish("company", C1, "ach-01", "no_thanks"), company(1), rid)
    assert isinstance(error, StateConflict) and error.code == "schedule_final"
    error = await s.refused(ProposeMeetingSchedule(), HOST, rid)
    assert isinstance(error, StateConflict) and error.code == "schedule_final"
    assert isinstance(await s.refused(FinalizeMeetingSchedule(), HOST, rid), DomainError)


# the day


async def final_two_meetings(s: Scenario) -> str:
    """C1 and C2 each meet ach-01, in different slots."""
    rid = await ready(s)
    await s.when(wish("company", C1, "ach-01", "must_meet"), company(1), rid)
    await s.when(wish("company", C2, "ach-01", "must_meet"), company(2), rid)
    await s.when(wish("company", C2, "ach-02", "meet"), company(2), rid)
    await s.when(ProposeMeetingSchedule(), HOST, rid)
    await s.when(FinalizeMeetingSchedule(), HOST, rid)
    return rid


async def test_a_move_that_would_double_book_is_refused_in_chinese() -> None:
    s = Scenario()
    rid = await final_two_meetings(s)
    meetings = await state(s, rid)
    assert meetings.schedule is not None
    one = meetings.schedule.meeting(C1, "ach-01")
    two = meetings.schedule.meeting(C2, "ach-01")
    assert one is not None and two is not None and one.slot != two.slot
    error = await s.refused(
        MoveMeeting(company_id=C1, achievement_id="ach-01", slot=two.slot), HOST, rid
    )
    assert isinstance(error, DomainError) and error.code == "schedule_rule"
    assert "项目方" in error.message_zh and "已有其他会面" in error.message_zh
    [spare] = {0, 1, 2} - {one.slot, two.slot}
    assert await s.when(
        MoveMeeting(company_id=C1, achievement_id="ach-01", slot=spare), HOST, rid
    ) == ["MeetingMoved"]
    moved = (await state(s, rid)).schedule
    assert moved is not None
    after = moved.meeting(C1, "ach-01")
    assert after is not None and after.slot == spare
    assert [c.kind for c in moved.changes] == ["move"]


async def test_no_shows_held_meetings_and_cancellations_are_recorded() -> None:
    s = Scenario()
    rid = await final_two_meetings(s)
    missed = RecordMeetingMissed.model_validate(
        {"company_id": C1, "achievement_id": "ach-01", "absent": ["company"], "note": "堵车"}
    )
    assert await s.when(missed, HOST, rid) == ["MeetingMissed"]
    assert await s.when(RecordMeetingHeld(company_id=C2, achievement_id="ach-01"), HOST, rid) == [
        "MeetingHeld"
    ]
    assert await s.when(CancelMeeting(company_id=C2, achievement_id="ach-02"), HOST, rid) == [
        "MeetingCancelled"
    ]
    meetings = await state(s, rid)
    assert meetings.schedule is not None
    gone = meetings.schedule.meeting(C1, "ach-01")
    assert gone is not None and gone.status is MeetingStatus.NO_SHOW
    assert [c.kind for c in meetings.schedule.changes] == ["no_show", "cancel"]
    assert (C2, "ach-01") in meetings.held
    error = await s.refused(RecordMeetingHeld(company_id=C1, achievement_id="ach-01"), HOST, rid)
    assert isinstance(error, DomainError)
    error = await s.refused(CancelMeeting(company_id=C2, achievement_id="ach-01"), company(2), rid)
    assert isinstance(error, Forbidden)


async def test_the_conclusion_counts_the_meetings_held_per_pitch() -> None:
    s = Scenario()
    rid = await final_two_meetings(s)
    await s.when(RecordMeetingHeld(company_id=C2, achievement_id="ach-01"), HOST, rid)
    await s.when(RecordMeetingHeld(company_id=C1, achievement_id="ach-01"), HOST, rid)
    await s.when(StartRoadshow(), HOST, rid)
    await s.when(CloseReviewWindow(), HOST, rid)
    await s.when(ConcludeRoadshow(), HOST, rid)
    pitches = {p["achievement_id"]: p for p in (await s.payloads(rid))[-1]["pitches"]}
    assert pitches["ach-01"]["meetings_held"] == 2
    assert pitches["ach-02"]["meetings_held"] == 0  # scheduled, cancelled or not: not held


async def test_a_no_show_needs_the_final_schedule() -> None:
    s = Scenario()
    rid = await ready(s)
    await s.when(wish("company", C1, "ach-01", "meet"), company(1), rid)
    await s.when(ProposeMeetingSchedule(), HOST, rid)
    missed = RecordMeetingMissed.model_validate(
        {"company_id": C1, "achievement_id": "ach-01", "absent": ["project"]}
    )
    error = await s.refused(missed, HOST, rid)
    assert isinstance(error, DomainError) and error.message_zh == "只有正式日程才能登记缺席"


# agendas and the workbook


async def test_each_party_has_its_agenda_and_the_host_a_workbook() -> None:
    s = Scenario()
    rid = await final_two_meetings(s)
    meetings = await state(s, rid)
    facts = meeting_facts(await roadshow(s, rid))
    problem = meetings.problem(facts)
    assert meetings.schedule is not None
    by_party = agendas(problem, meetings.schedule)
    assert [a.counterpart for a in by_party["ach-01"]] == sorted(
        [C1, C2], key=lambda c: next(i.slot for i in by_party[c] if i.counterpart == "ach-01")
    )
    assert {a.counterpart for a in by_party[C2]} == {"ach-01", "ach-02"}
    assert by_party[C1][0].counterpart_name == "固态电池电解质"
    assert meetings.projects_of("holder-1") == ["ach-01"]
    data = export_xlsx(problem, meetings.schedule)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["总表", "企业日程", "未安排"]
    assert book["总表"]["A1"].value == "时段（正式日程）"


# the routes, on the same in-memory store


def bearer(role: Role, subject: str) -> dict[str, str]:
    token = mint_token(ServiceSettings(), subject=subject, role=role, region="440300")
    return {"Authorization": f"Bearer {token}"}


def client(s: Scenario) -> httpx.AsyncClient:
    app = create_app(
        settings=RoadshowSettings(region="440300"),
        title="roadshow",
        description="",
        routers=[meetings_routes.router],
    )
    app.state.roadshow = s.app
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_the_routes_admit_the_parties_and_the_host_each_to_its_own() -> None:
    s = Scenario()
    rid = await ready(s)
    host, holder = bearer(Role.HOST, "host-sz"), bearer(Role.HOLDER, "holder-1")
    c1, c2 = bearer(Role.COMPANY, C1), bearer(Role.COMPANY, C2)
    base = f"/roadshows/{rid}/meetings"
    async with client(s) as http:
        body = {"side": "company", "party_id": C1, "counterpart": "ach-01", "level": "must_meet"}
        first = await http.post(f"{base}/preferences", json=body, headers=c1)
        assert first.status_code == 200, first.text
        assert (await http.post(f"{base}/preferences", json=body, headers=c2)).status_code == 403
        body = {"side": "company", "party_id": C2, "counterpart": "ach-01", "level": "meet"}
        assert (await http.post(f"{base}/preferences", json=body, headers=c2)).status_code == 200
        body = {"side": "project", "party_id": "ach-01", "counterpart": C1, "level": "must_meet"}
        assert (
            await http.post(f"{base}/preferences", json=body, headers=holder)
        ).status_code == 200
        assert (await http.post(f"{base}/propose", headers=c1)).status_code == 403
        assert (await http.get(base, headers=c1)).status_code == 403
        assert (await http.post(f"{base}/propose", headers=host)).status_code == 200
        assert (await http.post(f"{base}/finalise", headers=host)).status_code == 200

        schedule = (await http.get(base, headers=host)).json()
        assert schedule["status_name"] == "正式日程"
        assert {m["company_id"] for m in schedule["meetings"]} == {C1, C2}
        slots = {m["company_id"]: m["slot"] for m in schedule["meetings"]}

        clash = {"company_id": C1, "achievement_id": "ach-01", "slot": slots[C2]}
        refused = await http.post(f"{base}/move", json=clash, headers=host)
        assert refused.status_code == 422
        assert "已有其他会面" in refused.json()["message_zh"]

        missed = {"company_id": C2, "achievement_id": "ach-01", "absent": ["project"]}
        assert (await http.post(f"{base}/missed", json=missed, headers=host)).status_code == 200
        assert (await http.post(f"{base}/missed", json=missed, headers=c2)).status_code == 403

        mine = (await http.get(f"{base}/agenda", headers=c1)).json()
        [item] = mine["agendas"][C1]
        assert item["counterpart"] == "ach-01" and item["status_name"] == "已安排"
        theirs = (await http.get(f"{base}/agenda", headers=holder)).json()
        assert [a["counterpart"] for a in theirs["agendas"]["ach-01"]] == sorted(
            [C1, C2], key=lambda c: slots[c]
        )
        assert any(a["status_name"] == "缺席" for a in theirs["agendas"]["ach-01"])
        assert (await http.get(f"{base}/agenda", headers=host)).status_code == 403

        workbook = await http.get(f"{base}/export.xlsx", headers=host)
        assert workbook.status_code == 200
        assert "filename*=UTF-8''" in workbook.headers["content-disposition"]
        assert workbook.content[:2] == b"PK"
        other = bearer(Role.HOST, "host-gz")
        assert (await http.get(f"{base}/export.xlsx", headers=other)).status_code == 403


async def test_a_new_setup_keeps_the_slots_and_tables_the_schedule_uses() -> None:
    s = Scenario()
    rid = await final_two_meetings(s)
    error = await s.refused(setup(slot_count=4), HOST, rid)
    assert isinstance(error, StateConflict) and error.code == "schedule_final"
    s = Scenario()
    rid = await ready(s)
    for n in (1, 2, 3):
        await s.when(wish("company", company_id(n), "ach-01", "meet"), company(n), rid)
    await s.when(ProposeMeetingSchedule(), HOST, rid)
    error = await s.refused(setup(slot_count=1), HOST, rid)
    assert isinstance(error, DomainError) and error.code == "slots_in_use"
    assert await s.when(setup(slot_count=4), HOST, rid) == ["MeetingSlotsDeclared"]
