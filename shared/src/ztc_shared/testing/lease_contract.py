"""The lease contract, passed by the in-memory lease and the MongoDB lease.

Subclass ``LeaseContract`` and provide ``make_lease(owner, clock)``: leases it makes share one state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from ztc_shared.clock import FixedClock
from ztc_shared.relay.lease import Lease


class LeaseFactory(Protocol):
    def __call__(self, owner: str, clock: FixedClock) -> Lease: ...


TTL = timedelta(seconds=10)


class LeaseContract:
    async def test_one_holder_at_a_time(self, make_lease: LeaseFactory) -> None:
        clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        first, second = make_lease("r1", clock), make_lease("r2", clock)
        assert await first.acquire()
        assert not await second.acquire()
        assert await first.acquire()  # renewing is taking it again

    async def test_an_expired_lease_is_taken_over(self, make_lease: LeaseFactory) -> None:
        clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        first, second = make_lease("r1", clock), make_lease("r2", clock)
        assert await first.acquire()
        clock.advance(TTL + timedelta(seconds=1))
        assert await second.acquire()
        clock.advance(timedelta(seconds=5))  # past r1's own renewal point
        assert not await first.acquire()

    async def test_released_lease_is_free(self, make_lease: LeaseFactory) -> None:
        clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        first, second = make_lease("r1", clock), make_lease("r2", clock)
        assert await first.acquire()
        await first.release()
        assert await second.acquire()
