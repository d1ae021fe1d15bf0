"""The pipeline benchmark: intake's event store → relay → Kafka → screening's projection.

    python -m benchmarks.pipeline            # make bench
    python -m benchmarks.pipeline --help     # sizes, rates, timeouts, extra service settings

On the real local stack (``ensure_stack``: Kafka 3.9.1 and FerretDB or mongod), with the real relay,
worker and API processes (``ServiceProcess``) and a fresh topic and database prefix per phase:

(a) Throughput. A baseline first, measured in the same run: raw aiokafka produce→consume of the
    same N encoded events (same keys, headers, partitions and producer settings as the relay), then
    raw pymongo ``bulk_write`` of the documents the projection would write for them (``InsertOne``
    for a document's first write, ``ReplaceOne`` by ``_id`` after that), in batches of the
    projection's batch size. Then the pipeline: N/2 achievements drafted and submitted through
    intake's command handlers (``bootstrap`` + ``MongoEventStore``, in this process, with bounded
    concurrency) while intake's relay and screening's worker run; timed from the first append to
    the ``projection_status`` document's ``applied_at`` when ``applied_total`` has counted all N.
(b) Latency. M = rate × duration achievements are drafted the same way and projected; then their
    submits go over HTTP to intake's API on a fixed timetable (open loop: a send never waits for an
    earlier reply), and after each 2xx reply ``GET /library/{id}?min_version=<its stream_version>``
    asks screening's API until the entry is readable. Latency is from the 2xx reply arriving to the
    successful read arriving.

Progress lines are printed as it goes, then a table; logs and a JSON of the figures go to
``<stack dir>/bench/<run id>/``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import itertools
import json
import math
import os
import platform
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import InsertOne, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from intake.bootstrap import Intake, bootstrap
from intake.config import IntakeSettings
from intake.domain.commands import DraftAchievement, SubmitAchievement
from screening.application.library import LIBRARY, LibraryProjector
from ztc_shared.application import CommandContext
from ztc_shared.auth import Role, mint_token
from ztc_shared.contracts.intake import AchievementDrafted, AchievementSubmitted, Channel
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events.codec import encode_event
from ztc_shared.events.envelope import EventEnvelope, new_envelope
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.kafka import ensure_topics
from ztc_shared.kafka.publisher import event_headers
from ztc_shared.mongo import make_client
from ztc_shared.projections.processing import STATUS
from ztc_shared.relay import RELAY_READY
from ztc_shared.settings import ServiceSettings
from ztc_shared.workers import WORKER_READY
from ztc_tools.stack import StackSettings, ensure_stack
from ztc_tools.stack.state import load_records
from ztc_tools.testing.processes import APIS, RELAYS, WORKERS, ServiceProcess, free_port

T = TypeVar("T")

REGION = "440000"
# FerretDB 1.24 (SQLite) deadlocks an update command that replaces 100 or more existing
# documents (each matched row keeps a pooled connection until the command ends; the pool has 100).
FERRETDB_SAFE_REPLACES = 99
# A database wedged that way must fail the phase, not hang the benchmark.
SOCKET_TIMEOUT_MS = 60_000
# Submits (and reads) in flight at once in (b).
MAX_IN_FLIGHT = 256

_STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank; ``inf`` entries stand for samples that never completed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "never"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


# --------------------------------------------------------------------------------------------
# what is appended


def draft_command(index: int) -> DraftAchievement:
    fields = list(IndustryField)
    return DraftAchievement(
        title=f"面向智能制造的高精度视觉检测系统 #{index:06d}",
        abstract=(
            "本成果提出一种面向制造业产线的视觉缺陷检测方法，结合深度学习与结构光测量，"
            "检测准确率达到99.2%，已在三家企业完成中试并形成专利组合。"
        ),
        field=fields[index % len(fields)],
        keywords=["人工智能", "机器视觉", "工业检测"],
        trl=6,
        holder_name="张三",
        institution="华南理工大学",
        channel=Channel.OPEN_CALL,
    )


def synthetic_events(achievements: int, interleave: int) -> list[EventEnvelope]:
    """The events the pipeline appends, in the order ``interleave`` concurrent appenders
    produce them: drafts of a group of achievements, then their submits."""
    now = datetime.now(UTC)
    envelopes: list[EventEnvelope] = []
    ids = [str(uuid.uuid4()) for _ in range(achievements)]
    for group in chunks(range(achievements), interleave):
        for index in group:
            draft = AchievementDrafted(**draft_command(index).model_dump())
            envelopes.append(_envelope(draft, ids[index], 1, now))
        for index in group:
            envelopes.append(_envelope(AchievementSubmitted(call_id=None), ids[index], 2, now))
    return envelopes


def _envelope(
    event: AchievementDrafted | AchievementSubmitted, stream_id: str, version: int, now: datetime
) -> EventEnvelope:
    return new_envelope(
        event,
        stream_id=stream_id,
        stream_version=version,
        occurred_at=now,
        region=REGION,
        actor="bench",
        correlation_id=str(uuid.uuid4()),
    )


# --------------------------------------------------------------------------------------------
# baseline


async def kafka_baseline(
    bootstrap_servers: str, topic: str, envelopes: Sequence[EventEnvelope], partitions: int
) -> float:
    """Seconds from the first send to the last of N records consumed (raw aiokafka)."""
    records = [
        (envelope.stream_id.encode(), encode_event(envelope), event_headers(envelope))
        for envelope in envelopes
    ]
    await ensure_topics(bootstrap_servers, [topic], partitions=partitions)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"{topic}.consumer",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_batch_size=1 << 20,
        max_request_size=4 << 20,
    )
    await consumer.start()
    await producer.start()
    try:
        deadline = time.monotonic() + 30
        while not consumer.assignment():
            if time.monotonic() > deadline:
                raise TimeoutError("the baseline consumer got no partitions in 30 s")
            await consumer.getmany(timeout_ms=100)
        received = 0

        async def consume() -> float:
            nonlocal received
            while received < len(records):
                batch = await consumer.getmany(timeout_ms=200, max_records=500)
                received += sum(len(part) for part in batch.values())
            return time.perf_counter()

        consuming = asyncio.create_task(consume())
        started = time.perf_counter()
        futures = [
            await producer.send(topic, value=value, key=key, headers=headers)
            for key, value, headers in records
        ]
        await asyncio.gather(*futures)
        finished = await asyncio.wait_for(consuming, timeout=120)
        return finished - started
    finally:
        await producer.stop()
        await consumer.stop()


def projection_writes(
    envelopes: Sequence[EventEnvelope], batch_size: int
) -> list[list[InsertOne[dict[str, Any]] | ReplaceOne[dict[str, Any]]]]:
    """The writes the library projection makes for these events, batch by batch: each batch's
    events coalesced per document, inserted the first time, replaced by ``_id`` after that."""
    projector = LibraryProjector()
    written: set[str] = set()
    current: dict[str, dict[str, Any]] = {}
    batches: list[list[InsertOne[dict[str, Any]] | ReplaceOne[dict[str, Any]]]] = []
    for batch in chunks(envelopes, batch_size):
        changed: dict[str, dict[str, Any]] = {}
        for envelope in batch:
            document_id = projector.document_id(envelope)
            assert document_id is not None
            state = changed.get(document_id, current.get(document_id))
            new = projector.apply(copy.deepcopy(state) if state else None, envelope)
            new["_versions"] = {envelope.stream_id: envelope.stream_version}
            new["_id"] = document_id
            changed[document_id] = new
        operations: list[InsertOne[dict[str, Any]] | ReplaceOne[dict[str, Any]]] = [
            ReplaceOne({"_id": i}, document) if i in written else InsertOne(document)
            for i, document in changed.items()
        ]
        written.update(changed)
        current.update(changed)
        batches.append(operations)
    return batches


async def mongo_baseline(
    database: AsyncDatabase[dict[str, Any]],
    batches: list[list[InsertOne[dict[str, Any]] | ReplaceOne[dict[str, Any]]]],
) -> tuple[float, int, int]:
    """Seconds to write every batch with raw ``bulk_write``; and the inserts and replaces."""
    collection = database["library_raw"]
    inserts = replaces = 0
    started = time.perf_counter()
    for batch in batches:
        new = [op for op in batch if isinstance(op, InsertOne)]
        old = [op for op in batch if isinstance(op, ReplaceOne)]
        if new:
            await collection.bulk_write(new, ordered=False)
        for part in chunks(old, FERRETDB_SAFE_REPLACES):
            await collection.bulk_write(list(part), ordered=False)
        inserts += len(new)
        replaces += len(old)
    return time.perf_counter() - started, inserts, replaces


# --------------------------------------------------------------------------------------------
# CPU time per process


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds each process has used so far (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[name] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def stack_pids() -> dict[str, int]:
    records = load_records(StackSettings().stack_dir)
    return {{"mongodb": "ferretdb"}.get(name, name): record.pid for name, record in records.items()}


# --------------------------------------------------------------------------------------------
# the services


@dataclass
class Deployment:
    """One phase's prefixes, ports and service processes."""

    run_id: str
    stack: dict[str, str]
    log_dir: Path
    partitions: int
    extra_env: dict[str, str]
    intake_port: int = field(default_factory=free_port)
    screening_port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    processes: list[ServiceProcess] = field(default_factory=list)

    @property
    def topic_prefix(self) -> str:
        return f"{self.run_id}."

    @property
    def database_prefix(self) -> str:
        return f"{self.run_id}_"

    def env(self, **overrides: str) -> dict[str, str]:
        return {
            **self.stack,
            "ZTC_TOPIC_PREFIX": self.topic_prefix,
            "ZTC_DATABASE_PREFIX": self.database_prefix,
            "KAFKA_PARTITIONS": str(self.partitions),
            "INTAKE_PORT": str(self.intake_port),
            "SCREENING_PORT": str(self.screening_port),
            "SCREENING_WORKER_METRICS_PORT": str(self.metrics_port),
            "LOG_JSON": "true",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
            **overrides,
        }

    def intake_settings(self) -> IntakeSettings:
        return IntakeSettings(
            kafka_bootstrap_servers=self.stack["KAFKA_BOOTSTRAP_SERVERS"],
            mongodb_uri=self.stack["MONGODB_URI"],
            topic_prefix=self.topic_prefix,
            database_prefix=self.database_prefix,
            kafka_partitions=self.partitions,
        )

    @property
    def screening_database(self) -> str:
        return f"{self.database_prefix}ztc_screening"

    def start(self, *, apis: bool) -> None:
        """Relay and worker (and the two APIs), started together and waited for."""
        wanted = [
            ServiceProcess(
                "intake-relay",
                RELAYS["intake"],
                # DEBUG adds one ``relay.published`` line per batch (noisy libraries stay at
                # WARNING): the batch sizes and the time between batches, for the profile.
                env=self.env(LOG_LEVEL="DEBUG"),
                log_dir=self.log_dir,
                ready_marker=RELAY_READY,
            ),
            ServiceProcess(
                "screening-worker",
                WORKERS["screening"],
                env=self.env(),
                log_dir=self.log_dir,
                args=("run", LIBRARY),
                ready_marker=WORKER_READY,
            ),
        ]
        if apis:
            wanted += [
                ServiceProcess(
                    "intake-api",
                    APIS["intake"],
                    env=self.env(),
                    log_dir=self.log_dir,
                    port=self.intake_port,
                ),
                ServiceProcess(
                    "screening-api",
                    APIS["screening"],
                    env=self.env(),
                    log_dir=self.log_dir,
                    port=self.screening_port,
                ),
            ]
        for process in wanted:
            self.processes.append(process.start())
        for process in wanted:
            process.wait_ready(timeout=90)
        say(f"  services ready: {', '.join(p.name for p in wanted)} (logs in {self.log_dir})")

    def profile(self) -> dict[str, float]:
        """How the relay and the worker spent the phase: batches, their sizes and times."""
        figures: dict[str, float] = {}
        relay = next((p for p in self.processes if p.name == "intake-relay"), None)
        stamps: list[float] = []
        commits: list[int] = []
        for line in relay.log_since_start().splitlines() if relay else []:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("event") == "relay.published":
                moment = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))
                stamps.append(moment.timestamp())
                commits.append(int(record["commits"]))
        if commits:
            gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
            figures["relay_batches"] = len(commits)
            figures["relay_commits_per_batch"] = sum(commits) / len(commits)
            figures["relay_largest_batch"] = max(commits)
            figures["relay_median_gap_s"] = percentile(gaps, 50) if gaps else math.nan
        try:
            text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text
        except httpx.HTTPError:
            return figures
        values: dict[str, float] = {}
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            if 'projection="library"' in name:
                values[name.split("{")[0]] = float(value)
        count = values.get("ztc_projection_batch_seconds_count", 0.0)
        if count:
            figures["worker_batches"] = count
            figures["worker_batch_ms"] = values["ztc_projection_batch_seconds_sum"] / count * 1000
            figures["worker_events_per_batch"] = (
                values.get("ztc_projection_applied_events_total", 0.0) / count
            )
        return figures

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop(timeout=15)
        self.processes.clear()


