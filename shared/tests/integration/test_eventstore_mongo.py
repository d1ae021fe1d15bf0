"""The MongoDB event store passes the same contracts as the fake (both sides), on the real server."""

import uuid
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.mongo import NotPortable
from ztc_shared.testing.eventstore_contract import (
    T0,
    CommandStoreContract,
    append,
    drafted,
    envelopes,
)
from ztc_shared.testing.outbox_contract import OutboxContract

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str) -> MongoEventStore:
    store = MongoEventStore(mongo_client[f"{run_id}_eventstore_contract"])
    await store.ensure_indexes()
    return store


class TestMongoCommandStore(CommandStoreContract):
    pass


class TestMongoOutbox(OutboxContract):
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


async def test_a_commit_whose_outbox_entry_was_lost_is_swept_back_in_order(
    store: MongoEventStore, mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    from datetime import timedelta

    from ztc_shared.contracts.intake import AchievementSubmitted

    stream = "swept-stream"
    first = await append(store, stream, 0, drafted())
    # A crash between the commit and its outbox entry:
    await mongo_client[f"{run_id}_eventstore_contract"]["outbox"].delete_one(
        {"_id": first.commit_id}
    )
    second = await append(store, stream, 1, AchievementSubmitted(), at=T0 + timedelta(seconds=1))
    pending = [c.commit_id for c in await store.unpublished(10_000) if c.stream_id == stream]
    assert pending == []  # version 2 waits for version 1: never out of order
    assert await store.sweep() >= 1
    pending = [c.commit_id for c in await store.unpublished(10_000) if c.stream_id == stream]
    assert pending == [first.commit_id, second.commit_id]


async def test_a_retry_after_a_crash_that_lost_both_helper_entries_puts_the_outbox_entry_back(
    store: MongoEventStore, mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    database = mongo_client[f"{run_id}_eventstore_contract"]
    key = f"intake:DraftAchievement|holder|{uuid.uuid4()}"

    async def draft() -> Any:
        stream = str(uuid.uuid4())  # a command that makes a new stream names a new one each run
        return await store.append(
            stream_id=stream,
            stream_type="achievement",
            expected_version=0,
            events=envelopes(stream, 1, drafted()),
            committed_at=T0,
            idempotency=key,
        )

    first = await draft()
    # The process died right after the commit: its outbox entry and idempotency record are lost.
    await database["outbox"].delete_one({"_id": first.commit_id})
    await database["idempotency"].delete_one({"_id": key})
    assert await store.find_by_idempotency(key) is None

    retried = await draft()  # the client's retry, with the same key
    assert retried.commit_id == first.commit_id
    assert await database["commits"].count_documents({"idempotency": key}) == 1
    # Back in the outbox now, not only at the relay's next sweep.
    assert await database["outbox"].count_documents({"_id": first.commit_id}) == 1
    pending = [c.commit_id for c in await store.unpublished(10_000)]
    assert first.commit_id in pending
