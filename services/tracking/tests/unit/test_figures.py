"""The facts projection and the figures computed from it: the funnel, a host's year, timelines;
replaying the same events (again, or into an empty store) gives the same figures."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tracking_scenarios import (
    HOST,
    NOW,
    ROADSHOW,
    company_id,
    concluded,
    deal,
    planned,
    roadshow_event,
    service,
    shortlist,
)

from tracking.application.facts import FactsProjector
from tracking.application.figures import Facts, Scope, funnel, summary_figures, timeline
from tracking.application.reactions import CaseOpener, InMemoryRoadshowDirectory
from tracking.domain.commands import RecordIndustrialisation, RecordLanding
from ztc_shared.contracts import roadshow as rs
from ztc_shared.contracts import screening as sc
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.contracts.tracking import intent_case_id
from ztc_shared.events import EventEnvelope, encode_event
from ztc_shared.projections import InMemoryProjectionStore, Message, ProjectionRunner

ROUND = f"round-{ROADSHOW}"
EARLIER = NOW - timedelta(days=2)


def raw(
    event_type: str,
    stream_id: str,
    stream_type: str,
    version: int,
    payload: dict[str, Any],
    schema_version: int = 1,
) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=schema_version,
        stream_id=stream_id,
        stream_type=stream_type,
        stream_version=version,
        occurred_at=NOW - timedelta(days=90),
        region="440000",
        actor="x",
        correlation_id="c",
        payload=payload,
    )


def intake_events() -> list[EventEnvelope]:
    events = []
    for n, aid in enumerate(("a1", "a2", "a3")):
        events.append(
            raw(
                "AchievementDrafted",
                aid,
                "achievement",
                1,
                {"title": f"成果{aid}", "field": "new_energy"},
                schema_version=2,
            )
        )
        events.append(raw("AchievementSubmitted", aid, "achievement", 2, {}))
        if n < 2:
            events.append(
                raw(
                    "AchievementAdmitted",
                    aid,
                    "achievement",
                    3,
                    {"evaluations": [], "combined_score": "80"},
                )
            )
    return events


def screening_events() -> list[EventEnvelope]:
    opened = sc.ScreeningRoundOpened(
        roadshow_ref=ROADSHOW,
        title="新能源专场",
        fields=[IndustryField.NEW_ENERGY],
        region="440300",
        longlist_target=100,
        shortlist_min=10,
        shortlist_max=20,
        host_id="host-sz",
    )
    events = [roadshow_event(opened, ROUND, version=1, at=EARLIER - timedelta(days=30))]
    for n, aid in enumerate(("a1", "a2", "a3"), start=2):
        events.append(
            roadshow_event(
                sc.CandidateLonglisted(
                    achievement_id=aid,
                    title=f"成果{aid}",
                    field=IndustryField.NEW_ENERGY,
                    reason="契合",
                ),
                ROUND,
                version=n,
                at=EARLIER - timedelta(days=20),
            )
        )
    events.append(roadshow_event(sc.ShortlistFinalized(selected=["a1", "a2"]), ROUND, version=5))
    return events


async def history() -> tuple[list[EventEnvelope], Any]:
    """Everything a province recorded: intake, screening, roadshow and tracking's own events."""
    tracking, store, _clock = service()
    reactor = CaseOpener(tracking, InMemoryRoadshowDirectory())
    roadshow = [
        roadshow_event(planned(), version=1, at=EARLIER),
        roadshow_event(shortlist("a1", "a2"), version=2, at=EARLIER),
        roadshow_event(concluded({"a1": [1, 2], "a2": []}), version=3, at=EARLIER),
    ]
    meetings = [
        roadshow_event(
            rs.MeetingHeld(company_id=company_id(c), achievement_id="a1"),
            f"meetings-{ROADSHOW}",
            version=v,
            at=EARLIER,
        )
        for v, c in ((1, 1), (2, 2))
    ]
    for event in roadshow:
        await reactor.react(event)
    case = intent_case_id("a1", company_id(1))
    await tracking.handle(deal("500", company=1), HOST, case)
    await tracking.handle(
        RecordLanding(
            landed_on=date(2026, 6, 20),
            company_founded_locally=False,
            investment_wan=Decimal("3000"),
            jobs=40,
        ),
        HOST,
        case,
    )
    await tracking.handle(
        RecordIndustrialisation(reached_on=date(2026, 6, 20), annual_revenue_wan=Decimal("9000")),
        HOST,
        case,
    )
    own = [e for commit in await store.unpublished(1000) for e in commit.events]
    events = [*intake_events(), *screening_events(), *roadshow, *meetings, *own]
    return events, tracking


