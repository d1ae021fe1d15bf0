"""The MongoDB event store passes the same contract as the fake, on the real server."""

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.mongo import NotPortable
from ztc_shared.testing.eventstore_contract import T0, EventStoreContract, drafted, envelopes

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str) -> MongoEventStore:
    store = MongoEventStore(mongo_client[f"{run_id}_eventstore_contract"])
    await store.ensure_indexes()
    return store


class TestMongoEventStore(EventStoreContract):
    pass


async def test_documents_outside_the_portable_subset_are_refused_whole(
    store: MongoEventStore,
) -> None:
    stream = "portable-check"
    bad = envelopes(stream, 1, drafted())[0].model_copy(update={"payload": {"a.b": 1}})
    with pytest.raises(NotPortable):
        await store.append(
            stream_id=stream,
            stream_type="achievement",
            expected_version=0,
            events=[bad],
            committed_at=T0,
        )
    assert (await store.load(stream)).version == 0
