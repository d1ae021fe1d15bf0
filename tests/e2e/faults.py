"""What the fault scenarios share: intake's pipeline as real processes, clients that retry a
command whose reply was lost with the same Idempotency-Key, the exactly-once check against what was
accepted, and a private Kafka broker that a test may kill (never the shared one)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.e2e.conftest import bearer, draft_body, topic_size
from ztc_shared.auth import Role
from ztc_tools.manifest import manifest
from ztc_tools.stack import StackSettings, kafka
from ztc_tools.stack._process import is_alive, no_progress, stop_processes
from ztc_tools.stack.settings import find_repo_root
from ztc_tools.testing.processes import (
    ServiceProcess,
    api_process,
    free_port,
    relay_process,
    worker_process,
)

Mongo = AsyncMongoClient[dict[str, Any]]

EVENTS_PER_ACHIEVEMENT = 2  # drafted, submitted
COMMAND_DEADLINE_S = 120.0  # how long a client keeps retrying one command
SETTLE_S = 150.0  # how long the pipeline may take to deliver everything after the load
# The read models fed by intake's events: (database, projection).
READ_MODELS = (("ztc_intake", "catalogue"), ("ztc_intake", "public"), ("ztc_screening", "library"))


async def eventually(check: Any, timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


# ---------------------------------------------------------------------------------------------
# The pipeline: API → commit store → relay → Kafka → workers


@dataclass
class Pipeline:
    """Intake's API and relay, intake's catalogue and public workers, screening's library worker."""

    env: dict[str, str]
    api: ServiceProcess
    relay: ServiceProcess
    workers: dict[str, ServiceProcess]

    @property
    def processes(self) -> list[ServiceProcess]:
        return [self.api, self.relay, *self.workers.values()]

    def database(self, client: Mongo, name: str) -> Any:
        return client[f"{self.env['ZTC_DATABASE_PREFIX']}{name}"]


def pipeline(env: dict[str, str], log_dir: Path, name: str) -> Pipeline:
    intake = manifest("intake")
    runs = {run.name: intake.worker_args(run) for run in intake.runs}
    api = api_process("intake", env=env, log_dir=log_dir, name=f"{name}-intake-api")
    return Pipeline(
        env=env,
        api=api,
        relay=relay_process("intake", env=env, log_dir=log_dir, name=f"{name}-intake-relay"),
        workers={
            "catalogue": worker_process(
                "intake", *runs["catalogue"], env=env, log_dir=log_dir, name=f"{name}-catalogue"
            ),
            "public": worker_process(
                "intake", *runs["public"], env=env, log_dir=log_dir, name=f"{name}-public"
            ),
            "library": worker_process(
                "screening", env=env, log_dir=log_dir, name=f"{name}-library"
            ),
        },
    )


@contextlib.contextmanager
def running(processes: list[ServiceProcess], timeout: float = 90.0) -> Iterator[None]:
    """Start them all at once (they warm up together), wait for each, stop them all after."""
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready(timeout=timeout)
        yield
    finally:
        for process in processes:
            process.stop()


def restart(process: ServiceProcess, timeout: float = 90.0) -> None:
    """What a supervisor does after ``kill -9``: the same process again (same port, same env)."""
    process.kill()
    process.start().wait_ready(timeout=timeout)


# ---------------------------------------------------------------------------------------------
# Clients


@dataclass
class Clients:
    """Holders drafting and submitting achievements over HTTP, as real clients do: one
    Idempotency-Key per command, and a command whose reply was lost (connection refused or reset,
    timeout, 5xx) sent again with the same key and body until it is answered."""

    base: str
    key_prefix: str
    count: int
    per_second: float = 25.0
    concurrency: int = 8
    accepted: dict[str, int] = field(default_factory=dict)  # achievement → its version
    retries: int = 0
    headers: dict[str, str] = field(default_factory=lambda: bearer(Role.HOLDER, "holder-faults"))

    async def run(self) -> None:
        gate = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(
            base_url=self.base, headers=self.headers, timeout=10.0
        ) as client:

            async def one(number: int) -> None:
                async with gate:
                    await self._achievement(client, number)

            tasks = []
            for number in range(self.count):
                tasks.append(asyncio.create_task(one(number)))
                await asyncio.sleep(1 / self.per_second)  # the load's shape, not a wait
            await asyncio.gather(*tasks)

    async def _achievement(self, client: httpx.AsyncClient, number: int) -> None:
        # An institution of its own: similar titles of one institution would be suspected
        # duplicates, events beyond the two each achievement is counted for.
        body = draft_body(institution=f"{self.key_prefix} 第{number}研究所")
        drafted = await self._command(
            client, "/achievements", body, f"{self.key_prefix}-draft-{number}"
        )
        identifier = drafted["id"]
        submitted = await self._command(
            client, f"/achievements/{identifier}/submit", None, f"{self.key_prefix}-submit-{number}"
        )
        assert submitted["id"] == identifier
        self.accepted[identifier] = submitted["stream_version"]

    async def _command(
        self, client: httpx.AsyncClient, path: str, body: Any, key: str
    ) -> dict[str, Any]:
        deadline = time.monotonic() + COMMAND_DEADLINE_S
        last = "no answer"
        while True:
            try:
                reply = await client.post(path, json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError as exc:  # refused, reset, timed out: the reply is lost
                last = repr(exc)
            else:
                if reply.status_code in (200, 201):
                    answer: dict[str, Any] = reply.json()
                    return answer
                assert reply.status_code >= 500, (
                    f"{path} answered {reply.status_code}: {reply.text}"
                )
                last = f"{reply.status_code} {reply.text[:200]}"
            self.retries += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} (key {key}) never answered: {last}")
            await asyncio.sleep(0.25)