async def project(events: list[EventEnvelope]) -> dict[str, dict[str, Any]]:
    store = InMemoryProjectionStore()
    runner = ProjectionRunner("facts", FactsProjector(), store)
    messages = [
        Message(topic="t", partition=0, offset=n, key=e.stream_id.encode(), value=encode_event(e))
        for n, e in enumerate(events)
    ]
    outcome = await runner.handle(messages)
    assert outcome.dead_letters == []
    return store.documents


async def test_the_funnel_counts_achievements_at_every_stage() -> None:
    events, _ = await history()
    facts = Facts((await project(events)).values())
    figures = funnel(facts, Scope())
    counts = {row["stage"]: row["achievements"] for row in figures["funnel"]}
    assert counts == {
        "collected": 3,
        "admitted": 2,
        "longlisted": 3,
        "on_stage": 2,
        "intents": 1,
        "signed": 1,
        "landed": 1,
        "industrialised": 1,
    }
    assert figures["funnel"][0]["label"] == "征集"
    assert figures["amounts"]["deal_amount_wan"] == "500"
    assert figures["amounts"]["landed_investment_wan"] == "3000"
    assert figures["amounts"]["annual_revenue_wan"] == "9000"


async def test_filters_by_host_year_field_and_province() -> None:
    events, _ = await history()
    facts = Facts((await project(events)).values())
    host = {r["stage"]: r["achievements"] for r in funnel(facts, Scope(host="host-sz"))["funnel"]}
    assert host["collected"] is None and host["on_stage"] == 2 and host["signed"] == 1
    other = {r["stage"]: r["achievements"] for r in funnel(facts, Scope(host="host-gz"))["funnel"]}
    assert other["on_stage"] == 0 and other["signed"] == 0
    year = {r["stage"]: r["achievements"] for r in funnel(facts, Scope(year=2025))["funnel"]}
    assert year["on_stage"] == 0
    field = {r["stage"]: r["achievements"] for r in funnel(facts, Scope(field="biotech"))["funnel"]}
    assert field["longlisted"] == 0 and field["collected"] == 0
    zj = {r["stage"]: r["achievements"] for r in funnel(facts, Scope(province="330000"))["funnel"]}
    assert sum(v or 0 for v in zj.values()) == 0


async def test_replaying_the_history_rebuilds_the_same_figures() -> None:
    events, _ = await history()
    first = await project(events)
    again = await project([*events, *events])  # every event delivered twice
    assert again == first
    assert funnel(Facts(again.values()), Scope()) == funnel(Facts(first.values()), Scope())


async def test_a_hosts_year_for_its_summary() -> None:
    events, _ = await history()
    facts = Facts((await project(events)).values())
    figures = summary_figures(facts, "host-sz", 2026)
    assert figures.roadshows_held == 1
    assert figures.results_collected == 3
    assert figures.on_stage == 2
    assert figures.audience == 180
    assert figures.meetings_held == 2
    assert figures.intents == 2
    assert figures.deals == 1
    assert figures.deal_amount_wan == Decimal(500)
    assert figures.landed == 1


async def test_timelines_per_achievement_and_per_company() -> None:
    events, _ = await history()
    documents = list((await project(events)).values())
    steps = timeline(documents, achievement_id="a1")
    kinds = [s["event_type"] for s in steps]
    assert kinds.index("AchievementSubmitted") < kinds.index("CandidateLonglisted")
    assert kinds.index("RoadshowConcluded") < kinds.index("DealSigned")
    assert "MeetingHeld" in kinds and "ProjectIndustrialised" in kinds
    company = timeline(documents, company_id=company_id(1))
    assert {s["event_type"] for s in company} >= {"MeetingHeld", "TrackingCaseOpened", "DealSigned"}
    assert all(s["company_id"] == company_id(1) for s in company)


async def test_the_documents_about_an_achievement_or_a_company_are_those_naming_it() -> None:
    events, _ = await history()
    documents = list((await project(events)).values())
    facts = Facts(documents)
    about_a1 = facts.about(achievement_id="a1")
    assert about_a1 and all("a1" in d["achievement_ids"] for d in about_a1)
    assert len(about_a1) == sum(1 for d in documents if "a1" in d["achievement_ids"])
    assert timeline(about_a1, achievement_id="a1") == timeline(documents, achievement_id="a1")
    about_company = facts.about(company_id=company_id(1))
    assert about_company and all(company_id(1) in d["company_ids"] for d in about_company)
    assert facts.about(achievement_id="nobody") == []
