"""The registrants port: the contract both the in-memory fake and MongoDB keep, and the reaction
and the push that use it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from screening.adapters.registrants import MongoRegistrants
from screening.application.reactions import OpenRoundsForRoadshows, round_of_roadshow
from screening.application.registrants import InMemoryRegistrants, Registrants
from screening.bootstrap import bootstrap
from screening.config import ScreeningSettings
from screening.domain.commands import LonglistCandidate, PublishLonglist
from ztc_shared.application import CommandContext
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.domain import DomainError
from ztc_shared.events import EventEnvelope
from ztc_shared.eventstore.memory import InMemoryEventStore

from .test_reactions import PLANNED


def code(n: int) -> str:
    return sample_credit_code(n, series="MA5R")


async def contract(registrants: Registrants) -> None:
    assert await registrants.confirmed("roadshow-x") == []
    await registrants.record("roadshow-x", code(1), "confirmed")
    await registrants.record("roadshow-x", code(2), "waitlisted")
    await registrants.record("roadshow-x", code(3), "confirmed")
    await registrants.record("roadshow-x", code(3), "confirmed")  # again: no change
    await registrants.record("roadshow-y", code(4), "confirmed")
    assert await registrants.confirmed("roadshow-x") == [code(1), code(3)]
    await registrants.record("roadshow-x", code(1), "cancelled")
    await registrants.record("roadshow-x", code(2), "confirmed")
    assert sorted(await registrants.confirmed("roadshow-x")) == [code(2), code(3)]
    assert await registrants.confirmed("roadshow-y") == [code(4)]


async def test_the_in_memory_registrants_keep_the_contract() -> None:
    await contract(InMemoryRegistrants())


@pytest.mark.integration
async def test_mongodb_registrants_keep_the_contract(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    database = mongo_client[f"{run_id}_registrants_{uuid.uuid4().hex[:6]}"]
    await contract(MongoRegistrants(database))


def event(event_type: str, payload: dict[str, Any], n: int = 1) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=1,
        stream_id="roadshow-1",
        stream_type="roadshow_event",
        stream_version=n,
        occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
        region="440000",
        actor="host-sz",
        correlation_id="corr",
        payload=payload,
    )


class FakeLibrary:
    async def get(self, achievement_id: str) -> dict[str, Any] | None:
        return {"title": f"成果{achievement_id}", "field": "new_energy", "status": "admitted"}


@pytest.fixture
def screening_with() -> Callable[[], Any]:
    def build() -> Any:
        return bootstrap(
            ScreeningSettings(),
            store=InMemoryEventStore(),
            library=FakeLibrary(),
            registrants=InMemoryRegistrants(),
        )

    return build


async def test_a_push_without_companies_goes_to_the_approved_registrants(
    screening_with: Callable[[], Any],
) -> None:
    app = screening_with()
    reactor = OpenRoundsForRoadshows(app)
    await reactor.react(event("RoadshowPlanned", PLANNED))
    host = CommandContext(actor="host-sz", region="440000", correlation_id="c", role="host")
    round_id = round_of_roadshow("roadshow-1")
    for n in range(1, 11):
        await app.handle(
            LonglistCandidate(achievement_id=f"a{n}", reason="契合主题"), host, round_id
        )

    with pytest.raises(DomainError) as nobody:
        await app.handle(PublishLonglist(), host, round_id)
    assert nobody.value.code == "no_companies"

    approved = {"company_id": code(1), "waitlisted": False}
    await reactor.react(event("RegistrationApproved", approved, 2))
    await reactor.react(
        event("RegistrationApproved", {"company_id": code(2), "waitlisted": True}, 3)
    )
    await reactor.react(
        event("RegistrationApproved", {"company_id": code(3), "waitlisted": False}, 4)
    )
    await reactor.react(
        event("RegistrationCancelled", {"company_id": code(3), "promoted": code(2)}, 5)
    )
    result = await app.handle(PublishLonglist(), host, round_id)
    [published] = [e for e in result.events if e.event_type == "LonglistPublished"]
    assert sorted(published.payload["company_ids"]) == sorted([code(1), code(2)])