async def applied_total(
    database: AsyncDatabase[dict[str, Any]],
) -> tuple[int, datetime | None, int]:
    status = await database[STATUS].find_one({"_id": LIBRARY})
    if status is None:
        return 0, None, 0
    return (
        int(status.get("applied_total", 0)),
        status.get("applied_at"),
        int(status.get("dead_letters_total", 0)),
    )


async def wait_applied(
    database: AsyncDatabase[dict[str, Any]],
    target: int,
    limit_s: float,
    progress: Callable[[], Awaitable[str]] | None = None,
) -> tuple[int, datetime | None]:
    """Poll ``projection_status`` every 20 ms until ``applied_total`` reaches ``target``."""
    deadline = time.monotonic() + limit_s
    next_line = time.monotonic() + 1.0
    while True:
        applied, applied_at, _ = await applied_total(database)
        if applied >= target or time.monotonic() > deadline:
            return applied, applied_at
        if progress is not None and time.monotonic() >= next_line:
            say(await progress())
            next_line += 1.0
        await asyncio.sleep(0.02)


async def outbox_backlog(intake_db: AsyncDatabase[dict[str, Any]]) -> int:
    return await intake_db["outbox"].count_documents({})


async def append_achievements(
    intake: Intake,
    indexes: Sequence[int],
    concurrency: int,
    *,
    submit: bool,
    on_append: Callable[[], None],
) -> list[tuple[str, int]]:
    """Draft (and submit) through intake's command handlers, ``concurrency`` at a time; the
    achievement ids with their last stream version."""
    pending = list(reversed(indexes))
    results: list[tuple[str, int]] = []

    async def appender() -> None:
        while pending:
            index = pending.pop()
            context = CommandContext(
                actor="bench-holder", region=REGION, correlation_id=str(uuid.uuid4())
            )
            drafted = await intake.handle(draft_command(index), context)
            on_append()
            version = drafted.stream_version
            if submit:
                submitted = await intake.handle(SubmitAchievement(), context, drafted.stream_id)
                on_append()
                version = submitted.stream_version
            results.append((drafted.stream_id, version))

    await asyncio.gather(*(appender() for _ in range(concurrency)))
    return results


