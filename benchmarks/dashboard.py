"""The dashboard benchmark: the overview's server response with a nation's history loaded.

    python -m benchmarks.dashboard                 # make bench
    python -m benchmarks.dashboard --achievements 100000 --requests 300

On the real local stack (``ensure_stack``), a fresh database prefix: the read model of 100,000
achievements of 31 provinces over five years is written the way the worker writes it — every
achievement's funnel facts added with the worker's own code (``add_fact``) into the counter
documents, plus the roadshows, hosts and tracking cases a history of that size holds — then the
dashboard's API runs as its own process (``ServiceProcess``) and is asked, one request at a time:

* the baseline, measured in the same run: ``GET /healthz`` (the same app, no reads);
* ``GET /api/overview`` as Torch Center (the nation) and as a province;
* ``GET /dashboard`` — the overview page, rendered — as Torch Center and as a province.

It prints p50, p95 and max per request kind and their ratio to the baseline's p95; the goal is the
overview page's p95 at most 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from dashboard.adapters.counters import encode
from dashboard.adapters.readmodel import COUNTERS, READ_MODEL, collection_name
from dashboard.domain.funnel import Entry, Fact, Stage, apply_item, empty_document, targets
from dashboard.domain.regions import PROVINCES
from ztc_shared.auth import Role, mint_token
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.mongo import make_client
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.settings import ServiceSettings
from ztc_tools.stack import StackSettings, ensure_stack
from ztc_tools.testing.processes import APIS, ServiceProcess, free_port

FIELDS = [f.value for f in IndustryField]
# Of every 1000 collected results, how many reach each later step (a plausible programme).
LADDER = [
    (Stage.ADMITTED, 700),
    (Stage.LONGLISTED, 300),
    (Stage.ON_STAGE, 60),
    (Stage.INTENTS, 45),
    (Stage.SIGNED, 20),
    (Stage.LANDED, 10),
    (Stage.INDUSTRIALISED, 5),
]


def history_facts(achievements: int, years: list[int], rng: random.Random) -> list[Fact]:
    provinces = list(PROVINCES)
    facts = []
    for _ in range(achievements):
        region = rng.choice(provinces)
        year = rng.choice(years)
        field = rng.choice(FIELDS)
        host = f"host-{region[:2]}-{rng.randrange(10)}"
        facts.append(Fact(Stage.COLLECTED, region, year, field))
        draw = rng.randrange(1000)
        for stage, per_mille in LADDER:
            if draw >= per_mille:
                break
            amount = Decimal(rng.randrange(10, 5000)) if stage >= Stage.SIGNED else Decimal(0)
            facts.append(
                Fact(stage, region, year, field, "" if stage == Stage.ADMITTED else host, 1, amount)
            )
    return facts


async def load(uri: str, database_name: str, achievements: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    this_year = date.today().year
    years = list(range(this_year - 4, this_year + 1))
    started = time.perf_counter()
    documents: dict[str, dict[str, Any]] = {}
    facts = history_facts(achievements, years, rng)
    for fact in facts:
        for target in targets(fact):
            if target not in documents:
                documents[target] = {"_id": target, **empty_document(target), "_rev": 1}
            apply_item(documents[target], target, fact)
    # The lists a history of that size holds: ten roadshows a province a year (the calendar),
    # ten hosts a province a year with their summaries, and the tracking cases needing attention.
    today = date.today()
    entries: list[Entry] = []
    for p in PROVINCES:
        for y in years:
            for n in range(10):
                roadshow_id = f"rs-{uuid.uuid4().hex[:12]}"
                day = today + timedelta(days=rng.randrange(-1500, 120))
                row = {
                    "id": roadshow_id,
                    "title": f"{PROVINCES[p][0]}{y}年第{n + 1}场路演",
                    "event_date": day.isoformat(),
                    "host_id": f"host-{p[:2]}-{n}",
                    "province": p,
                    "capacity": 200,
                    "fields": [rng.choice(FIELDS)],
                }
                entries.append(Entry("calendar", p, roadshow_id, row, bucket=str(day.year)))
                host = {
                    "year": y,
                    "host_id": f"host-{p[:2]}-{n}",
                    "name": f"{PROVINCES[p][0]}承办单位{n + 1}",
                    "province": p,
                    "summary": rng.choice(["not_started", "drafted", "submitted", "accepted"]),
                    "summary_overdue": rng.random() < 0.1,
                }
                key = f"{y}|{host['host_id']}"
                entries.append(Entry("hosts", p, key, host, merge=True, bucket=str(y)))
    intents = sum(1 for f in facts if f.stage == Stage.INTENTS)
    attention = 0
    for i in range(intents):
        if rng.random() < 0.08:
            p = rng.choice(list(PROVINCES))
            attention += 1
            row = {
                "case_id": f"case-{i}",
                "achievement_id": f"ach-{i}",
                "title": f"跟踪项目{i}",
                "host_id": f"host-{p[:2]}-0",
                "stage": "negotiating",
                "province": p,
                "overdue": True,
                "days_overdue": rng.randrange(1, 90),
            }
            entries.append(Entry("attention", p, f"case-{i}", row, merge=True))
    for entry in entries:
        for target in targets(entry):
            if target not in documents:
                documents[target] = {"_id": target, **empty_document(target), "_rev": 1}
            apply_item(documents[target], target, entry)
    client = make_client(uri)
    try:
        database = client[database_name]
        catalog = MongoProjectionCatalog(database, "dashboard", "")
        generation = (await catalog.active(READ_MODEL)).number
        stored = [encode(d) for d in documents.values()]
        await database[collection_name(COUNTERS, generation)].insert_many(stored)
        return {
            "facts": len(facts),
            "documents": len(documents),
            "largest_document_kb": round(max(len(d["state"]) for d in stored) / 1024),
            "calendar_rows": sum(1 for e in entries if e.list_name == "calendar"),
            "attention_cases": attention,
            "load_seconds": round(time.perf_counter() - started, 1),
        }
    finally:
        await client.close()


def measure(client: httpx.Client, path: str, headers: dict[str, str], n: int) -> list[float]:
    for _ in range(5):  # warm up: connections, the token cache, the catalog
        assert client.get(path, headers=headers).status_code == 200
    times = []
    for _ in range(n):
        started = time.perf_counter()
        reply = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, reply.text[:300]
    return times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.dashboard")
    parser.add_argument("--achievements", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    endpoints = ensure_stack(StackSettings())
    prefix = f"bench{uuid.uuid4().hex[:6]}_"
    loaded = asyncio.run(
        load(endpoints.mongodb_uri, f"{prefix}ztc_dashboard", args.achievements, args.seed)
    )
    print(f"loaded: {json.dumps(loaded)}")
    port = free_port()
    log_dir = Path(StackSettings().stack_dir) / "bench" / prefix.rstrip("_")
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap_servers,
        "MONGODB_URI": endpoints.mongodb_uri,
        "ZTC_DATABASE_PREFIX": prefix,
        "DASHBOARD_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    api = ServiceProcess("dashboard-api", APIS["dashboard"], env=env, log_dir=log_dir, port=port)
    settings = ServiceSettings()
    torch = mint_token(settings, subject="torch-bench", role=Role.TORCH_CENTER, region="100000")
    gd = mint_token(settings, subject="gd-bench", role=Role.PROVINCE, region="440000")
    rows = []
    try:
        api.start().wait_ready(timeout=90)
        with httpx.Client(base_url=api.url, timeout=10) as client:
            kinds = [
                ("baseline GET /healthz", "/healthz", {}),
                ("GET /api/overview (Torch Center, national)", "/api/overview", {"t": torch}),
                ("GET /api/overview (Guangdong)", "/api/overview", {"t": gd}),
                ("GET /dashboard page (Torch Center, national)", "/dashboard", {"t": torch}),
                ("GET /dashboard page (Guangdong)", "/dashboard", {"t": gd}),
            ]
            for name, path, who in kinds:
                headers = {"Authorization": f"Bearer {who['t']}"} if who else {}
                if path == "/dashboard" and who:
                    headers = {"Cookie": f"ztc_token={who['t']}"}
                print(f"measuring {name}", flush=True)
                times = measure(client, path, headers, args.requests)
                rows.append((name, statistics.median(times), pct(times, 95), max(times)))
    finally:
        api.stop()
    base = rows[0][2]
    print(
        f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{args.achievements} achievements, {args.requests} sequential requests each\n"
    )
    print(f"{'request':48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95/base':>9}")
    for name, p50, p95, top in rows:
        print(f"{name:48} {p50:8.1f} {p95:8.1f} {top:8.1f} {p95 / base:9.1f}")
    page_p95 = max(r[2] for r in rows if "page" in r[0])
    verdict = "met" if page_p95 <= 200 else "NOT met"
    print(f"\noverview page p95 {page_p95:.1f} ms: goal (≤ 200 ms) {verdict}")


if __name__ == "__main__":
    main()