# ---------------------------------------------------------------------------------------------
# The check: every accepted command's effect exactly once


async def read_model(database: Any, projection: str) -> Any:
    catalog = await database["projection_catalog"].find_one({"_id": projection})
    return database[catalog["collection"]] if catalog else None


async def assert_exactly_once(
    mongo_client: Mongo, system: Pipeline, accepted: dict[str, int], submitted: int
) -> None:
    """Nothing lost, nothing doubled: the commit store, the topic and each read model hold what
    was accepted, compared as sets (as Kafka's own transactions test does)."""
    assert len(accepted) == submitted, f"{submitted - len(accepted)} achievements never accepted"
    expected = set(accepted)
    events = EVENTS_PER_ACHIEVEMENT * len(expected)
    intake = system.database(mongo_client, "ztc_intake")

    seen: dict[str, int] = {}

    async def delivered() -> bool:
        seen["outbox"] = await intake["outbox"].count_documents({})
        for name, projection in READ_MODELS:
            entries = await read_model(system.database(mongo_client, name), projection)
            seen[projection] = (
                0
                if entries is None
                else await entries.count_documents({"stream_version": EVENTS_PER_ACHIEVEMENT})
            )
        return seen["outbox"] == 0 and all(seen[p] >= len(expected) for _, p in READ_MODELS)

    try:
        await eventually(delivered, SETTLE_S, "every accepted command in every read model", 1.0)
    except AssertionError as error:
        raise AssertionError(f"{error}: {len(expected)} accepted, {seen}") from None

    # The commit store: one commit per accepted command, none for a retry.
    commits = Counter(
        [
            (d["stream_id"], d["first_version"])
            async for d in intake["commits"].find(
                {}, projection={"stream_id": 1, "first_version": 1}
            )
        ]
    )
    assert {stream for stream, _ in commits} == expected
    assert all(n == 1 for n in commits.values()), "a retried command was appended twice"
    assert len(commits) == events
    assert all(version == EVENTS_PER_ACHIEVEMENT for version in accepted.values())

    # The topic holds every event at least once (a relay may send one again, never lose one).
    topic = f"{system.env['ZTC_TOPIC_PREFIX']}ztc.intake.events"
    assert await topic_size(system.env["KAFKA_BOOTSTRAP_SERVERS"], topic) >= events

    for name, projection in READ_MODELS:
        database = system.database(mongo_client, name)
        entries = await read_model(database, projection)
        versions = {
            d["_id"]: d["stream_version"]
            async for d in entries.find({}, projection={"stream_version": 1})
        }
        assert versions == accepted, f"{projection} differs from what was accepted"
        status = await database["projection_status"].find_one({"_id": projection})
        # Each event applied at most once: a redelivered or late one was skipped.
        assert status is not None and status["applied_total"] <= events, (projection, status)

    async with httpx.AsyncClient(timeout=10.0) as probe:
        ready = await probe.get(f"{system.api.url}/readyz")
    assert ready.status_code == 200, ready.text
    for process in system.processes:
        assert process.running, f"{process.name} exited:\n{process.log_tail()}"


# ---------------------------------------------------------------------------------------------
# Private servers, started from the stack's own binaries, for faults that kill a server


def _stack_settings() -> StackSettings:
    return StackSettings()


class PrivateServer:
    """One server of the stack's kinds on free ports with its own data, started, killed (``kill
    -9``) and started again by a test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pid: int | None = None

    def _spawn(self) -> int:
        raise NotImplementedError

    async def _check(self) -> None:
        raise NotImplementedError

    errors: tuple[type[BaseException], ...] = ()

    async def start(self, timeout: float = 90.0) -> None:
        self.pid = self._spawn()
        deadline = time.monotonic() + timeout
        while True:
            assert is_alive(self.pid), f"{type(self).__name__} exited at start-up"
            try:
                await self._check()
                return
            except self.errors:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.5)

    def kill(self) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while is_alive(self.pid):
            assert time.monotonic() < deadline, "a killed server did not die"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.pid is not None:
            stop_processes([self.pid], grace_s=10.0)


class PrivateKafka(PrivateServer):
    """A single-node KRaft cluster of its own, from the stack's jars."""

    errors = kafka.HEALTH_ERRORS

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.repo_root = find_repo_root()
        self.settings = StackSettings(
            stack_dir=root, kafka_port=free_port(), kafka_controller_port=free_port()
        )
        shared = kafka.KafkaLayout.of(_stack_settings())
        if not (shared.libs / kafka.KAFKA_JAR).is_file():
            kafka.ensure_libs(_stack_settings(), self.repo_root, no_progress)
        own = kafka.KafkaLayout.of(self.settings)
        own.root.mkdir(parents=True, exist_ok=True)
        own.libs.symlink_to(shared.libs)
        kafka.ensure_formatted(self.settings, no_progress)

    @property
    def bootstrap(self) -> str:
        return kafka.bootstrap_address(self.settings)

    def _spawn(self) -> int:
        return kafka.start(self.settings, self.repo_root)

    async def _check(self) -> None:
        await kafka.check(self.bootstrap, timeout_s=5.0)
