"""The tracking figures benchmark: the funnel and a host's year, computed from a province's facts.

    python -m benchmarks.tracking_figures                 # a province's year: see SIZES
    python -m benchmarks.tracking_figures --scale 5       # five such years

It builds the facts documents the way the projection does (``FactsProjector.apply`` over synthetic
events: achievements collected and admitted, screening rounds with their longlists, roadshows with
their pitches, intents and meetings, and cases with deals, landings and industrialisation), writes
them into a collection on the real local stack (``ensure_stack``), and then times, in alternation so
that all see the same load on the machine:

* **one document** — ``find_one`` by ``_id``: one round trip, the baseline;
* **read all** — every facts document of the deployment, timelines left out (what the API reads
  when the projection's status changed);
* **funnel** — ``GET /figures/funnel``'s work without HTTP: read all, then compute the funnel;
* **API cache** — the funnel as the API answers it while the projection's status is unchanged
  (``MongoFacts`` keeps the last read: one status read, then the computation);
* **compute only** — the funnel and a host's year from documents already in memory.

Figures are printed as medians and as ratios to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tracking.adapters.mongo import MongoFacts
from tracking.application.facts import FactsProjector
from tracking.application.figures import Facts, Scope, funnel, summary_figures
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.events import EventEnvelope
from ztc_shared.mongo import make_client
from ztc_shared.projections import MongoProjectionCatalog
from ztc_tools.stack import StackSettings, ensure_stack

# A province's year (DOMAIN.md: thousands of results, tens of events, 10–20 projects an event).
SIZES = {
    "achievements": 4000,
    "roadshows": 30,
    "longlist": 100,
    "pitches": 15,
    "intents_per_pitch": 3,
    "companies": 800,
}
FIELDS = ("new_energy", "biotech", "next_gen_it", "new_materials", "high_end_equipment")
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _company(n: int) -> str:
    return sample_credit_code(n, series="MA5B")


class Builder:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.projector = FactsProjector()
        self.documents: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, int] = {}

    def event(
        self,
        stream_type: str,
        stream_id: str,
        event_type: str,
        payload: dict[str, Any],
        days: int = 0,
    ) -> None:
        version = self.versions.get(stream_id, 0) + 1
        self.versions[stream_id] = version
        envelope = EventEnvelope(
            event_id=uuid.uuid4(),
            event_type=event_type,
            schema_version=1,
            stream_id=stream_id,
            stream_type=stream_type,
            stream_version=version,
            occurred_at=T0 + timedelta(days=days),
            region="440000",
            actor="bench",
            correlation_id="bench",
            payload=payload,
        )
        self.documents[stream_id] = self.projector.apply(self.documents.get(stream_id), envelope)

    def build(self, scale: int) -> list[dict[str, Any]]:
        pick = self.random
        for year_index in range(scale):
            year = 2026 + year_index
            offset = year_index * 365
            ids = [f"ach-{year}-{n}" for n in range(SIZES["achievements"])]
            for n, aid in enumerate(ids):
                field = FIELDS[n % len(FIELDS)]
                self.event(
                    "achievement",
                    aid,
                    "AchievementDrafted",
                    {"title": f"成果{aid}", "field": field},
                    offset,
                )
                self.event("achievement", aid, "AchievementSubmitted", {}, offset + 1)
                if n % 3:
                    self.event(
                        "achievement",
                        aid,
                        "AchievementAdmitted",
                        {"evaluations": [], "combined_score": "80"},
                        offset + 20,
                    )
            for r in range(SIZES["roadshows"]):
                roadshow = f"roadshow-{year}-{r}"
                host = f"host-{r % 10}"
                self.event(
                    "roadshow_event",
                    roadshow,
                    "RoadshowPlanned",
                    {"host_id": host, "year": year, "title": f"专场{r}"},
                    offset + 30,
                )
                longlist = pick.sample(ids, SIZES["longlist"])
                round_id = f"round-{roadshow}"
                self.event(
                    "screening_round",
                    round_id,
                    "ScreeningRoundOpened",
                    {"roadshow_ref": roadshow, "title": "筛选", "host_id": host},
                    offset + 31,
                )
                for aid in longlist:
                    self.event(
                        "screening_round",
                        round_id,
                        "CandidateLonglisted",
                        {"achievement_id": aid, "title": aid, "field": "new_energy"},
                        offset + 32,
                    )
                pitches = longlist[: SIZES["pitches"]]
                outcomes = []
                for aid in pitches:
                    companies = [
                        _company(pick.randrange(SIZES["companies"]))
                        for _ in range(pick.randrange(SIZES["intents_per_pitch"] + 1))
                    ]
                    outcomes.append({"achievement_id": aid, "intents": companies})
                    for company in companies:
                        self.case(
                            f"case-i-{aid}-{company}", aid, company, roadshow, host, year, offset
                        )
                    self.case(f"case-p-{roadshow}-{aid}", aid, None, roadshow, host, year, offset)
                self.event(
                    "roadshow_event",
                    roadshow,
                    "RoadshowConcluded",
                    {"pitches": outcomes, "attendees": 200},
                    offset + 60,
                )
                meetings = f"meetings-{roadshow}"
                for outcome in outcomes:
                    for company in outcome["intents"]:
                        self.event(
                            "roadshow_meetings",
                            meetings,
                            "MeetingHeld",
                            {"achievement_id": outcome["achievement_id"], "company_id": company},
                            offset + 60,
                        )
        return list(self.documents.values())

    def case(
        self,
        case_id: str,
        aid: str,
        company: str | None,
        roadshow: str,
        host: str,
        year: int,
        offset: int,
    ) -> None:
        if case_id in self.documents:
            return
        self.event(
            "tracking_case",
            case_id,
            "TrackingCaseOpened",
            {
                "kind": "intent" if company else "pitch",
                "cause": "on_stage",
                "achievement_id": aid,
                "title": aid,
                "field": "new_energy",
                "company_id": company,
                "roadshow_id": roadshow,
                "host_id": host,
                "year": year,
                "stage": "negotiating" if company else "pitched",
                "opened_on": "2026-05-01",
                "next_follow_up": "2026-08-01",
            },
            offset + 60,
        )
        roll = self.random.random()
        if company and roll < 0.3:
            self.event(
                "tracking_case",
                case_id,
                "DealSigned",
                {
                    "achievement_id": aid,
                    "deal_type": "license",
                    "amount_wan": "500",
                    "counterpart_id": company,
                    "counterpart_name": "企业",
                    "signed_on": "2026-06-01",
                    "next_follow_up": "2026-09-01",
                },
                offset + 90,
            )
            if roll < 0.15:
                self.event(
                    "tracking_case",
                    case_id,
                    "ProjectLanded",
                    {
                        "achievement_id": aid,
                        "landed_on": "2026-07-01",
                        "company_founded_locally": False,
                        "investment_wan": "3000",
                        "jobs": 20,
                        "next_follow_up": "2026-10-01",
                    },
                    offset + 120,
                )


async def timed(runs: int, action: Any) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        times.append(time.perf_counter() - started)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1, help="years of a province")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    documents = Builder(seed=7).build(args.scale)
    kinds: dict[str, int] = {}
    for doc in documents:
        kinds[doc["kind"]] = kinds.get(doc["kind"], 0) + 1
    print(f"facts documents: {len(documents)} {kinds}")

    endpoints = await asyncio.to_thread(ensure_stack, StackSettings())
    client = make_client(endpoints.mongodb_uri)
    database = client[f"bench_tracking_{uuid.uuid4().hex[:8]}"]
    try:
        catalog = MongoProjectionCatalog(database, "tracking")
        collection = database[(await catalog.active("facts")).collection]
        for start in range(0, len(documents), 500):
            await collection.insert_many(
                [
                    {**d, "_id": d.get("_id") or k}
                    for k, d in enumerate(documents[start : start + 500], start)
                ]
            )
        facts_reader = MongoFacts(database, catalog, collection=collection.name)
        cached_reader = MongoFacts(database, catalog)  # what the API holds
        await cached_reader.all()
        one_id = (await collection.find_one({}))["_id"]  # type: ignore[index]
        raw = [d async for d in collection.find({}, projection={"_versions": 0})]

        async def one() -> None:
            await collection.find_one({"_id": one_id})

        async def read_all() -> None:
            await facts_reader.all()

        async def whole_funnel() -> None:
            funnel(await facts_reader.all(), Scope())

        async def cached_funnel() -> None:
            funnel(await cached_reader.all(), Scope())

        async def compute() -> None:
            facts = Facts(raw)
            funnel(facts, Scope())
            summary_figures(facts, "host-1", 2026)

        results: dict[str, list[float]] = {
            k: [] for k in ("one", "all", "funnel", "cached", "compute")
        }
        for _ in range(args.runs):  # alternate, so every kind sees the same load
            results["one"] += await timed(5, one)
            results["all"] += await timed(1, read_all)
            results["funnel"] += await timed(1, whole_funnel)
            results["cached"] += await timed(5, cached_funnel)
            results["compute"] += await timed(1, compute)
        baseline = statistics.median(results["one"])
        print(
            f"machine: {platform.machine()} {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, database {endpoints.mongodb_uri}"
        )
        for name, label in (
            ("one", "one document (baseline)"),
            ("all", "read all facts"),
            ("funnel", "funnel (read all + compute)"),
            ("cached", "funnel, status unchanged (API cache)"),
            ("compute", "compute only (funnel + host year)"),
        ):
            median = statistics.median(results[name])
            print(
                f"{label:36s} median {median * 1000:9.1f} ms   "
                f"max {max(results[name]) * 1000:9.1f} ms   ×{median / baseline:8.1f}"
            )
    finally:
        await client.drop_database(database.name)
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
