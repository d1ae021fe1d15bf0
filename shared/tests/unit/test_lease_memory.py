from typing import Any

import pytest

from ztc_shared.clock import FixedClock
from ztc_shared.relay import InMemoryLease
from ztc_shared.testing.lease_contract import TTL, LeaseContract, LeaseFactory


class TestInMemoryLease(LeaseContract):
    @pytest.fixture
    def make_lease(self) -> LeaseFactory:
        state: dict[str, Any] = {}

        def make(owner: str, clock: FixedClock) -> InMemoryLease:
            return InMemoryLease(state, owner, ttl=TTL, clock=clock)

        return make
