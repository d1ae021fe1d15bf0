"""A batch of events in: facts remembered, deliveries planned once, history not announced, an
unplannable event dead-lettered while the rest of the batch goes on."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from notify.adapters.memory import InMemoryDirectory, InMemoryLedger
from notify.application import reactions
from notify.application.facts import FactsProjector, StoredFacts, achievement_fact
from notify.application.intake import EventIntake
from notify.application.reactions import Audience, Reaction
from notify.application.rendering import Renderer
from notify.domain.recipients import Topic
from notify.testing.scenario import NOW
from ztc_shared.clock import FixedClock
from ztc_shared.contracts.intake import AchievementDrafted, AchievementReturned
from ztc_shared.contracts.intake import Channel as Via
from ztc_shared.contracts.screening import LonglistPublished
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import DomainEvent, EventEnvelope, new_envelope
from ztc_shared.events.codec import encode_event
from ztc_shared.projections import InMemoryProjectionStore, Message, ProjectionRunner
from ztc_shared.projections.processing import BatchProcessor, CollectingDeadLetterSink

ACME = "91440300MA5ACME001"


def envelope(payload: DomainEvent, stream_id: str, version: int, age: timedelta) -> EventEnvelope:
    return new_envelope(
        payload,
        stream_id=stream_id,
        stream_version=version,
        occurred_at=NOW - age,
        region="440000",
        actor="someone",
        correlation_id=str(uuid.uuid4()),
    )


def messages(*events: EventEnvelope) -> list[Message]:
    return [
        Message(topic="t", partition=0, offset=i, key=None, value=encode_event(e))
        for i, e in enumerate(events)
    ]


class World:
    def __init__(self) -> None:
        self.store = InMemoryProjectionStore()
        self.letters = CollectingDeadLetterSink()
        self.ledger = InMemoryLedger()
        self.woken = 0
        self.intake = EventIntake(
            BatchProcessor(ProjectionRunner("facts", FactsProjector(), self.store), self.letters),
            StoredFacts(self.store),
            InMemoryDirectory(),
            self.ledger,
            Renderer(),
            self.letters,
            FixedClock(NOW),
            on_added=self.wake,
            max_age=timedelta(days=14),
        )

    def wake(self) -> None:
        self.woken += 1


def drafted() -> AchievementDrafted:
    return AchievementDrafted(
        title="视觉大模型",
        abstract="摘要",
        field=IndustryField.NEXT_GEN_IT,
        trl=7,
        holder_name="王五",
        institution="华南理工大学",
        channel=Via.OPEN_CALL,
        holder_id="holder-wang",
    )


async def test_a_batch_is_planned_once_however_often_it_comes_and_wakes_the_dispatchers() -> None:
    world = World()
    batch = messages(
        envelope(drafted(), "a-1", 1, timedelta(days=30)),
        envelope(AchievementReturned(reasons=["补充材料"]), "a-1", 2, timedelta(minutes=5)),
    )
    assert await world.intake.process(batch) == 1
    assert await world.intake.process(batch) == 0
    assert world.woken == 1
    [delivery] = world.ledger.deliveries.values()
    assert delivery.recipient == "holder-wang" and "视觉大模型" in delivery.subject


async def test_history_is_remembered_but_not_announced() -> None:
    world = World()
    old = timedelta(days=400)
    batch = messages(
        envelope(drafted(), "a-1", 1, old),
        envelope(AchievementReturned(reasons=["补充材料"]), "a-1", 2, old),
    )
    assert await world.intake.process(batch) == 0
    assert world.ledger.deliveries == {}
    fact = await StoredFacts(world.store).get(achievement_fact("a-1"))
    assert fact is not None and fact["holder_id"] == "holder-wang"


async def test_an_event_that_cannot_be_planned_is_dead_lettered_and_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(event: EventEnvelope, facts: object) -> Audience:
        raise KeyError("a field this reaction expected")

    monkeypatch.setitem(
        reactions.REACTIONS,
        "AchievementReturned",
        Reaction("achievement_returned", Topic.ACHIEVEMENTS, True, broken),
    )
    world = World()
    batch = [
        *messages(
            envelope(AchievementReturned(reasons=["补充材料"]), "a-1", 1, timedelta(0)),
            envelope(
                LonglistPublished(candidate_ids=["a-1"], company_ids=[ACME]), "r-1", 1, timedelta(0)
            ),
        ),
        Message(topic="t", partition=0, offset=9, key=None, value=b"not an event"),
    ]
    assert await world.intake.process(batch) == 1
    reasons = sorted(letter.reason.split(":")[0] for letter in world.letters.letters)
    assert reasons == ["planning failed", "undecodable"]
    [delivery] = world.ledger.deliveries.values()
    assert delivery.recipient == ACME
