"""Notify's dispatcher claiming deliveries from its ledger: one scan per claim against kept scans.

    python -m benchmarks.notify_claims                        # make bench
    python -m benchmarks.notify_claims --pending 300 --history 3000 --runs 3

On the real local stack (``ensure_stack``; FerretDB locally, which answers the "what is due" query
by scanning the whole ledger), in a fresh database per run: a ledger grown by ``--history``
deliveries already delivered, then ``--pending`` due e-mail deliveries, claimed and marked
delivered one after another as a dispatcher does. Alternating, so both see the same load:

* the baseline: ``MongoLedger(refill_after=0)`` — a scan for every claim (the ledger before);
* ``MongoLedger()`` — a scan's due keys kept and claimed in turn for up to a second.

It prints deliveries per second, the number of scans, and the ratio of the two.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
import uuid
from datetime import timedelta

from notify.adapters.mongo.ledger import MongoLedger
from notify.domain.deliveries import Status
from notify.domain.recipients import Channel
from notify.testing.contracts import LEASE, T0, delivery
from ztc_shared.mongo import make_client
from ztc_tools.stack import StackSettings, ensure_stack


async def one_run(uri: str, pending: int, history: int, refill_after: float) -> tuple[float, int]:
    client = make_client(uri)
    database = client[f"bench_notify_{uuid.uuid4().hex[:8]}"]
    try:
        ledger = MongoLedger(database, refill_after=refill_after)
        await ledger.ensure_indexes()
        done = [
            delivery(f"old-{n}", recipient=f"company-{n}", status=Status.DELIVERED)
            for n in range(history)
        ]
        for start in range(0, len(done), 500):
            await ledger.add(done[start : start + 500], T0)
        due = [delivery(f"due-{n}", recipient=f"company-{n}") for n in range(pending)]
        await ledger.add(due, T0)
        now = T0 + timedelta(seconds=1)
        started = time.perf_counter()
        sent = 0
        while (
            claimed := await ledger.claim("bench", [Channel.EMAIL], now, now + LEASE)
        ) is not None:
            assert await ledger.delivered(claimed.key, "bench", now)
            sent += 1
        seconds = time.perf_counter() - started
        assert sent == pending, (sent, pending)
        return pending / seconds, ledger.scans
    finally:
        await client.drop_database(database.name)
        await client.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=300)
    parser.add_argument("--history", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    endpoints = await asyncio.to_thread(ensure_stack, StackSettings())
    rates: dict[str, list[float]] = {"scan per claim": [], "kept scans": []}
    scans: dict[str, int] = {}
    for run in range(args.runs):
        for name, refill_after in (("scan per claim", 0.0), ("kept scans", 1.0)):
            rate, scanned = await one_run(
                endpoints.mongodb_uri, args.pending, args.history, refill_after
            )
            rates[name].append(rate)
            scans[name] = scanned
            print(f"  run {run + 1}/{args.runs} {name}: {rate:.1f} deliveries/s", flush=True)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; {args.pending} due among {args.pending + args.history}"
    )
    baseline = statistics.median(rates["scan per claim"])
    for name, values in rates.items():
        median = statistics.median(values)
        print(
            f"{name:16s} median {median:8.1f}/s   min {min(values):8.1f}/s   "
            f"scans {scans[name]:5d}   ×{median / baseline:6.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
