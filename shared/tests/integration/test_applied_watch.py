"""Requests waiting for a projection's writes share one status poll, on the real database."""

import asyncio
import uuid
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from ztc_shared.projections.watch import AppliedWatch

pytestmark = pytest.mark.integration


@pytest.fixture
def database(mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str) -> Any:
    return mongo_client[f"{run_id}_watch_{uuid.uuid4().hex[:6]}"]


async def test_waiters_wake_when_the_worker_records_a_batch(database: Any) -> None:
    status, entries = database["projection_status"], database["entries"]
    watch = AppliedWatch(status, "entries", interval=0.005)
    ids = [f"e-{i}" for i in range(20)]

    def ready(entry_id: str) -> Any:
        async def check() -> dict[str, Any] | None:
            return await entries.find_one({"_id": entry_id, "version": 2})

        return check

    async def worker() -> None:
        await asyncio.sleep(0.3)
        await entries.insert_many([{"_id": i, "version": 2} for i in ids])
        await status.update_one({"_id": "entries"}, {"$inc": {"applied_total": 20}}, upsert=True)

    found, _ = await asyncio.gather(
        asyncio.gather(*(watch.wait_for(ready(i), 5.0) for i in ids)), worker()
    )

    assert [f["_id"] for f in found] == ids
    # One status poll per interval for all twenty, not one read of each entry per interval.
    assert 0 < watch.polls < 200


async def test_a_waiter_gives_up_after_its_time(database: Any) -> None:
    watch = AppliedWatch(database["projection_status"], "nothing", interval=0.005)
    checks = 0

    async def never() -> None:
        nonlocal checks
        checks += 1
        return None

    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await watch.wait_for(never, 0.2) is None
    assert loop.time() - started >= 0.2
    assert checks == 2  # once at once, once when the time was up: nothing changed in between
