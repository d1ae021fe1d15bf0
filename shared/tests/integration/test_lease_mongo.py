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
