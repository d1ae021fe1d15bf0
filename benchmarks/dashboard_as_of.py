"""The dashboard as of a moment: what building a moment costs against reading the topics alone.

    python -m benchmarks.dashboard_as_of                     # make bench
    python -m benchmarks.dashboard_as_of --achievements 10000 --runs 5

On the real local stack (``ensure_stack``), under a fresh topic prefix: a province's history as the
other services publish it (``dashboard.scenario``: achievements collected, admitted and published;
screening rounds longlisting a third of them) is produced to its services' topics. Then, alternating
so that every kind sees the same load:

* the baseline: ``replay_until`` alone — reading every topic from the beginning and decoding the
  events that occurred by the moment;
* building a moment cold: ``CountersAsOf.at`` with nothing kept (replay, order, fold);
* a kept moment: ``CountersAsOf.at`` again for the same moment.

It prints the median and max of each and the cold build's ratio to the baseline (ADR 14).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer

from dashboard.adapters.as_of import CountersAsOf, fixed_topics
from dashboard.scenario import Scenario, Step
from ztc_shared.events import encode_event
from ztc_shared.history import replay_until
from ztc_shared.kafka.topics import ensure_topics
from ztc_tools.stack import StackSettings, ensure_stack

FIELDS = ("next_gen_it", "new_energy", "biotech", "new_materials", "high_end_equipment")


def history(achievements: int) -> Step:
    scenario = Scenario(region="440000", at=datetime.now(UTC) - timedelta(days=30))
    steps: Step = []
    ids: list[tuple[str, str]] = []
    for number in range(achievements):
        field_ = FIELDS[number % len(FIELDS)]
        achievement_id, step = scenario.achievement(field_)
        steps += step
        ids.append((achievement_id, field_))
    for start in range(0, len(ids) // 3, 100):  # a round per hundred longlisted
        round_id, opened = scenario.screening_round("host-1", f"roadshow-{start}", list(FIELDS))
        steps += opened
        for achievement_id, field_ in ids[start : start + 100]:
            steps += scenario.longlist(round_id, achievement_id, field_)
    return steps


async def produce(bootstrap: str, prefix: str, steps: Step) -> list[str]:
    topics = sorted({f"{prefix}ztc.{service}.events" for service, _ in steps})
    await ensure_topics(bootstrap, topics, partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        sent = []
        for number, (service, envelope) in enumerate(steps, start=1):
            sent.append(
                await producer.send(
                    f"{prefix}ztc.{service}.events",
                    encode_event(envelope),
                    key=envelope.stream_id.encode(),
                )
            )
            if number % 5000 == 0:
                await asyncio.gather(*sent)
                sent.clear()
                print(f"  produced {number}/{len(steps)} events", flush=True)
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return topics


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--achievements", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    endpoints = await asyncio.to_thread(ensure_stack, StackSettings())
    bootstrap = endpoints.kafka_bootstrap_servers
    steps = history(args.achievements)
    print(f"history: {args.achievements} achievements, {len(steps)} events", flush=True)
    topics = await produce(bootstrap, f"bench-asof-{uuid.uuid4().hex[:8]}.", steps)
    moment = datetime.now(UTC) + timedelta(days=1)  # everything produced

    kept = CountersAsOf(bootstrap, fixed_topics(topics))
    documents = len((await kept.at(moment)).documents)
    results: dict[str, list[float]] = {"replay": [], "cold": [], "kept": []}
    for run in range(args.runs):
        results["replay"].append(await timed(lambda: replay_until(bootstrap, topics, moment)))
        cold = CountersAsOf(bootstrap, fixed_topics(topics))
        results["cold"].append(await timed(lambda: cold.at(moment)))  # noqa: B023 - awaited now
        await cold.close()
        for _ in range(20):
            results["kept"].append(await timed(lambda: kept.at(moment)))
        print(f"  run {run + 1}/{args.runs}", flush=True)
    await kept.close()

    print(
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; {len(steps)} events on {len(topics)} topics; "
        f"{documents} counter documents"
    )
    baseline = statistics.median(results["replay"])
    for name, label in (
        ("replay", "replay_until alone (baseline)"),
        ("cold", "a moment built cold"),
        ("kept", "a kept moment"),
    ):
        median = statistics.median(results[name])
        print(
            f"{label:32s} median {median * 1000:10.3f} ms   max {max(results[name]) * 1000:10.3f} ms"
            f"   ×{median / baseline:7.4f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
