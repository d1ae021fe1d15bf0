"""The counter store contract, passed by the in-memory fake and by MongoDB (FerretDB here): a
document is stored only at the revision it was read at, so two writers never both add to it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from dashboard.adapters.counters import (
    CountedMessage,
    CounterStore,
    InMemoryCounterStore,
    MongoCounterStore,
    count,
)
from dashboard.domain.funnel import Fact, Stage

pytestmark = pytest.mark.integration


@pytest.fixture(params=["memory", "mongo"])
async def store(
    request: pytest.FixtureRequest, mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> AsyncIterator[CounterStore]:
    if request.param == "memory":
        yield InMemoryCounterStore()
        return
    database = mongo_client[f"{run_id}_dashboard_contract"]
    collection = database[f"counters_{uuid.uuid4().hex[:8]}"]
    yield MongoCounterStore(collection)
    await collection.drop()


async def test_a_document_is_stored_only_at_the_revision_it_was_read_at(
    store: CounterStore,
) -> None:
    assert await store.save({"_id": "national", "_rev": 1, "n": 1}, None)
    assert not await store.save({"_id": "national", "_rev": 1, "n": 2}, None)
    assert await store.save({"_id": "national", "_rev": 2, "n": 3}, 1)
    assert not await store.save({"_id": "national", "_rev": 2, "n": 4}, 1)
    loaded = await store.load(["national", "province:110000"])
    assert list(loaded) == ["national"] and loaded["national"]["n"] == 3


async def test_counting_a_batch_again_adds_nothing(store: CounterStore) -> None:
    facts = (Fact(stage=Stage.COLLECTED, region="440000", year=2026, field="biotech"),)
    batch = [CountedMessage("gd.ztc.intake.events", 2, offset, facts) for offset in range(3)]
    # The province's counters, the nation's, and the province's fine cells.
    assert await count(store, batch) == 3
    assert await count(store, batch) == 0
    loaded = await store.load(["national", "province:440000"])
    assert [d["stages"]["collected"]["n"] for d in loaded.values()] == [3, 3]
    assert loaded["national"]["_marks"] == {"gd:ztc:intake:events~2": 2}
