"""The as-of benchmark: an achievement of 1,000 events asked for as of random moments, over HTTP.

    python -m benchmarks.as_of                      # 1,000 events, 200 queries of each kind
    python -m benchmarks.as_of --events 300 --queries 50

On the real local stack (``ensure_stack``: Kafka and FerretDB or mongod) it starts intake's API as
its own process, builds one achievement through the API (a draft, then updates, one event per
command) and notes the moment after every 50th command together with the live answer. Then, in
alternation so that both see the same load on the machine:

* **live** — ``GET /achievements/{id}``: the service's event store (its stream cache) and a full
  rehydration of the 1,000 events, as every read of it does today: the baseline;
* **as of** — the same GET with ``as_of`` at a random moment of the stream's life: the stream
  history (cached commits) and a snapshot at most 99 events behind.

Every noted live answer is asked for again with ``as_of`` and must be identical (the benchmark
fails otherwise). In process it also times what the snapshots save — rehydrating the stream as of
each moment with and without them — and what the first question about a stream costs (reading its
1,000 commits from the database).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from intake.domain.achievement import Achievement
from ztc_shared.auth import Role, mint_token
from ztc_shared.events import EVENTS
from ztc_shared.history import AggregateSnapshots, MongoStreamHistory
from ztc_shared.mongo import make_client
from ztc_shared.settings import ServiceSettings
from ztc_tools.stack import StackEndpoints, ensure_stack
from ztc_tools.testing.processes import APIS, ServiceProcess, free_port

GOAL_P95_MS = 50.0


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<34} n={len(values):<4} p50 {statistics.median(values):7.2f} ms  "
        f"p95 {percentile(values, 0.95):7.2f} ms  max {max(values):7.2f} ms"
    )


def draft() -> dict[str, Any]:
    return {
        "title": "面向工业质检的视觉大模型",
        "abstract": "基于自监督预训练的工业视觉检测模型，缺陷检出率 99.2%，可在边缘设备部署。",
        "field": "next_gen_it",
        "sub_field": "artificial_intelligence",
        "keywords": ["机器视觉", "缺陷检测"],
        "trl": 6,
        "holder_name": "王五",
        "institution": "华南理工大学",
        "channel": "open_call",
        "asking_price_wan": "120.5",
    }


async def build(
    client: httpx.AsyncClient, events: int, holder: dict[str, str], reader: dict[str, str]
) -> tuple[str, list[tuple[datetime, dict[str, Any]]], list[datetime]]:
    """The achievement, the live answers noted on the way, and the moment after each command."""
    created = await client.post("/achievements", json=draft(), headers=holder)
    created.raise_for_status()
    url = f"/achievements/{created.json()['id']}"
    noted: list[tuple[datetime, dict[str, Any]]] = []
    moments = [datetime.now(UTC)]
    for step in range(2, events + 1):
        change = {"keywords": ["机器视觉", f"第{step}版"], "trl": 5 + step % 4}
        updated = await client.patch(url, json=change, headers=holder)
        updated.raise_for_status()
        if step % 50 == 0 or step == events:
            live = await client.get(url, headers=reader)
            live.raise_for_status()
            noted.append((datetime.now(UTC), live.json()))
            await asyncio.sleep(0.002)  # the next commit is recorded strictly later
        moments.append(datetime.now(UTC))
        if step % 200 == 0:
            say(f"  built {step} events")
    return url, noted, moments


async def measure(options: argparse.Namespace, endpoints: StackEndpoints) -> int:
    run_id = f"asof{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
        "MONGODB_URI": endpoints.mongodb_uri,
        "ZTC_TOPIC_PREFIX": f"{run_id}.",
        "ZTC_DATABASE_PREFIX": f"{run_id}_",
        "INTAKE_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    settings = ServiceSettings()
    holder = {
        "Authorization": "Bearer "
        + mint_token(settings, subject="bench-holder", role=Role.HOLDER, region="440000")
    }
    reader = {
        "Authorization": "Bearer "
        + mint_token(settings, subject="bench-province", role=Role.PROVINCE, region="440000")
    }
    log_dir = Path(tempfile.mkdtemp(prefix="bench-as-of-"))
    api = ServiceProcess("intake-api", APIS["intake"], env=env, log_dir=log_dir, port=port).start()
    try:
        api.wait_ready(timeout=90)
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
            say(f"building an achievement of {options.events} events through the API")
            started = time.perf_counter()
            url, noted, moments = await build(client, options.events, holder, reader)
            say(f"  built in {time.perf_counter() - started:.1f} s")

            rng = random.Random(options.seed)
            first = time.perf_counter()
            cold = await client.get(url, params={"as_of": moments[-1].isoformat()}, headers=reader)
            cold.raise_for_status()
            first_ms = (time.perf_counter() - first) * 1000
            for _ in range(options.warmup):
                await client.get(url, headers=reader)
                moment = rng.choice(moments)
                await client.get(url, params={"as_of": moment.isoformat()}, headers=reader)

            live_ms: list[float] = []
            as_of_ms: list[float] = []
            for _ in range(options.queries):
                began = time.perf_counter()
                answer = await client.get(url, headers=reader)
                live_ms.append((time.perf_counter() - began) * 1000)
                answer.raise_for_status()
                moment = rng.choice(moments)
                began = time.perf_counter()
                answer = await client.get(url, params={"as_of": moment.isoformat()}, headers=reader)
                as_of_ms.append((time.perf_counter() - began) * 1000)
                answer.raise_for_status()

            mismatches = 0
            for moment, live in noted:
                again = await client.get(url, params={"as_of": moment.isoformat()}, headers=reader)
                if again.json() != live:
                    mismatches += 1
        stream_id = url.rsplit("/", 1)[-1]
        database = make_client(endpoints.mongodb_uri)[f"{run_id}_ztc_intake"]
        in_process = await rehydration(database, stream_id, moments, options, rng)
    finally:
        api.stop()

    say("")
    say(f"machine: {platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()}")
    say(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    say(f"stream: {options.events} events, one per commit; {options.queries} queries of each kind")
    say(summary("live GET (baseline)", live_ms))
    say(summary("as_of GET", as_of_ms))
    say(f"{'first as_of GET of the stream':<34} {first_ms:7.2f} ms (reads its commits)")
    for name, values in in_process.items():
        if isinstance(values, list):
            say(summary(name, values))
        else:
            say(f"{name:<34} {values:7.2f} ms")
    ratio = percentile(as_of_ms, 0.95) / percentile(live_ms, 0.95)
    say(f"as_of p95 / live p95: {ratio:.2f}")
    say(f"recorded live answers asked again with as_of: {len(noted)}, mismatches: {mismatches}")
    verdict = percentile(as_of_ms, 0.95) <= GOAL_P95_MS
    say(f"goal p95 <= {GOAL_P95_MS:.0f} ms: {'met' if verdict else 'NOT met'}")
    return 0 if mismatches == 0 else 1


async def rehydration(
    database: Any,
    stream_id: str,
    moments: list[datetime],
    options: argparse.Namespace,
    rng: random.Random,
) -> dict[str, Any]:
    """In process: reading the commits cold, and rehydrating as of moments with and without
    snapshots (the CPU the API spends)."""
    began = time.perf_counter()
    history = MongoStreamHistory(database)
    commits = await history.commits(stream_id)
    cold_read_ms = (time.perf_counter() - began) * 1000
    assert commits[-1].last_version == options.events
    snapshots = AggregateSnapshots(Achievement)
    snapshots.rehydrate(stream_id, commits)  # the snapshots a first full answer leaves
    with_snapshots: list[float] = []
    full_replay: list[float] = []
    for _ in range(options.queries):
        moment = rng.choice(moments)
        upto = [c for c in commits if c.recorded_at <= moment]
        began = time.perf_counter()
        fast = snapshots.rehydrate(stream_id, upto)
        with_snapshots.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        slow = Achievement.rehydrate(stream_id, [EVENTS.payload(e) for c in upto for e in c.events])
        full_replay.append((time.perf_counter() - began) * 1000)
        assert (fast.version, fast.details, fast.status) == (
            slow.version,
            slow.details,
            slow.status,
        )
    return {
        "read 1,000 commits cold (in process)": cold_read_ms,
        "rehydrate with snapshots": with_snapshots,
        "rehydrate by full replay": full_replay,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.as_of", description=__doc__)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    options = parser.parse_args(argv)
    endpoints = ensure_stack(progress=lambda line: say(f"stack: {line}"))
    return asyncio.run(measure(options, endpoints))


if __name__ == "__main__":
    raise SystemExit(main())
