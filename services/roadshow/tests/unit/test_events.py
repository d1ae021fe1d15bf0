"""A roadshow, command by command: the plan, registration with capacity and a waiting list, SZSE's
invitations, the shortlist, coaching, the live day and its outcomes."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from roadshow.domain.commands import (
    ApproveRegistration,
    AskQuestion,
    CancelRegistration,
    ConcludeRoadshow,
    DeclareIntent,
    DeclineRegistration,
    OpenRegistration,
    RecordCoachingSession,
    StartRoadshow,
)
from roadshow.domain.roadshow_event import EventStatus, RoadshowEvent, Seat
from ztc_shared.domain import Forbidden, StateConflict
from ztc_shared.events import EVENTS

_spec = importlib.util.spec_from_file_location(
    "roadshow_scenarios", Path(__file__).with_name("roadshow_scenarios.py")
)
assert _spec is not None and _spec.loader is not None
scenarios = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("roadshow_scenarios", scenarios)
_spec.loader.exec_module(scenarios)

Scenario = scenarios.Scenario
HOST, OTHER_HOST, SZSE, AGENCY, TORCH = (
    scenarios.HOST,
    scenarios.OTHER_HOST,
    scenarios.SZSE,
    scenarios.AGENCY,
    scenarios.TORCH,
)
company, company_id, registration = scenarios.company, scenarios.company_id, scenarios.registration


async def state(s: Scenario, rid: str) -> RoadshowEvent:
    loaded = await s.store.load(rid)
    return RoadshowEvent.rehydrate(rid, [EVENTS.payload(e) for e in loaded.events])


def coaching(achievement_id: str = "ach-01") -> RecordCoachingSession:
    return RecordCoachingSession.model_validate(
        {
            "achievement_id": achievement_id,
            "coach": "赵老师",
            "coach_organisation": "深圳证券交易所",
            "held_at": datetime(2026, 6, 10, 14, 0, tzinfo=UTC),
            "focus": ["technology_leadership", "industrialisation_feasibility"],
            "feedback": "突出与进口产品的性能对比，补充中试数据",
        }
    )


# the plan


async def test_a_host_of_the_launched_programme_plans_a_roadshow() -> None:
    s = Scenario()
    rid = await s.planned()
    assert await s.types(rid) == ["RoadshowPlanned"]
    [planned] = await s.payloads(rid)
    assert planned["host_id"] == "host-sz"
    assert planned["format"] == "hybrid"
    assert planned["fields"] == ["new_energy"]
    assert planned["industry_needs"].startswith("储能")
    assert [b["kind"] for b in planned["agenda"]] == ["keynote", "pitches", "expert_review"]
    assert (await state(s, rid)).status is EventStatus.PLANNED


async def test_planning_needs_a_launched_programme_and_a_host_on_its_list() -> None:
    s = Scenario()
    refusal = await s.refused(scenarios.plan(), HOST)
    assert isinstance(refusal, StateConflict) and refusal.code == "programme_not_launched"
    await s.launched()
    stranger = scenarios.context("host-fs", "host", "440600")
    refusal = await s.refused(scenarios.plan(), stranger)
    assert isinstance(refusal, Forbidden) and refusal.code == "not_a_host_this_year"
    refusal = await s.refused(scenarios.plan(), TORCH)
    assert isinstance(refusal, Forbidden) and refusal.code == "hosts_only"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"format": "online", "livestream_url": None}, "livestream_required"),
        ({"format": "hybrid", "livestream_url": None}, "livestream_required"),
        ({"format": "on_site", "venue": ""}, "venue_required"),
        ({"format": "on_site"}, "livestream_not_allowed"),
        (
            {
                "agenda": [
                    {
                        "kind": "keynote",
                        "title": "主旨演讲",
                        "starts_at": "2026-06-18T09:00:00+08:00",
                        "minutes": 30,
                    }
                ]
            },
            "pitches_required",
        ),
        ({"event_date": "2026-06-19"}, "agenda_off_date"),
    ],
)
async def test_a_plan_must_hang_together(overrides: dict[str, object], code: str) -> None:
    s = Scenario()
    await s.launched()
    refusal = await s.refused(scenarios.plan(**overrides), HOST)
    assert refusal.code == code


async def test_an_online_roadshow_needs_no_venue() -> None:
    s = Scenario()
    await s.launched()
    online = scenarios.plan(format="online", venue="")
    assert await s.when(online, HOST) == ["RoadshowPlanned"]


def test_capacity_and_livestream_link_are_checked_on_the_way_in() -> None:
    with pytest.raises(ValidationError):
        scenarios.plan(capacity=0)
    with pytest.raises(ValidationError):
        scenarios.plan(livestream_url="not a link")


# registration


async def test_registration_opens_once_and_only_by_the_roadshows_host() -> None:
    s = Scenario()
    rid = await s.planned()
    refusal = await s.refused(registration(1), company(1), rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "registration_closed"
    refusal = await s.refused(OpenRegistration(), OTHER_HOST, rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "not_your_roadshow"
    assert await s.when(OpenRegistration(), HOST, rid) == ["RegistrationOpened"]
    refusal = await s.refused(OpenRegistration(), HOST, rid)
    assert isinstance(refusal, StateConflict)


@pytest.mark.parametrize(
    "bad",
    [
        "91440300MA5F000010",  # wrong check character
        "91440300MA5F00001",  # 17 characters
        "91440300MA5FO0001X",  # the letter O is not in the set
        "914403OOMA5F00001X",  # letters in the region code
    ],
)
def test_a_bad_credit_code_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        registration(1, company_id=bad)


async def test_a_company_registers_itself_and_the_host_decides() -> None:
    s = Scenario()
    rid = await s.registration_open()
    assert await s.when(registration(1), company(1), rid) == ["CompanyRegistered"]
    refusal = await s.refused(registration(2), company(1), rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "register_yourself"
    refusal = await s.refused(registration(1), company(1), rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "already_registered"
    refusal = await s.refused(ApproveRegistration(company_id=company_id(1)), company(1), rid)
    assert isinstance(refusal, Forbidden)
    assert await s.when(ApproveRegistration(company_id=company_id(1)), HOST, rid) == [
        "RegistrationApproved"
    ]
    refusal = await s.refused(ApproveRegistration(company_id=company_id(1)), HOST, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "not_pending"
    refusal = await s.refused(ApproveRegistration(company_id=company_id(9)), HOST, rid)
    assert refusal.code == "not_registered"


async def test_a_declined_registration_has_a_reason() -> None:
    s = Scenario()
    rid = await s.registration_open()
    await s.when(registration(1), company(1), rid)
    decline = DeclineRegistration(company_id=company_id(1), reason="不属于本场对接领域")
    assert await s.when(decline, HOST, rid) == ["RegistrationDeclined"]
    assert (await state(s, rid)).registrations[company_id(1)].seat is Seat.DECLINED
    refusal = await s.refused(registration(1), company(1), rid)
    assert isinstance(refusal, StateConflict)


async def test_szse_invitations_are_marked_and_are_listed_companies() -> None:
    s = Scenario()
    rid = await s.registration_open()
    invited = registration(5, kind="listed_company", name="某新能源股份有限公司")
    assert await s.when(invited, SZSE, rid) == ["CompanyRegistered"]
    await s.when(registration(6, kind="park"), company(6), rid)
    payloads = await s.payloads(rid)
    marks = {p["company_id"]: p["invited_by_szse"] for p in payloads[2:]}
    assert marks == {company_id(5): True, company_id(6): False}
    assert payloads[2]["registered_by"] == "szse-1"
    refusal = await s.refused(registration(7, kind="tech_company"), SZSE, rid)
    assert refusal.code == "szse_invites_listed"
    refusal = await s.refused(registration(8), AGENCY, rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "registrars_only"


async def test_over_capacity_goes_to_the_waiting_list_which_moves_up_on_a_cancellation() -> None:
    s = Scenario()
    rid = await s.with_attendees(1, 2, 3)  # capacity 3
    for n in (4, 5):
        await s.when(registration(n), company(n), rid)
        await s.when(ApproveRegistration(company_id=company_id(n)), HOST, rid)
    loaded = (await s.store.load(rid)).events
    *_, fourth, fifth = [e.payload for e in loaded if e.event_type == "RegistrationApproved"]
    assert (fourth["waitlisted"], fourth["waitlist_position"]) == (True, 1)
    assert (fifth["waitlisted"], fifth["waitlist_position"]) == (True, 2)
    roadshow = await state(s, rid)
    assert roadshow.seats_left == 0
    assert roadshow.waitlist == [company_id(4), company_id(5)]

    cancel = CancelRegistration(company_id=company_id(2), reason="日程冲突")
    assert await s.when(cancel, company(2), rid) == ["RegistrationCancelled"]
    assert (await s.payloads(rid))[-1]["promoted"] == company_id(4)
    roadshow = await state(s, rid)
    assert roadshow.confirmed == [company_id(1), company_id(3), company_id(4)]
    assert roadshow.waitlist == [company_id(5)]

    # a waiting company leaving promotes nobody; a declined one leaves the list
    await s.when(CancelRegistration(company_id=company_id(5)), company(5), rid)
    assert (await s.payloads(rid))[-1]["promoted"] is None
    assert (await state(s, rid)).waitlist == []


async def test_the_host_declines_from_the_waiting_list_and_companies_cancel_only_their_own() -> (
    None
):
    s = Scenario()
    rid = await s.with_attendees(1, 2, 3, 4)
    assert (await state(s, rid)).waitlist == [company_id(4)]
    await s.when(DeclineRegistration(company_id=company_id(4), reason="名额已满"), HOST, rid)
    assert (await state(s, rid)).waitlist == []
    refusal = await s.refused(CancelRegistration(company_id=company_id(1)), company(2), rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "not_your_registration"
    await s.when(CancelRegistration(company_id=company_id(1)), HOST, rid)
    refusal = await s.refused(CancelRegistration(company_id=company_id(1)), HOST, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "not_active"
    # a cancelled company may register again
    assert await s.when(registration(1), company(1), rid) == ["CompanyRegistered"]


# the shortlist, coaching, live


async def test_status_runs_from_plan_to_conclusion() -> None:
    s = Scenario()
    rid = await s.with_attendees(1)
    statuses = [(await state(s, rid)).status]
    assert await s.when(scenarios.shortlist(), HOST, rid) == ["ShortlistReceived"]
    statuses.append((await state(s, rid)).status)
    assert await s.when(coaching(), SZSE, rid) == ["CoachingSessionHeld"]
    statuses.append((await state(s, rid)).status)
    assert await s.when(StartRoadshow(), HOST, rid) == ["RoadshowStarted"]
    statuses.append((await state(s, rid)).status)
    # no review assigned: closing an empty review is still needed before concluding
    refusal = await s.refused(ConcludeRoadshow(), HOST, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "review_open"
    assert statuses == [
        EventStatus.REGISTRATION_OPEN,
        EventStatus.SHORTLIST_RECEIVED,
        EventStatus.COACHING,
        EventStatus.LIVE,
    ]


async def test_steps_out_of_order_are_refused() -> None:
    s = Scenario()
    rid = await s.planned()
    refusal = await s.refused(scenarios.shortlist(), HOST, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "wrong_status"
    await s.when(OpenRegistration(), HOST, rid)
    refusal = await s.refused(StartRoadshow(), HOST, rid)
    assert isinstance(refusal, StateConflict)
    refusal = await s.refused(coaching(), SZSE, rid)
    assert isinstance(refusal, StateConflict)
    refusal = await s.refused(ConcludeRoadshow(), HOST, rid)
    assert isinstance(refusal, StateConflict)


async def test_coaching_is_recorded_per_shortlisted_project_by_coaches() -> None:
    s = Scenario()
    rid = await s.with_attendees(1)
    await s.when(scenarios.shortlist(), HOST, rid)
    await s.when(coaching("ach-01"), SZSE, rid)
    await s.when(coaching("ach-01"), AGENCY, rid)
    await s.when(coaching("ach-02"), HOST, rid)
    sessions = (await state(s, rid)).coaching
    assert {k: len(v) for k, v in sessions.items()} == {"ach-01": 2, "ach-02": 1}
    assert sessions["ach-01"][0].focus[0].value == "technology_leadership"
    refusal = await s.refused(coaching("ach-09"), SZSE, rid)
    assert refusal.code == "not_a_pitch"
    refusal = await s.refused(coaching(), company(1), rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "coaches_only"
    with pytest.raises(ValidationError):
        RecordCoachingSession.model_validate({**coaching().model_dump(), "feedback": ""})


async def test_a_shortlist_names_each_project_once() -> None:
    s = Scenario()
    rid = await s.registration_open()
    twice = scenarios.shortlist().model_copy(update={"not_selected": ["ach-01"]})
    refusal = await s.refused(twice, HOST, rid)
    assert refusal.code == "selected_and_not"


async def test_registrations_are_settled_once_live() -> None:
    s = Scenario()
    rid = await s.live(1)
    refusal = await s.refused(registration(2), company(2), rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "registration_closed"
    refusal = await s.refused(CancelRegistration(company_id=company_id(1)), company(1), rid)
    assert isinstance(refusal, StateConflict)


async def test_questions_are_logged_per_pitch_from_attending_companies() -> None:
    s = Scenario()
    rid = await s.live(1, 2)
    ask = AskQuestion(achievement_id="ach-01", question="中试线的良率是多少？")
    assert await s.when(ask, company(1), rid) == ["QuestionAsked"]
    logged = AskQuestion(achievement_id="ach-02", question="运维成本？", company_id=company_id(2))
    assert await s.when(logged, HOST, rid) == ["QuestionAsked"]
    refusal = await s.refused(ask, company(7), rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "not_attending"
    refusal = await s.refused(
        AskQuestion(achievement_id="ach-09", question="？？"), company(1), rid
    )
    assert refusal.code == "not_a_pitch"
    refusal = await s.refused(AskQuestion(achievement_id="ach-01", question="代录"), HOST, rid)
    assert refusal.code == "company_required"


async def test_intents_are_declared_by_attending_companies_on_offered_projects() -> None:
    s = Scenario()
    rid = await s.live(1)
    intent = DeclareIntent.model_validate(
        {"achievement_id": "ach-01", "modes": ["license", "joint_development"]}
    )
    assert await s.when(intent, company(1), rid) == ["IntentDeclared"]
    online = DeclareIntent.model_validate({"achievement_id": "ach-09", "modes": ["transfer"]})
    assert await s.when(online, company(1), rid) == ["IntentDeclared"]
    unknown = DeclareIntent.model_validate({"achievement_id": "ach-77", "modes": ["transfer"]})
    refusal = await s.refused(unknown, company(1), rid)
    assert refusal.code == "not_offered"
    refusal = await s.refused(intent, HOST, rid)
    assert isinstance(refusal, Forbidden)
