"""The calendar projection: every roadshow's plan, status and counts, from its events."""

from __future__ import annotations

from typing import Any

from roadshow.application.calendar import CalendarProjector, calendar_definition
from roadshow.domain.commands import (
    ApproveRegistration,
    AssignExpert,
    CancelRegistration,
    CloseReviewWindow,
    ConcludeRoadshow,
    DeclareIntent,
)
from ztc_shared.contracts.roadshow import review_id

from .roadshow_scenarios import HOST, Scenario, company, company_id, registration


async def project(s: Scenario, stream_id: str) -> dict[str, Any] | None:
    projector = CalendarProjector()
    document: dict[str, Any] | None = None
    for event in (await s.store.load(stream_id)).events:
        assert projector.document_id(event) == stream_id
        document = projector.apply(document, event)
    return document


async def test_seats_are_counted_as_registrations_come_and_go() -> None:
    s = Scenario()
    rid = await s.with_attendees(1, 2, 3)  # capacity 3
    full = await project(s, rid)
    assert full is not None
    assert (full["status"], full["status_name"]) == ("registration_open", "报名中")
    assert (full["confirmed"], full["seats_left"], full["waitlisted"]) == (3, 0, 0)
    assert full["event_date"] == "2026-06-18" and full["format_name"]

    await s.when(registration(4), company(4), rid)
    await s.when(ApproveRegistration(company_id=company_id(4)), HOST, rid)  # onto the waiting list
    waiting = await project(s, rid)
    assert waiting is not None and waiting["waitlisted"] == 1
    await s.when(CancelRegistration(company_id=company_id(1)), company(1), rid)  # 4 moves up
    await s.when(CancelRegistration(company_id=company_id(2)), company(2), rid)  # a seat frees
    document = await project(s, rid)
    assert document is not None
    assert (document["confirmed"], document["waitlisted"], document["seats_left"]) == (2, 0, 1)
    assert "seats" in document  # kept for counting; readers never get it (PUBLIC_KEYS)


async def test_a_concluded_roadshow_shows_its_outcome() -> None:
    s = Scenario()
    rid = await s.live(1)
    intent = DeclareIntent.model_validate({"achievement_id": "ach-01", "modes": ["license"]})
    await s.when(intent, company(1), rid)
    await s.when(CloseReviewWindow(), HOST, rid)
    await s.when(ConcludeRoadshow(summary="圆满结束"), HOST, rid)
    concluded = await project(s, rid)
    assert concluded is not None
    assert (concluded["status"], concluded["status_name"]) == ("concluded", "已结束")
    assert [p["achievement_id"] for p in concluded["pitches"]] == ["ach-01", "ach-02", "ach-03"]
    assert concluded["intents"] == 1
    assert concluded["outcome"]["intents"] == 1
    assert concluded["outcome"]["online_channel"] == 1
    assert concluded["outcome"]["attendees"] == 1


async def test_other_streams_are_not_the_calendars() -> None:
    s = Scenario()
    rid = await s.live(1)
    await s.when(AssignExpert(expert_id="e1", name="赵专家", institution="某研究院"), HOST, rid)
    review = (await s.store.load(review_id(rid))).events
    assert review and all(CalendarProjector().document_id(e) is None for e in review)
    assert calendar_definition("t1.").topics == ("t1.ztc.roadshow.events",)
