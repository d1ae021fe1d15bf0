"""Screening's ``roadshows`` reaction: a planned roadshow opens its screening round, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from screening.application.reactions import OpenRoundsForRoadshows, round_of_roadshow
from screening.bootstrap import bootstrap
from screening.config import ScreeningSettings
from screening.domain.commands import OpenScreeningRound
from ztc_shared.application import CommandContext
from ztc_shared.auth import Role
from ztc_shared.domain import StateConflict
from ztc_shared.events import EventEnvelope
from ztc_shared.eventstore.memory import InMemoryEventStore

PLANNED: dict[str, Any] = {
    "year": 2026,
    "host_id": "host-sz",
    "title": "深圳新能源专场",
    "fields": ["new_energy"],
    "industry_needs": "储能电池回收",
    "region": "440300",
    "event_date": "2026-06-18",
    "venue": "深圳会展中心",
    "format": "on_site",
    "capacity": 200,
    "agenda": [
        {
            "kind": "pitches",
            "title": "项目路演",
            "starts_at": "2026-06-18T09:30:00+08:00",
            "minutes": 120,
        }
    ],
    "plan_text": "本场路演聚焦新能源领域",
}


def planned(event_type: str = "RoadshowPlanned") -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=1,
        stream_id="roadshow-1",
        stream_type="roadshow_event",
        stream_version=1,
        occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
        region="440000",
        actor="host-sz",
        correlation_id="corr-9",
        payload=PLANNED,
    )


async def test_a_planned_roadshow_opens_its_round_once_as_its_host() -> None:
    store = InMemoryEventStore()
    reactor = OpenRoundsForRoadshows(bootstrap(ScreeningSettings(), store=store))
    event = planned()
    await reactor.react(event)
    await reactor.react(event)  # redelivered
    await reactor.react(planned())  # the same plan delivered as another event: still one round
    loaded = await store.load(round_of_roadshow("roadshow-1"))
    assert [e.event_type for e in loaded.events] == ["ScreeningRoundOpened"]
    opened = loaded.events[0]
    assert opened.payload["roadshow_ref"] == "roadshow-1"
    assert opened.payload["host_id"] == "host-sz"
    assert opened.payload["fields"] == ["new_energy"]
    assert opened.payload["region"] == "440300"
    assert opened.payload["longlist_target"] == 100
    assert opened.causation_id == str(event.event_id)
    assert opened.correlation_id == "corr-9"


async def test_other_roadshow_events_open_nothing() -> None:
    store = InMemoryEventStore()
    reactor = OpenRoundsForRoadshows(bootstrap(ScreeningSettings(), store=store))
    await reactor.react(planned("RegistrationOpened"))
    assert (await store.load(round_of_roadshow("roadshow-1"))).version == 0


async def test_a_round_opened_by_hand_is_the_roadshows_one_round() -> None:
    store = InMemoryEventStore()
    screening = bootstrap(ScreeningSettings(), store=store)
    host = CommandContext(
        actor="host-sz", role=Role.HOST.value, region="440000", correlation_id="c"
    )
    by_hand = OpenScreeningRound(
        roadshow_ref="roadshow-1",
        title="深圳新能源专场（手工启动）",
        fields=["new_energy"],
        industry_needs="储能电池回收",
        region="440300",
    )
    opened = await screening.handle(by_hand, host)
    assert opened.stream_id == round_of_roadshow("roadshow-1")
    await OpenRoundsForRoadshows(screening).react(planned())  # the plan arrives later
    loaded = await store.load(round_of_roadshow("roadshow-1"))
    assert [e.event_type for e in loaded.events] == ["ScreeningRoundOpened"]
    assert loaded.events[0].payload["title"] == "深圳新能源专场（手工启动）"
    with pytest.raises(StateConflict) as again:
        await screening.handle(by_hand, host)
    assert again.value.code == "already_opened"
    assert (await store.load(round_of_roadshow("roadshow-1"))).version == 1
