import uuid
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from ztc_shared.clock import FixedClock
from ztc_shared.relay import MongoLease
from ztc_shared.testing.lease_contract import TTL, LeaseContract, LeaseFactory

pytestmark = pytest.mark.integration


class TestMongoLease(LeaseContract):
    @pytest.fixture
    def make_lease(
        self, mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
    ) -> LeaseFactory:
        collection = mongo_client[f"{run_id}_lease_contract"]["leases"]
        name = f"relay-{uuid.uuid4()}"

        def make(owner: str, clock: FixedClock) -> MongoLease:
            return MongoLease(collection, name, owner, ttl=TTL, clock=clock)

        return make


async def test_the_holder_tells_where_to_wake_it_and_a_commit_rings_it(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    """The relay's doorbell address travels with its lease; the event store rings it."""
    from datetime import UTC, datetime

    from ztc_shared.eventstore.mongo import LEASES, MongoEventStore
    from ztc_shared.relay.wake import Doorbell
    from ztc_shared.testing.eventstore_contract import T0, drafted, envelopes

    database = mongo_client[f"{run_id}_relay_wake"]
    doorbell = Doorbell()
    address = await doorbell.open("127.0.0.1")
    lease = MongoLease(
        database[LEASES],
        "relay",
        "relay-1",
        ttl=TTL,
        clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
        details={"wake": address},
    )
    try:
        assert await lease.acquire()
        assert (await database[LEASES].find_one({"_id": "relay"}))["wake"] == address
        store = MongoEventStore(database)
        await store.append(
            stream_id="woken",
            stream_type="achievement",
            expected_version=0,
            events=envelopes("woken", 1, drafted()),
            committed_at=T0,
        )
        assert await doorbell.wait(5.0) is True
    finally:
        doorbell.close()
