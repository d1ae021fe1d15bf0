"""Roadshow's ``screening`` reaction: screening's finalised shortlist reaches the stage by itself,
once however often it is delivered, with the holders and institutions intake told of."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from roadshow.application.reactions import FollowScreening
from roadshow.domain.commands import SetUpMeetings
from ztc_shared.contracts.roadshow import meetings_id
from ztc_shared.domain import StateConflict
from ztc_shared.events import EventEnvelope

from .roadshow_scenarios import HOST, Scenario, company_id
from .test_online_channel import ChannelScenario


def envelope(
    event_type: str, stream_id: str, payload: dict[str, Any], version: int = 1
) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=1,
        stream_id=stream_id,
        stream_type="x",
        stream_version=version,
        occurred_at=datetime(2026, 5, 1, tzinfo=UTC),
        region="440000",
        actor="agency-1",
        correlation_id="corr-1",
        payload=payload,
    )


def drafted(achievement_id: str, title: str, institution: str, holder: str) -> EventEnvelope:
    return envelope(
        "AchievementDrafted",
        achievement_id,
        {"title": title, "institution": institution, "holder_name": "张三", "field": "new_energy"},
    ).model_copy(update={"actor": holder})


def round_events(roadshow_id: str) -> list[EventEnvelope]:
    return [
        envelope(
            "ScreeningRoundOpened",
            "round-r1",
            {"roadshow_ref": roadshow_id, "host_id": "host-sz", "title": "专场"},
        ),
        *[
            envelope(
                "CandidateLonglisted",
                "round-r1",
                {"achievement_id": f"ach-0{n}", "title": f"成果{n}", "field": "new_energy"},
                n + 1,
            )
            for n in (1, 2, 3)
        ],
    ]


def finalized() -> EventEnvelope:
    return envelope(
        "ShortlistFinalized",
        "round-r1",
        {"selected": ["ach-01", "ach-02"], "not_selected": ["ach-03"], "reasons": {}},
        5,
    )


async def fed(s: ChannelScenario, roadshow_id: str) -> FollowScreening:
    reactor = FollowScreening(s.app, s.directory)
    await reactor.react(drafted("ach-01", "固态电池电解质（草稿题目）", "清华大学", "holder-1"))
    for event in round_events(roadshow_id):
        await reactor.react(event)
    return reactor


async def test_the_finalised_shortlist_is_received_once_however_often_it_arrives() -> None:
    s = ChannelScenario()
    rid = await s.registration_open()
    reactor = await fed(s, rid)
    event = finalized()
    await reactor.react(event)
    await reactor.react(event)  # redelivered
    types = await s.types(rid)
    assert types.count("ShortlistReceived") == 1
    received = (await s.payloads(rid))[-1]
    assert received["round_id"] == "round-r1"
    assert [p["achievement_id"] for p in received["pitches"]] == ["ach-01", "ach-02"]
    first = received["pitches"][0]
    # the round's title, intake's institution and holder
    assert first["title"] == "成果1"
    assert first["institution"] == "清华大学"
    assert first["holder_name"] == "张三"
    assert received["not_selected"] == ["ach-03"]
    store = s.store.load(f"{rid}")
    assert (await store).events[-1].causation_id == str(event.event_id)
    card = await s.directory.achievement("ach-01")
    assert card is not None and card.holder_id == "holder-1"


async def test_a_shortlist_for_a_roadshow_not_open_for_registration_is_refused() -> None:
    s = ChannelScenario()
    rid = await s.planned()
    reactor = await fed(s, rid)
    with pytest.raises(StateConflict):
        await reactor.react(finalized())
    assert "ShortlistReceived" not in await s.types(rid)


async def test_a_shortlist_given_by_hand_first_is_not_received_twice() -> None:
    s = ChannelScenario()
    rid = await s.channel_open()
    reactor = await fed(s, rid)
    await reactor.react(finalized())  # a different shortlist arrived by hand before: left alone
    assert (await s.types(rid)).count("ShortlistReceived") == 1


async def test_events_of_no_interest_change_nothing() -> None:
    s = Scenario()
    reactor = FollowScreening(s.app, s.app.ports.directory)
    await reactor.react(
        envelope("CompanyInterestRecorded", "round-r1", {"company_id": company_id(1)})
    )
    assert await s.app.ports.directory.round("round-r1") is None
    assert await s.app.ports.directory.achievement(company_id(1)) is None


async def test_the_meetings_setup_names_the_holders_intake_knows_unless_the_host_did() -> None:
    s = ChannelScenario()
    rid = await s.channel_open()
    await s.directory.remember_achievement("ach-01", {"holder_id": "holder-thu"})
    await s.directory.remember_achievement("ach-02", {"holder_id": "holder-sysu"})
    await s.when(SetUpMeetings(tables=4, holders={"ach-02": "holder-on-the-day"}), HOST, rid)
    setup = (await s.payloads(meetings_id(rid)))[-1]
    assert setup["holders"] == {"ach-01": "holder-thu", "ach-02": "holder-on-the-day"}