# --------------------------------------------------------------------------------------------
# (a) throughput


@dataclass
class Throughput:
    events: int
    kafka_seconds: float = math.nan
    mongo_seconds: float = math.nan
    mongo_inserts: int = 0
    mongo_replaces: int = 0
    append_seconds: float = math.nan
    pipeline_seconds: float = math.nan
    applied: int = 0
    dead_letters: int = 0
    complete: bool = False
    profile: dict[str, float] = field(default_factory=dict)
    error: str = ""

    @property
    def kafka_rate(self) -> float:
        return self.events / self.kafka_seconds

    @property
    def mongo_rate(self) -> float:
        return self.events / self.mongo_seconds

    @property
    def baseline_rate(self) -> float:
        return self.events / (self.kafka_seconds + self.mongo_seconds)

    @property
    def append_rate(self) -> float:
        return self.events / self.append_seconds

    @property
    def pipeline_rate(self) -> float:
        return self.applied / self.pipeline_seconds

    @property
    def ratio(self) -> float:
        return self.pipeline_rate / self.baseline_rate


async def throughput_baseline(options: Options, deployment: Deployment, result: Throughput) -> None:
    achievements = options.events // 2
    envelopes = synthetic_events(achievements, options.concurrency)
    size = sum(len(encode_event(e)) for e in envelopes) / len(envelopes)
    say(f"(a) baseline: {len(envelopes)} events, {size:.0f} bytes on average")
    result.kafka_seconds = await kafka_baseline(
        deployment.stack["KAFKA_BOOTSTRAP_SERVERS"],
        f"{deployment.topic_prefix}bench.raw",
        envelopes,
        options.partitions,
    )
    say(
        f"  raw aiokafka produce→consume: {result.kafka_seconds:.2f} s "
        f"= {result.kafka_rate:,.0f} events/s"
    )
    client = make_client(deployment.stack["MONGODB_URI"], socketTimeoutMS=SOCKET_TIMEOUT_MS)
    try:
        database = client[f"{deployment.database_prefix}bench_raw"]
        batches = projection_writes(envelopes, options.projection_batch_size)
        seconds, inserts, replaces = await mongo_baseline(database, batches)
    finally:
        await client.close()
    result.mongo_seconds, result.mongo_inserts, result.mongo_replaces = seconds, inserts, replaces
    say(
        f"  raw bulk_write of the projected documents ({inserts} inserts, {replaces} replaces "
        f"in {len(batches)} batches): {seconds:.2f} s = {result.mongo_rate:,.0f} events/s"
    )
    say(f"  baseline (the two one after the other): {result.baseline_rate:,.0f} events/s")


