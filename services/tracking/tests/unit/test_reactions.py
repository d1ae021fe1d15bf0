"""Roadshow's events open tracking cases exactly once, however often they are delivered."""

from __future__ import annotations

import pytest
from tracking_scenarios import (
    ROADSHOW,
    company_id,
    concluded,
    intent,
    planned,
    roadshow_event,
    service,
    shortlist,
)

from tracking.application.reactions import CaseOpener, InMemoryRoadshowDirectory
from ztc_shared.contracts import roadshow as rs
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.tracking import intent_case_id, pitch_case_id
from ztc_shared.domain import DomainError


async def opener():  # type: ignore[no-untyped-def]
    tracking, store, _clock = service()
    reactor = CaseOpener(tracking, InMemoryRoadshowDirectory())
    await reactor.react(roadshow_event(planned()))
    await reactor.react(roadshow_event(shortlist("a1", "a2")))
    return reactor, store


async def test_a_conclusion_opens_a_case_per_pitch_and_per_intent() -> None:
    reactor, store = await opener()
    event = roadshow_event(concluded({"a1": [1, 2], "a2": []}))
    await reactor.react(event)
    pitch = await store.load(pitch_case_id(ROADSHOW, "a1"))
    assert [e.event_type for e in pitch.events] == ["TrackingCaseOpened"]
    opened = pitch.events[0]
    assert opened.payload["stage"] == "negotiating"  # the audience declared intents
    assert opened.payload["host_id"] == "host-sz"
    assert opened.payload["year"] == 2026
    assert opened.payload["field"] == "new_energy"
    assert opened.payload["cause_event_id"] == str(event.event_id)
    assert opened.causation_id == str(event.event_id)
    quiet = (await store.load(pitch_case_id(ROADSHOW, "a2"))).events[0]
    assert quiet.payload["stage"] == "pitched"
    for company in (1, 2):
        case = await store.load(intent_case_id("a1", company_id(company)))
        assert case.events[0].payload["kind"] == "intent"
        assert case.events[0].payload["company_id"] == company_id(company)
    assert (await store.load(intent_case_id("a2", company_id(1)))).version == 0


async def test_a_redelivered_conclusion_opens_nothing_more() -> None:
    reactor, store = await opener()
    event = roadshow_event(concluded({"a1": [1]}))
    await reactor.react(event)
    await reactor.react(event)  # the same delivery again
    await reactor.react(roadshow_event(concluded({"a1": [1]})))  # or resent as a new event
    assert (await store.load(pitch_case_id(ROADSHOW, "a1"))).version == 1
    assert (await store.load(intent_case_id("a1", company_id(1)))).version == 1


async def test_an_intent_then_the_conclusion_listing_it_is_one_case() -> None:
    reactor, store = await opener()
    declared = roadshow_event(intent("a1", 3))
    await reactor.react(declared)
    await reactor.react(roadshow_event(concluded({"a1": [3]})))
    case = await store.load(intent_case_id("a1", company_id(3)))
    assert case.version == 1
    assert case.events[0].payload["cause"] == "intent_on_stage"
    assert case.events[0].causation_id == str(declared.event_id)


async def test_the_online_channel_opens_an_intent_case_keyed_by_achievement_and_company() -> None:
    reactor, store = await opener()
    accepted = rs.OnlineMeetingAccepted(
        roadshow_id=ROADSHOW,
        achievement_id="a9",
        company_id=company_id(4),
        modes=[TransferMode.TRANSFER],
        accepted_by="holder-1",
    )
    await reactor.react(roadshow_event(accepted, f"online-{ROADSHOW}"))
    # The same pair through an IntentDeclared with the channel marked: still the same case.
    payload = intent("a9", 4)
    declared = roadshow_event(payload)
    declared = declared.model_copy(update={"payload": {**declared.payload, "channel": "online"}})
    await reactor.react(declared)
    case = await store.load(intent_case_id("a9", company_id(4)))
    assert case.version == 1
    assert case.events[0].payload["cause"] == "intent_online"
    assert case.events[0].payload["host_id"] == "host-sz"


async def test_other_roadshow_events_open_nothing() -> None:
    reactor, store = await opener()
    await reactor.react(roadshow_event(rs.RegistrationOpened()))
    assert await store.unpublished(100) == []


async def test_a_cause_that_cannot_open_a_case_is_refused_not_retried() -> None:
    reactor, store = await opener()
    declared = roadshow_event(intent("a1", 5))
    bad_code = company_id(5)[:17] + ("1" if company_id(5)[17] == "0" else "0")
    declared = declared.model_copy(update={"payload": {**declared.payload, "company_id": bad_code}})
    with pytest.raises(DomainError) as refused:
        await reactor.react(declared)
    assert refused.value.code == "case.invalid_cause"
    assert await store.unpublished(100) == []
