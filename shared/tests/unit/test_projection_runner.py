"""Given messages, the runner applies each event once, in order, and dead-letters what it cannot."""

from collections.abc import Sequence
from typing import Any

import pytest

from ztc_shared.contracts.intake import AchievementSubmitted
from ztc_shared.events import EventEnvelope, encode_event
from ztc_shared.projections import InMemoryProjectionStore, Message, ProjectionRunner
from ztc_shared.projections.store import CachedProjectionStore
from ztc_shared.testing.eventstore_contract import drafted, envelopes
from ztc_shared.testing.projection_store_contract import ProjectionStoreContract


class CountingProjector:
    """Counts applications per document, so double application would show."""

    def document_id(self, event: EventEnvelope) -> str | None:
        return None if event.event_type == "Ignored" else event.stream_id

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        if event.payload.get("call_id") == "poison":
            raise ValueError("this projector refuses poison")
        document = document or {"applied": 0, "types": []}
        document["applied"] += 1
        document["types"] = [*document["types"], event.event_type]
        document["stream_version"] = event.stream_version
        return document


def messages(*envs: EventEnvelope, start: int = 0) -> list[Message]:
    return [
        Message("ztc.intake.events", 0, start + i, e.stream_id.encode(), encode_event(e))
        for i, e in enumerate(envs)
    ]


def runner(store: InMemoryProjectionStore) -> ProjectionRunner:
    return ProjectionRunner("counting", CountingProjector(), store)


async def test_events_apply_in_order_once() -> None:
    store = InMemoryProjectionStore()
    events = envelopes("a-1", 1, drafted(), AchievementSubmitted())
    outcome = await runner(store).handle(messages(*events))
    assert (outcome.applied, outcome.skipped, outcome.dead_letters) == (2, 0, [])
    document = store.documents["a-1"]
    assert document["types"] == ["AchievementDrafted", "AchievementSubmitted"]
    assert document["_versions"] == {"a-1": 2}


async def test_redelivered_events_change_nothing() -> None:
    store = InMemoryProjectionStore()
    events = envelopes("a-1", 1, drafted(), AchievementSubmitted())
    await runner(store).handle(messages(*events))
    before = dict(store.documents["a-1"])
    outcome = await runner(store).handle(messages(*events, *events))
    assert (outcome.applied, outcome.skipped) == (0, 4)
    assert store.documents["a-1"] == before


async def test_a_batch_holding_a_duplicate_applies_it_once() -> None:
    store = InMemoryProjectionStore()
    first, second = envelopes("a-1", 1, drafted(), AchievementSubmitted())
    outcome = await runner(store).handle(messages(first, first, second, second))
    assert (outcome.applied, outcome.skipped) == (2, 2)
    assert store.documents["a-1"]["applied"] == 2


async def test_undecodable_and_refused_messages_become_dead_letters_and_the_rest_goes_on() -> None:
    store = InMemoryProjectionStore()
    good = envelopes("a-1", 1, drafted())[0]
    poison = envelopes("a-2", 1, AchievementSubmitted(call_id="poison"))[0]
    after = envelopes("a-3", 1, drafted())[0]
    batch = [
        Message("ztc.intake.events", 0, 0, b"x", b"{not json"),
        *messages(good, poison, after, start=1),
    ]
    outcome = await runner(store).handle(batch)
    assert outcome.applied == 2
    reasons = {letter.message.offset: letter.reason for letter in outcome.dead_letters}
    assert set(reasons) == {0, 2}
    assert reasons[0].startswith("undecodable")
    assert "refuses poison" in reasons[2]
    assert set(store.documents) == {"a-1", "a-3"}


async def test_ignored_events_are_skipped() -> None:
    store = InMemoryProjectionStore()
    ignored = envelopes("a-1", 1, drafted())[0].model_copy(update={"event_type": "Ignored"})
    outcome = await runner(store).handle(messages(ignored))
    assert (outcome.applied, outcome.skipped) == (0, 1)
    assert store.documents == {}


class TestInMemoryProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def projection_store(self) -> InMemoryProjectionStore:
        return InMemoryProjectionStore()


class TestCachedProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def projection_store(self) -> CachedProjectionStore:
        return CachedProjectionStore(InMemoryProjectionStore(), size=100)


class FailingStore(InMemoryProjectionStore):
    def __init__(self) -> None:
        super().__init__()
        self.fail = False
        self.loads: list[list[str]] = []

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        self.loads.append(list(ids))
        return await super().load(ids)

    async def write(self, documents: dict[str, dict[str, Any]], new: set[str]) -> None:
        if self.fail:
            raise ConnectionError("database went away")
        await super().write(documents, new)


async def test_the_cache_reads_only_what_it_does_not_hold_and_forgets_on_demand() -> None:
    inner = FailingStore()
    cached = CachedProjectionStore(inner, size=2)
    await cached.write({"a": {"_id": "a", "v": 1}, "b": {"_id": "b", "v": 1}}, {"a", "b"})
    await cached.write({"c": {"_id": "c", "v": 1}}, {"c"})  # "a" falls out: the size is 2

    assert set(await cached.load(["a", "b", "c"])) == {"a", "b", "c"}
    assert inner.loads == [["a"]]

    inner.documents["b"] = {"_id": "b", "v": 9}  # another writer, after a rebalance
    cached.forget_all()
    assert (await cached.load(["b"]))["b"]["v"] == 9
    assert inner.loads[-1] == ["b"]


async def test_a_failed_write_is_not_remembered() -> None:
    inner = FailingStore()
    cached = CachedProjectionStore(inner, size=10)
    await cached.write({"a": {"_id": "a", "v": 1}}, {"a"})
    inner.fail = True
    with pytest.raises(ConnectionError):
        await cached.write({"a": {"_id": "a", "v": 2}}, set())

    assert (await cached.load(["a"]))["a"]["v"] == 1
    assert inner.loads == [["a"]]