async def throughput_pipeline(options: Options, deployment: Deployment, result: Throughput) -> None:
    settings = deployment.intake_settings()
    client = make_client(settings.mongodb_uri, socketTimeoutMS=SOCKET_TIMEOUT_MS)
    try:
        intake_db = client[settings.database]
        screening_db = client[deployment.screening_database]
        intake = bootstrap(settings, store=MongoEventStore(intake_db))
        # One achievement first: the consumer group has joined and everything is warm.
        await append_achievements(intake, [0], 1, submit=True, on_append=lambda: None)
        base, _ = await wait_applied(screening_db, 2, 60)
        if base < 2:
            raise RuntimeError("the warm-up achievement never reached the library")
        say(f"(a) pipeline: warm-up applied; appending {options.events} events")
        appended = 0

        def counted() -> None:
            nonlocal appended
            appended += 1

        async def progress() -> str:
            applied, _, _ = await applied_total(screening_db)
            backlog = await outbox_backlog(intake_db)
            elapsed = time.time() - first
            return (
                f"  appended {appended:6d} · outbox {backlog:6d} · applied {applied - base:6d} "
                f"· {(applied - base) / elapsed:,.0f} events/s so far"
            )

        async def timed_append() -> float:
            await append_achievements(
                intake,
                range(1, options.events // 2 + 1),
                options.concurrency,
                submit=True,
                on_append=counted,
            )
            return time.time()

        first = time.time()
        appending = asyncio.create_task(timed_append())
        applied, applied_at = await wait_applied(
            screening_db, base + options.events, options.throughput_timeout, progress
        )
        if appending.done():
            appended_at = appending.result()
        else:
            appending.cancel()
            await asyncio.gather(appending, return_exceptions=True)
            appended_at = time.time()
        result.append_seconds = appended_at - first
        result.applied = applied - base
        result.complete = result.applied >= options.events
        end = applied_at.timestamp() if applied_at and result.complete else time.time()
        result.pipeline_seconds = end - first
        _, _, result.dead_letters = await applied_total(screening_db)
    finally:
        await client.close()


# --------------------------------------------------------------------------------------------
# (b) latency


@dataclass
class Sample:
    scheduled: float
    sent: float = math.nan
    replied: float = math.nan
    visible: float = math.nan
    status: int = 0
    reads: int = 0
    error: str = ""


@dataclass
class Latency:
    rate: float
    duration: float
    drafts: int = 0
    draft_seconds: float = math.nan
    scheduled: int = 0
    sent: int = 0
    send_late_p99: float = math.nan
    accepted: int = 0
    visible: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    send_span: float = math.nan
    accepted_rate: float = math.nan
    reply_p50: float = math.nan
    reply_p99: float = math.nan
    p50: float = math.nan
    p95: float = math.nan
    p99: float = math.nan
    max: float = math.nan
    mean_reads: float = math.nan
    loop_lag_p99: float = math.nan
    loop_lag_max: float = math.nan
    profile: dict[str, float] = field(default_factory=dict)
    error: str = ""
    stage: str = "starting"  # where the phase was, should it fail or stall
    cpu_ms_per_command: dict[str, float] = field(default_factory=dict)


async def latency_phase(options: Options, deployment: Deployment, result: Latency) -> None:
    settings = deployment.intake_settings()
    client = make_client(settings.mongodb_uri, socketTimeoutMS=SOCKET_TIMEOUT_MS)
    try:
        intake_db = client[settings.database]
        screening_db = client[deployment.screening_database]
        intake = bootstrap(settings, store=MongoEventStore(intake_db))
        total = round(options.rate * options.duration)
        say(f"(b) latency: drafting {total} achievements through the command handlers")
        drafted = 0

        def counted() -> None:
            nonlocal drafted
            drafted += 1

        async def draft_progress() -> str:
            applied, _, _ = await applied_total(screening_db)
            backlog = await outbox_backlog(intake_db)
            return f"  drafted {drafted:6d} · outbox {backlog:6d} · applied {applied:6d}"

        started = time.perf_counter()
        result.stage = "drafting"
        drafting = asyncio.create_task(
            append_achievements(
                intake, range(total), options.concurrency, submit=False, on_append=counted
            )
        )
        applied, _ = await wait_applied(screening_db, total, options.setup_timeout, draft_progress)
        ids = await drafting if applied >= total else []
        if not ids:
            drafting.cancel()
            raise RuntimeError(f"only {applied} of {total} drafts reached the library in time")
        result.drafts = total
        result.draft_seconds = time.perf_counter() - started
        say(f"  {total} drafts in the library after {result.draft_seconds:.1f} s")
        result.stage = "sending"
        await open_loop(options, deployment, [i for i, _ in ids], result, intake_db, screening_db)
    finally:
        await client.close()


async def open_loop(
    options: Options,
    deployment: Deployment,
    ids: Sequence[str],
    result: Latency,
    intake_db: AsyncDatabase[dict[str, Any]],
    screening_db: AsyncDatabase[dict[str, Any]],
) -> None:
    # The holder who drafted them submits; an agency reads the library.
    holder = mint_token(ServiceSettings(), subject="bench-holder", role=Role.HOLDER, region=REGION)
    agency = mint_token(
        ServiceSettings(), subject="bench-agency", role=Role.SUPPORT_ORG, region=REGION
    )
    # aiohttp, not httpx, drives the load: httpx's pool spent most of this process's CPU on its
    # own bookkeeping at 60 requests/s, so the client, not the services, set the pace.
    # Requests in flight are bounded by semaphores as well as by the connectors.
    timeout = aiohttp.ClientTimeout(total=options.wait_ms / 1000 + 30)
    submitting = asyncio.Semaphore(MAX_IN_FLIGHT)
    reading = asyncio.Semaphore(MAX_IN_FLIGHT)
    loop = asyncio.get_running_loop()
    samples = [Sample(scheduled=math.nan) for _ in ids]
    start = loop.time() + 0.5
    deadline = start + options.duration + options.drain
    intake_url = f"http://127.0.0.1:{deployment.intake_port}"
    screening_url = f"http://127.0.0.1:{deployment.screening_port}"

    async def command(
        sample: Sample,
        achievement_id: str,
        intake_http: aiohttp.ClientSession,
        screening_http: aiohttp.ClientSession,
    ) -> None:
        async with submitting:
            sample.sent = loop.time()
            try:
                async with intake_http.post(
                    f"{intake_url}/achievements/{achievement_id}/submit", json={}
                ) as reply:
                    status = reply.status
                    body = await reply.json() if status < 300 else None
            except (aiohttp.ClientError, TimeoutError) as error:
                sample.error = f"submit {type(error).__name__}"
                return
        sample.replied = loop.time()
        sample.status = status
        if body is None:
            sample.error = f"submit {status}"
            return
        version = int(body["stream_version"])
        async with reading:
            while loop.time() < deadline:
                try:
                    async with screening_http.get(
                        f"{screening_url}/library/{achievement_id}",
                        params={"min_version": str(version), "wait_ms": str(options.wait_ms)},
                    ) as read:
                        read_status = read.status
                        await read.read()
                except (aiohttp.ClientError, TimeoutError) as error:
                    sample.error = f"read {type(error).__name__}"
                    return
                sample.reads += 1
                if read_status == 200:
                    sample.visible = loop.time()
                    return
                if read_status != 503:
                    sample.error = f"read {read_status}"
                    return

    async def report() -> None:
        while True:
            await asyncio.sleep(1.0)
            say(await _latency_line(samples, intake_db, screening_db, loop.time() - start))

    lags: list[float] = []

    async def watch_loop() -> None:
        # This process shares the CPUs with the services: how late its own event loop runs
        # bounds how exactly it can time sends and replies.
        while True:
            expected = loop.time() + 0.05
            await asyncio.sleep(0.05)
            lags.append(max(0.0, loop.time() - expected))

    say(
        f"(b) latency: {len(ids)} submits at {options.rate:g}/s for {options.duration:g} s "
        f"(open loop), each read back with min_version"
    )
    tasks: list[asyncio.Task[None]] = []
    pids = {
        "load generator": os.getpid(),
        **{p.name: p.process.pid for p in deployment.processes if p.process is not None},
        **stack_pids(),
    }
    cpu_before = cpu_seconds(pids)
    reporter = asyncio.create_task(report())
    watcher = asyncio.create_task(watch_loop())
    try:
        async with (
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_IN_FLIGHT),
                timeout=timeout,
                headers={"Authorization": f"Bearer {holder}"},
            ) as intake_http,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_IN_FLIGHT),
                timeout=timeout,
                headers={"Authorization": f"Bearer {agency}"},
            ) as screening_http,
        ):
            for index, achievement_id in enumerate(ids):
                at = start + index / options.rate
                samples[index].scheduled = at
                if (delay := at - loop.time()) > 0:
                    await asyncio.sleep(delay)
                tasks.append(
                    asyncio.create_task(
                        command(samples[index], achievement_id, intake_http, screening_http)
                    )
                )
            say(f"  all {len(ids)} scheduled; waiting up to {options.drain:g} s for the rest")
            result.stage = "draining"
            remaining = max(0.0, deadline - loop.time())
            if tasks:
                await asyncio.wait(tasks, timeout=remaining)
            cpu_after = cpu_seconds(pids)
            accepted = sum(1 for sample in samples if 200 <= sample.status < 300)
            if accepted:
                result.cpu_ms_per_command = {
                    name: 1000 * (cpu_after[name] - cpu_before[name]) / accepted
                    for name in cpu_after
                    if name in cpu_before
                }
            result.stage = "cancelling what is left"
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            result.stage = "closing the HTTP sessions"
    finally:
        summarise(samples, result)  # first: what was measured is reported even after a stall
        reporter.cancel()
        watcher.cancel()
        await asyncio.gather(reporter, watcher, return_exceptions=True)
        if lags:
            result.loop_lag_p99, result.loop_lag_max = percentile(lags, 99), max(lags)


