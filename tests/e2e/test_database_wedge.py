"""The database keeps answering under the load that once wedged it for good.

FerretDB's ``update`` handler held a pooled connection per update statement until the whole command
ended, and the pool has 100 per database: two concurrent bulk writes of 64 single-document updates
waited for each other forever, and so did every later request on that database (the launcher's
build fixes it: ``ztc_tools.stack.mongo``). A relay catching up on a backlog while the workers
apply their batches in the same database did exactly that. Each scenario here bounds every wait, so
a wedge fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient, UpdateOne

from tests.e2e.conftest import draft_body, prefixed_env, start_relay
from ztc_shared.auth import Role
from ztc_shared.workers import WORKER_READY
from ztc_tools.testing.processes import APIS, WORKERS, ServiceProcess, free_port

pytestmark = pytest.mark.integration

Mongo = AsyncMongoClient[dict[str, Any]]


async def answers(database: Any, collection: str, within: float = 10.0) -> bool:
    """Whether a plain read on ``database`` comes back in time."""
    try:
        await asyncio.wait_for(database[collection].find_one({}), within)
    except TimeoutError:
        return False
    return True


async def test_concurrent_bulk_updates_in_one_database_all_apply_and_it_still_answers(
    mongo_client: Mongo, run_id: str
) -> None:
    database = mongo_client[f"{run_id}_bulk_wedge"]
    collections, documents = 4, 150  # 600 single-document updates at once; the pool holds 100
    for number in range(collections):
        await database[f"c{number}"].insert_many(
            [{"_id": f"d{i}", "value": 0} for i in range(documents)]
        )

    async def bump(number: int) -> int:
        result = await database[f"c{number}"].bulk_write(
            [UpdateOne({"_id": f"d{i}"}, {"$set": {"value": 1}}) for i in range(documents)],
            ordered=False,
        )
        return result.modified_count

    modified = await asyncio.wait_for(
        asyncio.gather(*(bump(number) for number in range(collections))), 60
    )
    assert modified == [documents] * collections
    assert await answers(database, "c0"), "the database stopped answering after the bulk writes"
    for number in range(collections):
        assert await database[f"c{number}"].count_documents({"value": 1}) == documents


def _holder_headers() -> dict[str, str]:
    from tests.e2e.conftest import bearer

    return bearer(Role.HOLDER, "holder-wedge")


async def test_a_relay_catching_up_on_a_backlog_under_load_leaves_the_database_answering(
    service_env: dict[str, str], run_id: str, mongo_client: Mongo, log_dir: Any
) -> None:
    env = prefixed_env(service_env, f"{run_id}-wedge")
    port = free_port()
    env["INTAKE_PORT"] = str(port)
    processes = [
        ServiceProcess("wedge-intake-api", APIS["intake"], env=env, log_dir=log_dir, port=port),
        *(
            ServiceProcess(
                f"wedge-intake-{name}",
                WORKERS["intake"],
                env={**env, "INTAKE_WORKER_METRICS_PORT": str(free_port())},
                log_dir=log_dir,
                args=("run", name),
                ready_marker=WORKER_READY,
            )
            for name in ("catalogue", "public")
        ),
    ]
    for process in processes:
        process.start()
    relay = None
    database = mongo_client[f"{env['ZTC_DATABASE_PREFIX']}ztc_intake"]
    headers = _holder_headers()
    accepted: list[str] = []
    try:
        for process in processes:
            process.wait_ready(timeout=90)
        base = processes[0].url
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0) as client:

            async def submit_one() -> None:
                drafted = await client.post("/achievements", json=draft_body())
                assert drafted.status_code == 201, drafted.text
                identifier = drafted.json()["id"]
                submitted = await client.post(f"/achievements/{identifier}/submit")
                assert submitted.status_code == 200, submitted.text
                accepted.append(identifier)

            async def load(seconds: float, per_second: float) -> None:
                started = time.monotonic()
                tasks = []
                while time.monotonic() - started < seconds:
                    tasks.append(asyncio.create_task(submit_one()))
                    await asyncio.sleep(1 / per_second)
                await asyncio.wait_for(asyncio.gather(*tasks), 60)

            # The relay is down: commits pile up (two for each achievement).
            await load(seconds=7, per_second=8)
            backlog = await database["outbox"].count_documents({})
            assert backlog >= 80, f"only {backlog} commits waiting; nothing was tested"
            # It comes back while the commands keep arriving.
            relay = start_relay(env, log_dir, "wedge-intake-relay")
            await load(seconds=6, per_second=8)
            relay.wait_ready(timeout=60)

        deadline = time.monotonic() + 120
        catalogue = None
        while time.monotonic() < deadline:
            assert await answers(database, "commits"), "intake's database stopped answering"
            entry = await database["projection_catalog"].find_one({"_id": "catalogue"})
            catalogue = database[entry["collection"]] if entry else None
            if (
                catalogue is not None
                and await catalogue.count_documents({"status": "submitted"}) == len(accepted)
                and await database["outbox"].count_documents({}) == 0
            ):
                break
            await asyncio.sleep(1.0)
        assert catalogue is not None
        # Nothing lost: every accepted achievement reached the catalogue, each exactly once.
        listed = {d["_id"] async for d in catalogue.find({}, projection={"_id": 1})}
        assert listed == set(accepted)
        assert await database["outbox"].count_documents({}) == 0, "the relay did not catch up"
        async with httpx.AsyncClient(timeout=10.0) as probe:
            ready = await probe.get(f"{base}/readyz")
        assert ready.status_code == 200, ready.text
    finally:
        for process in [*processes, *([relay] if relay else [])]:
            process.stop()
