"""Tracking on the real stack: roadshow's conclusion (produced onto roadshow's real topic, standing
in for the roadshow service) opens cases exactly once; a host records a deal and a landing; the
follow-up timer flags an overdue case; the host drafts, submits and exports the year-end summary;
and replaying the topics from the start rebuilds the same figures."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from docx import Document
from openpyxl import load_workbook

from tests.e2e.conftest import SETTINGS, bearer, prefixed_env
from tracking.adapters.mongo import MongoFacts
from tracking.application.facts import facts_definition
from tracking.application.figures import Scope, funnel
from tracking.application.timers import run_timer
from tracking.bootstrap import bootstrap
from tracking.config import TrackingSettings
from tracking.demo import DEMO_HOST, load_demo
from ztc_shared.auth import Role, mint_token
from ztc_shared.clock import FixedClock
from ztc_shared.contracts import roadshow as rs
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.contracts.tracking import intent_case_id, pitch_case_id
from ztc_shared.events import DomainEvent, EventEnvelope, decode_event, new_envelope
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.kafka import KafkaEventPublisher, ensure_topics, service_topic
from ztc_shared.mongo import make_client
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.projections.rebuild import rebuild_projection
from ztc_shared.relay import RELAY_READY
from ztc_shared.workers import WORKER_READY
from ztc_tools.testing.processes import APIS, RELAYS, WORKERS, ServiceProcess, free_port

pytestmark = pytest.mark.integration

RECORDED: dict[str, Any] = {}  # live answers recorded during the run, asked for again later

HOST = bearer(Role.HOST, "host-trk")
PROVINCE = bearer(Role.PROVINCE, "gd-e2e")
TORCH = bearer(Role.TORCH_CENTER, "torch-e2e")
YEAR = datetime.now(UTC).year
TODAY = datetime.now(UTC).date()


def company_id(n: int) -> str:
    return sample_credit_code(n, series="MA5T")


class Stack:
    def __init__(self, env: dict[str, str], api: ServiceProcess) -> None:
        self.env = env
        self.api = api

    @property
    def settings(self) -> TrackingSettings:
        return TrackingSettings(
            kafka_bootstrap_servers=self.env["KAFKA_BOOTSTRAP_SERVERS"],
            mongodb_uri=self.env["MONGODB_URI"],
            topic_prefix=self.env["ZTC_TOPIC_PREFIX"],
            database_prefix=self.env["ZTC_DATABASE_PREFIX"],
        )


@pytest.fixture(scope="module")
def tracking_stack(
    service_env: dict[str, str], run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    env = prefixed_env(service_env, f"{run_id}trk")
    port = free_port()
    env["TRACKING_PORT"] = str(port)
    log_dir: Path = tmp_path_factory.mktemp("tracking-logs")
    api = ServiceProcess("tracking-api", APIS["tracking"], env=env, log_dir=log_dir, port=port)
    relay = ServiceProcess(
        "tracking-relay", RELAYS["tracking"], env=env, log_dir=log_dir, ready_marker=RELAY_READY
    )
    workers = [
        ServiceProcess(
            f"tracking-{name}",
            WORKERS["tracking"],
            env={**env, "TRACKING_WORKER_METRICS_PORT": str(free_port())},
            log_dir=log_dir,
            args=("run", name),
            ready_marker=WORKER_READY,
        )
        for name in ("facts", "cases")
    ]
    processes = [api, relay, *workers]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.wait_ready(timeout=120)
        yield Stack(env, api)
    finally:
        for process in processes:
            process.stop()


async def produce(stack: Stack, events: list[EventEnvelope]) -> None:
    settings = stack.settings
    topic = service_topic("roadshow", settings.topic_prefix)
    await ensure_topics(settings.kafka_bootstrap_servers, [topic], partitions=3)
    publisher = KafkaEventPublisher(settings.kafka_bootstrap_servers, client_id="e2e-roadshow")
    await publisher.start()
    try:
        await publisher.publish(topic, events)
    finally:
        await publisher.stop()


def envelope(payload: DomainEvent, stream_id: str, version: int) -> EventEnvelope:
    return new_envelope(
        payload,
        stream_id=stream_id,
        stream_version=version,
        occurred_at=datetime.now(UTC) - timedelta(days=1),
        region="440000",
        actor="host-trk",
        correlation_id=f"e2e-{uuid.uuid4().hex[:6]}",
    )


def roadshow_history(roadshow: str) -> list[EventEnvelope]:
    now = datetime.now(UTC)
    planned = rs.RoadshowPlanned(
        year=YEAR,
        host_id="host-trk",
        title="新能源专场路演（跟踪测试）",
        fields=[IndustryField.NEW_ENERGY],
        region="440300",
        event_date=TODAY,
        format=rs.EventFormat.ON_SITE,
        capacity=200,
        agenda=[
            rs.AgendaBlock(kind=rs.AgendaKind.PITCHES, title="路演", starts_at=now, minutes=60)
        ],
        plan_text="路演方案",
    )
    shortlist = rs.ShortlistReceived(
        round_id="round-x",
        pitches=[
            rs.Pitch(achievement_id=a, title=f"成果{a}", field=IndustryField.NEW_ENERGY)
            for a in ("trk-a1", "trk-a2")
        ],
    )
    intent = rs.IntentDeclared(
        achievement_id="trk-a1", company_id=company_id(3), modes=[TransferMode.LICENSE]
    )
    concluded = rs.RoadshowConcluded(
        pitches=[
            rs.PitchOutcome(
                achievement_id="trk-a1", title="成果trk-a1", intents=[company_id(1), company_id(3)]
            ),
            rs.PitchOutcome(achievement_id="trk-a2", title="成果trk-a2"),
        ],
        attendees=150,
        szse_invited_attendees=10,
    )
    return [
        envelope(planned, roadshow, 1),
        envelope(shortlist, roadshow, 2),
        envelope(intent, roadshow, 3),
        envelope(concluded, roadshow, 4),
    ]


async def wait_for(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.5)
    raise AssertionError(f"not reached within {timeout}s; last: {last!r}")


async def tracking_events(stack: Stack) -> list[EventEnvelope]:
    settings = stack.settings
    consumer = AIOKafkaConsumer(
        service_topic("tracking", settings.topic_prefix),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=3000)
        return [decode_event(m.value) for records in batches.values() for m in records]
    finally:
        await consumer.stop()


@pytest.fixture(scope="module")
async def concluded_roadshow(tracking_stack: Stack) -> AsyncIterator[str]:
    roadshow = f"roadshow-{uuid.uuid4()}"
    history = roadshow_history(roadshow)
    await produce(tracking_stack, history)
    await produce(tracking_stack, history[-1:])  # the conclusion delivered again
    yield roadshow


async def test_a_conclusion_opens_cases_once_and_they_follow_the_ladder(
    tracking_stack: Stack, concluded_roadshow: str
) -> None:
    roadshow = concluded_roadshow
    expected = {
        pitch_case_id(roadshow, "trk-a1"),
        pitch_case_id(roadshow, "trk-a2"),
        intent_case_id("trk-a1", company_id(1)),
        intent_case_id("trk-a1", company_id(3)),
    }
    async with httpx.AsyncClient(base_url=tracking_stack.api.url, timeout=15) as client:

        async def listed() -> set[str] | None:
            reply = await client.get("/cases", params={"host_id": "host-trk"}, headers=PROVINCE)
            assert reply.status_code == 200, reply.text
            ids = {c["id"] for c in reply.json()["items"]}
            return ids if ids >= expected else None

        assert await wait_for(listed) == expected
        opened = await tracking_events(tracking_stack)
        assert sorted(e.stream_id for e in opened if e.event_type == "TrackingCaseOpened") == (
            sorted(expected)
        )

        case = intent_case_id("trk-a1", company_id(1))
        detail = (await client.get(f"/cases/{case}", headers=HOST)).json()
        assert detail["stage"] == "negotiating" and detail["stage_name"] == "意向洽谈"
        assert detail["host_id"] == "host-trk" and detail["field"] == "new_energy"
        negotiating_at = datetime.now(UTC)  # the case's next event (the deal) comes later
        RECORDED["timeline before the deal"] = await settled(
            client, "/timelines/achievements/trk-a1", HOST
        )

        bad = await client.post(
            f"/cases/{case}/deals",
            json={
                "deal_type": "license",
                "amount_wan": "500",
                "counterpart_id": "91440300MA5T000010",
                "counterpart_name": "深圳某科技有限公司",
                "signed_on": TODAY.isoformat(),
            },
            headers=HOST,
        )
        assert bad.status_code == 422, bad.text
        assert "统一社会信用代码" in bad.text
        deal = await client.post(
            f"/cases/{case}/deals",
            json={
                "deal_type": "license",
                "amount_wan": "500",
                "counterpart_id": company_id(1),
                "counterpart_name": "深圳某科技有限公司",
                "signed_on": TODAY.isoformat(),
            },
            headers={**HOST, "Idempotency-Key": "deal-1"},
        )
        assert deal.status_code == 200, deal.text
        assert deal.json()["stage"] == "signed"
        assert deal.headers["X-Stream-Version"] == "2"
        landed = await client.post(
            f"/cases/{case}/landing",
            json={
                "landed_on": TODAY.isoformat(),
                "company_founded_locally": False,
                "investment_wan": "2000",
                "jobs": 30,
            },
            headers=HOST,
        )
        assert landed.status_code == 200, landed.text
        early = await client.post(
            f"/cases/{pitch_case_id(roadshow, 'trk-a2')}/landing",
            json={
                "landed_on": TODAY.isoformat(),
                "company_founded_locally": False,
                "investment_wan": "1",
                "jobs": 1,
            },
            headers=HOST,
        )
        assert early.status_code == 409, early.text
        assert "签约" in early.text
        # as of the moment before the deal, the case reads as it did then (时间回溯)
        then = await client.get(
            f"/cases/{case}", params={"as_of": negotiating_at.isoformat()}, headers=HOST
        )
        assert then.status_code == 200, then.text
        assert then.json() == detail
        now = (await client.get(f"/cases/{case}", headers=HOST)).json()
        assert now["stage"] == "landed"

        async def funnel_reached() -> dict[str, Any] | None:
            reply = await client.get(
                "/figures/funnel", params={"host_id": "host-trk"}, headers=TORCH
            )
            body = reply.json()
            counts = {r["stage"]: r["achievements"] for r in body["funnel"]}
            return body if counts["landed"] == 1 else None

        figures = await wait_for(funnel_reached)
        counts = {r["stage"]: r["achievements"] for r in figures["funnel"]}
        assert counts["on_stage"] == 2 and counts["intents"] == 1 and counts["signed"] == 1
        assert figures["amounts"]["deal_amount_wan"] == "500"
        # a live answer to ask for again later, as of now (时间回溯): once two reads a second apart
        # agree, the projection has applied everything that happened before them
        while True:
            first = (await client.get("/figures/funnel", headers=TORCH)).json()
            first_cases = (await client.get("/cases", headers=TORCH)).json()
            await asyncio.sleep(1.0)
            moment = datetime.now(UTC)
            second = (await client.get("/figures/funnel", headers=TORCH)).json()
            second_cases = (await client.get("/cases", headers=TORCH)).json()
            if first == second and first_cases == second_cases:
                RECORDED["funnel"] = (moment, second)
                RECORDED["cases"] = (moment, second_cases)
                break

        RECORDED["timeline"] = await settled(client, "/timelines/achievements/trk-a1", HOST)
        RECORDED["company timeline"] = await settled(
            client, f"/timelines/companies/{company_id(1)}", HOST
        )
        steps = RECORDED["timeline"][1]
        kinds = [s["event_type"] for s in steps["entries"]]
        assert {"IntentDeclared", "RoadshowConcluded", "DealSigned", "ProjectLanded"} <= set(kinds)
        before_deal = [s["event_type"] for s in RECORDED["timeline before the deal"][1]["entries"]]
        assert "IntentDeclared" in before_deal and "DealSigned" not in before_deal


async def settled(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> tuple[datetime, Any]:
    """A live answer and the moment it stood for: once two reads a second apart agree, the
    projection has applied everything that happened before the moment between them."""
    while True:
        first = (await client.get(path, headers=headers)).json()
        await asyncio.sleep(1.0)
        moment = datetime.now(UTC)
        second = (await client.get(path, headers=headers)).json()
        if first == second:
            return moment, second


async def test_the_timer_flags_an_overdue_case_once(
    tracking_stack: Stack, concluded_roadshow: str
) -> None:
    settings = tracking_stack.settings
    client = make_client(settings.mongodb_uri)
    try:
        database = client[settings.database]
        facts = MongoFacts(
            database, MongoProjectionCatalog(database, "tracking", settings.topic_prefix)
        )
        case = pitch_case_id(concluded_roadshow, "trk-a2")
        await wait_for(lambda: facts.case(case))
        later = FixedClock(datetime.now(UTC) + timedelta(days=100))
        tracking = bootstrap(settings, store=MongoEventStore(database), figures=facts, clock=later)
        first = await run_timer(tracking.ports, facts, "440000")
        assert case in first.flagged_cases
        again = await run_timer(tracking.ports, facts, "440000")
        assert case not in again.flagged_cases
    finally:
        await client.close()

    async def overdue_published() -> list[EventEnvelope] | None:
        events = [
            e
            for e in await tracking_events(tracking_stack)
            if e.event_type == "FollowUpOverdue" and e.stream_id == case
        ]
        return events or None

    flagged = await wait_for(overdue_published)
    assert len(flagged) == 1
    assert flagged[0].payload["host_id"] == "host-trk"
    assert date.fromisoformat(flagged[0].payload["due_on"]) < later.now().date()

    async with httpx.AsyncClient(base_url=tracking_stack.api.url, timeout=15) as http:

        async def listed_flagged() -> list[str] | None:
            reply = await http.get("/cases", params={"flagged": "true"}, headers=PROVINCE)
            ids = [c["id"] for c in reply.json()["items"]]
            return ids if case in ids else None

        await wait_for(listed_flagged)


async def test_the_hosts_summary_is_drafted_from_the_year_and_exported(
    tracking_stack: Stack, concluded_roadshow: str
) -> None:
    narrative = {
        "experience": "聚焦新能源产业链组织专场路演",
        "results": "促成签约项目",
        "shortfalls": "企业参与面不够广",
        "suggestions": "增加线上对接",
    }
    base = f"/summaries/{YEAR}/host-trk"
    async with httpx.AsyncClient(base_url=tracking_stack.api.url, timeout=30) as client:

        async def drafted_with_figures() -> dict[str, Any] | None:
            reply = await client.post(
                f"{base}/draft",
                json={"host_name": "深圳跟踪测试局", "narrative": narrative},
                headers=HOST,
            )
            assert reply.status_code == 200, reply.text
            body = (await client.get(base, headers=HOST)).json()
            return body if body["figures"]["roadshows_held"] == 1 else None

        summary = await wait_for(drafted_with_figures)
        assert summary["figures"]["on_stage"] == 2
        assert summary["figures"]["audience"] == 150
        assert summary["figures"]["intents"] == 2
        other = await client.post(f"/summaries/{YEAR}/host-other/submit", headers=HOST)
        assert other.status_code in (403, 404)
        submitted = await client.post(f"{base}/submit", headers=HOST)
        assert submitted.status_code == 200, submitted.text
        returned = await client.post(
            f"{base}/return", json={"comments": "请补充落地情况"}, headers=TORCH
        )
        assert returned.json()["status"] == "returned"

        # as of the moment it was drafted, a summary reads as it did then (时间回溯); a host of its
        # own, whose history no test writes with a moved clock
        quiet = bearer(Role.HOST, "host-as-of")
        other_base = f"/summaries/{YEAR}/host-as-of"
        drafted = await client.post(
            f"{other_base}/draft",
            json={"host_name": "回溯测试局", "narrative": narrative},
            headers=quiet,
        )
        assert drafted.status_code == 200, drafted.text
        live = (await client.get(other_base, headers=quiet)).json()
        drafted_at = datetime.now(UTC)
        await asyncio.sleep(0.005)
        assert (await client.post(f"{other_base}/submit", headers=quiet)).status_code == 200
        then = await client.get(other_base, params={"as_of": drafted_at.isoformat()}, headers=quiet)
        assert then.status_code == 200, then.text
        assert then.json() == live
        assert (await client.get(other_base, headers=quiet)).json()["status"] == "submitted"

        docx = await client.get(f"{base}/export.docx", headers=TORCH)
        assert docx.status_code == 200
        text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
        assert "工作总结" in text and "一、工作经验" in text and "聚焦新能源产业链" in text
        xlsx = await client.get(f"{base}/export.xlsx", headers=HOST)
        sheet = load_workbook(io.BytesIO(xlsx.content))["年度工作数据"]
        rows = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and r[0]}
        assert rows["路演项目数"] == 2 and rows["审核状态"] == "已退回修改"


async def test_the_funnel_as_of_a_moment_is_what_it_answered_then(tracking_stack: Stack) -> None:
    moment, answered = RECORDED["funnel"]  # recorded live by the conclusion's test
    async with httpx.AsyncClient(base_url=tracking_stack.api.url, timeout=60) as client:
        then = await client.get(
            "/figures/funnel", params={"as_of": moment.isoformat()}, headers=TORCH
        )
        assert then.status_code == 200, then.text
        assert then.json() == answered
        moment, listed = RECORDED["cases"]
        cases_then = await client.get("/cases", params={"as_of": moment.isoformat()}, headers=TORCH)
        assert cases_then.status_code == 200, cases_then.text
        assert cases_then.json() == listed
        for name in ("timeline before the deal", "timeline", "company timeline"):
            moment, answered = RECORDED[name]
            path = (
                f"/timelines/companies/{company_id(1)}"
                if name == "company timeline"
                else "/timelines/achievements/trk-a1"
            )
            then = await client.get(path, params={"as_of": moment.isoformat()}, headers=HOST)
            assert then.status_code == 200, then.text
            assert then.json() == answered, name
        before = await client.get(
            "/figures/funnel/by/host",
            params={"as_of": "2020-01-01T00:00:00+08:00"},
            headers=TORCH,
        )
        assert before.status_code == 200, before.text
        assert before.json()["rows"] == []  # nothing had happened yet
        naive = await client.get(
            "/figures/funnel", params={"as_of": "2026-01-01T00:00:00"}, headers=TORCH
        )
        assert naive.status_code == 422, naive.text  # a moment needs its time zone


async def test_replaying_the_topics_rebuilds_the_same_figures(
    tracking_stack: Stack, concluded_roadshow: str
) -> None:
    settings = tracking_stack.settings
    client = make_client(settings.mongodb_uri)
    try:
        database = client[settings.database]
        catalog = MongoProjectionCatalog(database, "tracking", settings.topic_prefix)
        active = await catalog.active("facts")
        live = MongoFacts(database, catalog, collection=active.collection)
        before = funnel(await live.all(), Scope())
        assert {r["stage"]: r["achievements"] for r in before["funnel"]}["on_stage"] >= 2
        report = await rebuild_projection(
            service="tracking",
            definition=facts_definition(settings.topic_prefix),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            database=database,
            switch=False,
            group_prefix=settings.topic_prefix,
        )
        assert report.events_applied > 0 and report.dead_letters == 0
        rebuilt = MongoFacts(database, catalog, collection=report.generation.collection)
        for scope in (Scope(), Scope(host="host-trk"), Scope(year=YEAR), Scope(field="new_energy")):
            assert funnel(await rebuilt.all(), scope) == funnel(await live.all(), scope)
    finally:
        await client.close()


async def test_the_demo_data_loads_once_however_often_it_runs(tracking_stack: Stack) -> None:
    tokens = {
        "host": mint_token(SETTINGS, subject=DEMO_HOST, role=Role.HOST, region="440000"),
        "province": mint_token(SETTINGS, subject="gd-e2e", role=Role.PROVINCE, region="440000"),
    }
    first = await load_demo(tracking_stack.api.url, tokens)
    assert first.failures == [] and len(first.cases) == 4
    again = await load_demo(tracking_stack.api.url, tokens)
    assert again.failures == [] and again.cases == first.cases
    async with httpx.AsyncClient(base_url=tracking_stack.api.url, timeout=15) as client:
        stages = {}
        for case_id in first.cases:
            detail = (await client.get(f"/cases/{case_id}", headers=PROVINCE)).json()
            stages[detail["achievement_id"]] = (detail["stage"], detail["stream_version"])
        summary = (await client.get(f"/summaries/{YEAR}/{DEMO_HOST}", headers=PROVINCE)).json()
    assert stages == {
        "demo-achievement-pcb-laser": ("negotiating", 2),
        "demo-achievement-graphene-film": ("landed", 4),
        "demo-achievement-lmfp": ("industrialised", 4),
        "demo-achievement-kras": ("terminated", 2),
    }
    assert summary["status"] == "draft" and summary["stream_version"] == 1