async def _latency_line(
    samples: Sequence[Sample],
    intake_db: AsyncDatabase[dict[str, Any]],
    screening_db: AsyncDatabase[dict[str, Any]],
    elapsed: float,
) -> str:
    sent = sum(1 for s in samples if not math.isnan(s.sent))
    accepted = sum(1 for s in samples if 200 <= s.status < 300)
    visible = [s.visible - s.replied for s in samples if not math.isnan(s.visible)]
    applied, _, _ = await applied_total(screening_db)
    recent = percentile(visible[-200:], 99) if visible else math.nan
    return (
        f"  t={elapsed:5.1f}s sent {sent:5d} · 2xx {accepted:5d} · visible {len(visible):5d} "
        f"· outbox {await outbox_backlog(intake_db):5d} · applied {applied:6d} "
        f"· p99 of last 200 {ms(recent)}"
    )


def summarise(samples: Sequence[Sample], result: Latency) -> None:
    sent = [s for s in samples if not math.isnan(s.sent)]
    accepted = [s for s in sent if 200 <= s.status < 300]
    result.scheduled = len(samples)
    result.sent = len(sent)
    if sent:
        result.send_late_p99 = percentile([s.sent - s.scheduled for s in sent], 99)
    result.accepted = len(accepted)
    result.visible = sum(1 for s in accepted if not math.isnan(s.visible))
    for sample in sent:
        if sample.error:
            result.errors[sample.error] = result.errors.get(sample.error, 0) + 1
    never = sum(1 for s in accepted if math.isnan(s.visible) and not s.error)
    if never:
        result.errors["not readable before the deadline"] = never
    if sent:
        result.send_span = max(s.sent for s in sent) - min(s.sent for s in sent)
    if accepted:
        first = min(s.sent for s in sent)
        result.accepted_rate = len(accepted) / (max(s.replied for s in accepted) - first)
        replies = [s.replied - s.scheduled for s in accepted]
        result.reply_p50, result.reply_p99 = percentile(replies, 50), percentile(replies, 99)
        # A 2xx whose entry never became readable counts as infinitely late.
        latencies = [
            s.visible - s.replied if not math.isnan(s.visible) else math.inf for s in accepted
        ]
        result.p50, result.p95 = percentile(latencies, 50), percentile(latencies, 95)
        result.p99, result.max = percentile(latencies, 99), max(latencies)
        result.mean_reads = sum(s.reads for s in accepted) / len(accepted)


