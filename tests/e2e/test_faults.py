"""Faults on the real stack, one scenario each, while holders keep sending commands.

Each kills (``kill -9``) one process of intake's pipeline — API, relay, a worker, the broker — in
the middle of a stream of commands, starts it again as a supervisor
would, and then checks by set equality against what was accepted that nothing was lost and nothing
applied twice (``faults.assert_exactly_once``). Servers are only killed when the test started them
itself (``PrivateFerretDB``, ``PrivateKafka``); the shared ones are never touched.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.conftest import prefixed_env
from tests.e2e.faults import (
    Clients,
    Mongo,
    Pipeline,
    PrivateKafka,
    assert_exactly_once,
    eventually,
    pipeline,
    read_model,
    restart,
    running,
)

pytestmark = pytest.mark.integration

ACHIEVEMENTS = 150  # 300 commands, 300 events per scenario
SESSION_TIMEOUT_S = 8.0  # the workers' consumer session (ztc_shared.workers.faust_app)


def fault_env(service_env: dict[str, str], run_id: str, fault: str) -> dict[str, str]:
    return prefixed_env(service_env, f"{run_id}-fault-{fault}")  # apart from other tests' prefixes


async def accepted_at_least(clients: Clients, share: float) -> None:
    async def enough() -> bool:
        return len(clients.accepted) >= clients.count * share

    await eventually(enough, 60, f"{share:.0%} of the achievements accepted")


async def library_holds(mongo_client: Mongo, system: Pipeline, entries: int) -> None:
    database = system.database(mongo_client, "ztc_screening")

    async def enough() -> bool:
        library = await read_model(database, "library")
        return library is not None and await library.count_documents({}) >= entries

    await eventually(enough, 60, f"{entries} entries in the library")


async def test_an_api_killed_mid_stream_loses_no_command_and_a_retry_appends_nothing(
    service_env: dict[str, str], run_id: str, mongo_client: Mongo, log_dir: Path
) -> None:
    system = pipeline(fault_env(service_env, run_id, "api"), log_dir, "fault-api")
    with running(system.processes):
        clients = Clients(system.api.url, f"{run_id}-api", ACHIEVEMENTS)
        load = asyncio.create_task(clients.run())
        await accepted_at_least(clients, 0.3)
        system.api.kill()  # the replies of the commands in flight are lost
        retries_before = clients.retries
        await asyncio.to_thread(restart, system.api)
        await asyncio.wait_for(load, 180)
        assert clients.retries > retries_before, "no command was retried; nothing was tested"
        await assert_exactly_once(mongo_client, system, clients.accepted, ACHIEVEMENTS)


async def test_a_relay_killed_with_a_backlog_delivers_every_event_once_restarted(
    service_env: dict[str, str], run_id: str, mongo_client: Mongo, log_dir: Path
) -> None:
    system = pipeline(fault_env(service_env, run_id, "relay"), log_dir, "fault-relay")
    others = [p for p in system.processes if p is not system.relay]
    with running(others):
        clients = Clients(system.api.url, f"{run_id}-relay", ACHIEVEMENTS)
        load = asyncio.create_task(clients.run())
        await accepted_at_least(clients, 0.3)  # the relay is down: a backlog piles up
        intake = system.database(mongo_client, "ztc_intake")
        backlog = await intake["outbox"].count_documents({})
        assert backlog >= 40, f"only {backlog} commits waiting"
        system.relay.start().wait_ready(timeout=60)

        async def publishing() -> bool:
            return 0 < await intake["outbox"].count_documents({}) < backlog

        await eventually(publishing, 60, "the relay to work through a part of the backlog", 0.05)
        system.relay.kill()  # mid-backlog: some produced and not yet marked
        await asyncio.to_thread(restart, system.relay)
        await asyncio.wait_for(load, 180)
        await assert_exactly_once(mongo_client, system, clients.accepted, ACHIEVEMENTS)
        system.relay.stop()


@pytest.mark.parametrize("worker", ["library", "catalogue", "public"])
async def test_a_worker_killed_mid_stream_resumes_with_every_entry_once(
    worker: str, service_env: dict[str, str], run_id: str, mongo_client: Mongo, log_dir: Path
) -> None:
    system = pipeline(fault_env(service_env, run_id, f"w{worker}"), log_dir, f"fault-{worker}")
    victim = system.workers[worker]
    database_name = "ztc_screening" if worker == "library" else "ztc_intake"
    database = system.database(mongo_client, database_name)
    with running(system.processes):
        clients = Clients(system.api.url, f"{run_id}-{worker}", ACHIEVEMENTS)
        load = asyncio.create_task(clients.run())

        async def applying() -> bool:
            entries = await read_model(database, worker)
            return entries is not None and await entries.count_documents({}) >= ACHIEVEMENTS // 4

        await eventually(applying, 60, f"the {worker} worker to apply a part of the stream")
        victim.kill()
        assert not load.done(), "the stream was over before the kill; nothing was tested"
        await asyncio.to_thread(restart, victim)
        await asyncio.wait_for(load, 180)
        await assert_exactly_once(mongo_client, system, clients.accepted, ACHIEVEMENTS)


async def test_the_broker_killed_mid_stream_and_restarted_loses_nothing(
    service_env: dict[str, str], run_id: str, mongo_client: Mongo, log_dir: Path, tmp_path: Path
) -> None:
    broker = PrivateKafka(tmp_path / "stack")
    await broker.start()
    env = {**fault_env(service_env, run_id, "kafka"), "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap}
    system = pipeline(env, log_dir, "fault-kafka")
    try:
        with running(system.processes):
            clients = Clients(system.api.url, f"{run_id}-kafka", ACHIEVEMENTS)
            load = asyncio.create_task(clients.run())
            await library_holds(mongo_client, system, ACHIEVEMENTS // 5)
            broker.kill()
            # Commands are still accepted while the broker is down: the commit store holds them.
            await accepted_at_least(clients, 0.9)
            await broker.start()
            await asyncio.wait_for(load, 180)
            await assert_exactly_once(mongo_client, system, clients.accepted, ACHIEVEMENTS)
    finally:
        broker.stop()