# --------------------------------------------------------------------------------------------
# the run


@dataclass(frozen=True)
class Options:
    events: int
    concurrency: int
    partitions: int
    projection_batch_size: int
    throughput_timeout: float
    rate: float
    duration: float
    drain: float
    wait_ms: int
    setup_timeout: float
    service_env: dict[str, str]
    skip_throughput: bool
    skip_latency: bool


def machine() -> dict[str, str]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    memory_kib = first("/proc/meminfo", "MemTotal").split()[0]
    memory = f"{int(memory_kib) / 1024 / 1024:.1f} GiB" if memory_kib.isdigit() else "?"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": first("/proc/cpuinfo", "model name"),
        "python": platform.python_version(),
        "load_average": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def _cpu_line(cpu: dict[str, float]) -> str:
    if not cpu:
        return "n/a"
    parts = [f"{name} {value:.1f}" for name, value in sorted(cpu.items(), key=lambda kv: -kv[1])]
    return f"{sum(cpu.values()):.1f} in all: " + ", ".join(parts)


def table(info: dict[str, str], options: Options, a: Throughput | None, b: Latency | None) -> str:
    lines = [
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']}, "
        f"Python {info['python']}, load average at start {info['load_average']}, {info['date']}",
        "",
        "| figure | value | goal |",
        "| --- | --- | --- |",
    ]
    if a is not None:
        done = "" if a.complete else f" (INCOMPLETE: {a.applied} of {a.events} applied)"
        lines += [
            f"| events (N) | {a.events} ({a.events // 2} achievements drafted + submitted, "
            f"{options.concurrency} concurrent appenders) | |",
            f"| baseline: raw aiokafka produce→consume | {a.kafka_rate:,.0f} events/s "
            f"({a.kafka_seconds:.2f} s) | |",
            f"| baseline: raw bulk_write ({a.mongo_inserts} inserts + {a.mongo_replaces} replaces) "
            f"| {a.mongo_rate:,.0f} events/s ({a.mongo_seconds:.2f} s) | |",
            f"| baseline: both, one after the other | {a.baseline_rate:,.0f} events/s | |",
            f"| pipeline: appends through intake's handlers | {a.append_rate:,.0f} events/s "
            f"({a.append_seconds:.1f} s) | |",
            f"| pipeline: append → applied in screening | {a.pipeline_rate:,.1f} events/s "
            f"({a.pipeline_seconds:.1f} s){done} | |",
            f"| ratio pipeline / baseline | {a.ratio:.3f} | ≥ 0.5 |",
            f"| (a) where the time went | {_profile_line(a.profile)} | |",
        ]
        if a.error:
            lines.append(f"| (a) FAILED | {a.error} | |")
    if b is not None:
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(b.errors.items())) or "none"
        lines += [
            f"| latency: offered | {b.rate:g} submits/s for {b.duration:g} s: {b.sent} of "
            f"{b.scheduled} sent over {b.send_span:.1f} s, p99 {ms(b.send_late_p99)} behind "
            f"the timetable | 200/s |",
            f"| latency: accepted (2xx) | {b.accepted} at {b.accepted_rate:,.1f}/s; "
            f"reply after schedule p50 {ms(b.reply_p50)}, p99 {ms(b.reply_p99)} | |",
            f"| latency: 2xx reply → readable in screening, p50 / p95 / p99 / max | {ms(b.p50)} / "
            f"{ms(b.p95)} / {ms(b.p99)} / {ms(b.max)} | p99 ≤ 100 ms |",
            f"| latency: reads per command (GET with min_version) | {b.mean_reads:.2f} | |",
            f"| latency: this process's event-loop lag, p99 / max | {ms(b.loop_lag_p99)} / "
            f"{ms(b.loop_lag_max)} | |",
            f"| latency: failures | {errors} | |",
            f"| (b) where the time went | {_profile_line(b.profile)} | |",
            f"| (b) CPU ms per accepted command, by process | {_cpu_line(b.cpu_ms_per_command)} | |",
        ]
        if b.error:
            lines.append(f"| (b) FAILED | {b.error} | |")
    return "\n".join(lines)


def _profile_line(profile: dict[str, float]) -> str:
    if not profile:
        return "no figures"
    relay = (
        f"relay {profile.get('relay_batches', 0):.0f} batches of "
        f"{profile.get('relay_commits_per_batch', math.nan):.1f} commits on average "
        f"(largest {profile.get('relay_largest_batch', math.nan):.0f}), "
        f"median {ms(profile.get('relay_median_gap_s', math.nan))} between batches"
    )
    worker = (
        f"worker {profile.get('worker_batches', 0):.0f} batches of "
        f"{profile.get('worker_events_per_batch', math.nan):.1f} events on average, "
        f"{profile.get('worker_batch_ms', math.nan):.0f} ms each to apply"
    )
    return f"{relay}; {worker}"


def _env_pairs(values: Sequence[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep:
            raise SystemExit(f"--env wants KEY=VALUE, not {value!r}")
        pairs[key] = setting
    return pairs


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pipeline", description=__doc__)
    parser.add_argument("--events", type=int, default=5000, help="N for (a) (default 5000)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent appenders")
    parser.add_argument("--partitions", type=int, default=6, help="KAFKA_PARTITIONS")
    parser.add_argument("--throughput-timeout", type=float, default=150.0)
    parser.add_argument("--rate", type=float, default=200.0, help="(b) submits per second")
    parser.add_argument("--duration", type=float, default=30.0, help="(b) seconds of sending")
    parser.add_argument("--drain", type=float, default=20.0, help="(b) seconds to wait after")
    parser.add_argument("--wait-ms", type=int, default=2000, help="(b) wait_ms of each read")
    parser.add_argument("--setup-timeout", type=float, default=180.0, help="(b) drafts in time")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for every service process, e.g. RELAY_POLL_MS=5 (repeatable)",
    )
    parser.add_argument(
        "--projection-batch",
        type=int,
        default=0,
        help="PROJECTION_BATCH_SIZE of the worker and of the baseline's batches; 0 (the default) "
        "keeps the service default (500). Before the projection store split its replaces into "
        "commands of at most 99, FerretDB 1.24 deadlocked on a batch replacing 100 or more "
        "existing documents; 99 here avoids that with such a kernel",
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args(argv)
    service_env = _env_pairs(args.env)
    if args.projection_batch:
        service_env.setdefault("PROJECTION_BATCH_SIZE", str(args.projection_batch))
    return Options(
        events=args.events - args.events % 2,
        concurrency=args.concurrency,
        partitions=args.partitions,
        projection_batch_size=int(service_env.get("PROJECTION_BATCH_SIZE", "500")),
        throughput_timeout=args.throughput_timeout,
        rate=args.rate,
        duration=args.duration,
        drain=args.drain,
        wait_ms=args.wait_ms,
        setup_timeout=args.setup_timeout,
        service_env=service_env,
        skip_throughput=args.skip_throughput,
        skip_latency=args.skip_latency,
    )


def run_phase(name: str, phase: Callable[[], Coroutine[Any, Any, None]], limit_s: float) -> str:
    """Run one phase on its own event loop; a failure or a stall becomes a line in the report."""

    async def bounded() -> None:
        await asyncio.wait_for(phase(), limit_s)

    try:
        asyncio.run(bounded())
    except (TimeoutError, PyMongoError, RuntimeError, httpx.HTTPError, OSError) as error:
        reason = f"{type(error).__name__}: {str(error)[:300]}"
        say(f"{name} FAILED: {reason}")
        return reason
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    info = machine()
    say(
        f"machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']}, "
        f"Python {info['python']}, load average {info['load_average']}"
    )
    endpoints = ensure_stack(progress=lambda line: say(f"stack: {line}"))
    stack = {
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
        "MONGODB_URI": endpoints.mongodb_uri,
    }
    run_id = f"bench{uuid.uuid4().hex[:8]}"
    out = StackSettings().stack_dir / "bench" / run_id
    say(f"run {run_id}: Kafka {endpoints.kafka_bootstrap_servers}, MongoDB {endpoints.mongodb_uri}")
    throughput: Throughput | None = None
    latency: Latency | None = None
    if not options.skip_throughput:
        throughput = Throughput(events=options.events)
        deployment = Deployment(f"{run_id}t", stack, out, options.partitions, options.service_env)
        a = throughput
        a.error = run_phase(
            "(a) baseline", lambda: throughput_baseline(options, deployment, a), 300
        )
        say("(a) pipeline: starting intake's relay and screening's worker")
        try:
            deployment.start(apis=False)
            a.error = a.error or run_phase(
                "(a) pipeline",
                lambda: throughput_pipeline(options, deployment, a),
                options.throughput_timeout + 120,
            )
            a.profile = deployment.profile()
        finally:
            deployment.stop()
        say(f"(a) profile: {_profile_line(a.profile)}")
        say(
            f"(a) pipeline {a.pipeline_rate:,.1f} events/s vs baseline "
            f"{a.baseline_rate:,.0f} events/s: ratio {a.ratio:.3f}"
        )
    if not options.skip_latency:
        latency = Latency(rate=options.rate, duration=options.duration)
        deployment = Deployment(f"{run_id}l", stack, out, options.partitions, options.service_env)
        b = latency
        say("(b) latency: starting relay, worker and both APIs")
        try:
            deployment.start(apis=True)
            b.error = run_phase(
                "(b) latency",
                lambda: latency_phase(options, deployment, b),
                options.setup_timeout + options.duration + options.drain + 120,
            )
            if b.error:
                b.error = f"{b.error} (while {b.stage})"
            b.profile = deployment.profile()
        finally:
            deployment.stop()
        say(f"(b) profile: {_profile_line(b.profile)}")
    report = table(info, options, throughput, latency)
    print("\n" + report, flush=True)
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "run_id": run_id,
        "command": " ".join(["python -m benchmarks.pipeline", *(argv or sys.argv[1:])]),
        "machine": info,
        "load_average_at_end": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "options": asdict(options),
        "throughput": asdict(throughput) if throughput else None,
        "latency": asdict(latency) if latency else None,
    }
    (out / "figures.json").write_text(json.dumps(figures, indent=2, default=str))
    (out / "table.md").write_text(report + "\n")
    say(f"figures in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
