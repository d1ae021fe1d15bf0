"""A roadshow from its approved host to the outcomes tracking follows, on the real stack, with the
services talking only through Kafka:

the province applies and Torch Center approves and launches the year; the host plans a roadshow and
screening opens its round by itself (``RoadshowPlanned`` → screening's ``roadshows`` reaction);
companies register; agencies longlist intake's admitted achievements and the host finalises the
shortlist in screening, which reaches the stage by itself (``ShortlistFinalized`` → roadshow's
``screening`` reaction); a company asks to meet a project left off the stage through the online
channel and its holder accepts; experts review, a company declares an intent on stage, the
one-to-one schedule is proposed, finalised and held; the roadshow concludes, and another consumer
of roadshow's topic sees ``RoadshowConcluded`` with the pitches, scores, meetings and intents."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from intake.demo.catalogue import catalogue
from intake.demo.loader import EVALUATORS, load_catalogue
from tests.e2e.conftest import SETTINGS, Slice, bearer
from ztc_shared.auth import Role, mint_token
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.relay import RELAY_READY
from ztc_shared.workers import WORKER_READY
from ztc_tools.testing.processes import (
    APIS,
    RELAYS,
    WORKERS,
    ServiceProcess,
    all_running,
    free_port,
)

pytestmark = pytest.mark.integration

YEAR = 2031  # a year of its own: the programme's streams are per year
HOLDER = "chain-holder"


def company_id(n: int) -> str:
    return sample_credit_code(n, series="MA5C")


def company(n: int) -> dict[str, str]:
    return bearer(Role.COMPANY, company_id(n))


@pytest.fixture(scope="module")
def roadshow_processes(running_slice: Slice) -> Iterator[str]:
    """Roadshow's API, relay and worker, and screening's reaction worker, beside the slice."""
    env = dict(running_slice.env)
    port = free_port()
    env["ROADSHOW_PORT"] = str(port)
    log_dir = running_slice.log_dir
    processes = [
        ServiceProcess("roadshow-api", APIS["roadshow"], env=env, log_dir=log_dir, port=port),
        ServiceProcess(
            "roadshow-relay",
            RELAYS["roadshow"],
            env=env,
            log_dir=log_dir,
            ready_marker=RELAY_READY,
        ),
        ServiceProcess(
            "roadshow-worker",
            WORKERS["roadshow"],
            env={**env, "ROADSHOW_WORKER_METRICS_PORT": str(free_port())},
            log_dir=log_dir,
            args=("run", "screening"),
            ready_marker=WORKER_READY,
        ),
        ServiceProcess(
            "roadshow-calendar-worker",
            WORKERS["roadshow"],
            env={**env, "ROADSHOW_WORKER_METRICS_PORT": str(free_port())},
            log_dir=log_dir,
            args=("run", "calendar"),
            ready_marker=WORKER_READY,
        ),
        ServiceProcess(
            "screening-roadshows-worker",
            WORKERS["screening"],
            env={**env, "SCREENING_WORKER_METRICS_PORT": str(free_port())},
            log_dir=log_dir,
            args=("run", "roadshows"),
            ready_marker=WORKER_READY,
        ),
    ]
    with all_running(processes):
        yield processes[0].url


async def _until(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], ok: Any, seconds: float = 60
) -> dict[str, Any]:
    """GET ``path`` until ``ok(body)`` holds (the other service's reaction has arrived)."""
    async with asyncio.timeout(seconds):
        while True:
            reply = await client.get(path, headers=headers)
            if reply.status_code == 200 and ok(reply.json()):
                body: dict[str, Any] = reply.json()
                return body
            await asyncio.sleep(0.3)


async def _post(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any = None
) -> dict[str, Any]:
    reply = await client.post(path, headers=headers, json=body if body is not None else {})
    assert reply.status_code in (200, 201), f"{path}: {reply.status_code} {reply.text}"
    answer: dict[str, Any] = reply.json()
    return answer


async def _first(
    service_env: dict[str, str], topic: str, stream_id: str, event_type: str
) -> dict[str, Any]:
    """The first ``event_type`` of ``stream_id`` on the run's ``topic``."""
    consumer = AIOKafkaConsumer(
        f"{service_env['ZTC_TOPIC_PREFIX']}{topic}",
        bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"],
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            while True:
                batch = await consumer.getmany(timeout_ms=1000)
                for records in batch.values():
                    for record in records:
                        event: dict[str, Any] = json.loads(record.value)
                        if event["stream_id"] == stream_id and event["event_type"] == event_type:
                            return event
    finally:
        await consumer.stop()


async def test_from_an_approved_host_to_the_conclusion_tracking_sees(
    running_slice: Slice, roadshow_processes: str, service_env: dict[str, str]
) -> None:
    items = [i for i in catalogue(120) if i.stage in ("admitted", "published")][12:24]
    assert len(items) == 12
    tokens = {
        "holder": mint_token(SETTINGS, subject=HOLDER, role=Role.HOLDER, region="440000"),
        "province": mint_token(SETTINGS, subject="gd-chain", role=Role.PROVINCE, region="440000"),
        **{
            e["evaluator_id"]: mint_token(
                SETTINGS, subject=e["evaluator_id"], role=Role.EXPERT, region="440000"
            )
            for e in EVALUATORS
        },
    }
    loaded = await load_catalogue(running_slice.intake, tokens, items)
    assert loaded.failures == []
    ids = list(loaded.last_versions)
    province = bearer(Role.PROVINCE, "gd-chain")
    torch = bearer(Role.TORCH_CENTER, "torch-chain")
    host = bearer(Role.HOST, "host-chain")
    agency = bearer(Role.SUPPORT_ORG, "agency-chain")
    holder = bearer(Role.HOLDER, HOLDER)

    async with (
        httpx.AsyncClient(base_url=roadshow_processes, timeout=30) as roadshow,
        httpx.AsyncClient(base_url=running_slice.screening, timeout=30) as screening,
    ):
        # the year: an approved host and a launched programme
        application = await _post(
            roadshow,
            "/host-applications",
            province,
            {
                "year": YEAR,
                "fields": ["new_energy", "next_gen_it"],
                "industrial_base": "新能源与电子信息产业集群",
                "company_scale": {
                    "tech_companies": 75000,
                    "high_tech_enterprises": 24000,
                    "listed_companies": 580,
                },
                "funding_wan": "800",
                "proposed_hosts": [
                    {
                        "host_id": "host-chain",
                        "name": "深圳市科技创新局",
                        "kind": "municipal_department",
                        "region": "440300",
                    }
                ],
            },
        )
        await _post(roadshow, f"/host-applications/{application['id']}/approve", torch)
        await _post(
            roadshow,
            f"/programmes/{YEAR}/launch",
            torch,
            {"notice_title": f"{YEAR}年度启动通知", "notice_body": "现启动年度科技成果直通车"},
        )

        # the host's plan; screening opens the round by itself
        planned = await _post(
            roadshow,
            "/roadshows",
            host,
            {
                "year": YEAR,
                "title": "深圳新能源与智能制造专场",
                "fields": ["new_energy_vehicles", "next_gen_it", "high_end_equipment"],
                "industry_needs": "动力电池安全与快充，制造企业智能质检",
                "region": "440300",
                "event_date": f"{YEAR}-06-18",
                "venue": "深圳会展中心",
                "format": "hybrid",
                "livestream_url": "https://live.example.cn/ztc/chain",
                "capacity": 50,
                "agenda": [
                    {
                        "kind": "pitches",
                        "title": "项目路演",
                        "starts_at": f"{YEAR}-06-18T09:30:00+08:00",
                        "minutes": 120,
                    }
                ],
                "plan_text": "本场路演聚焦新能源与智能制造",
            },
        )
        rid = planned["id"]
        round_url = f"/rounds/round-{rid}"
        opened = await _until(screening, round_url, host, lambda body: True)
        assert opened["roadshow_ref"] == rid
        assert opened["fields"] == ["new_energy_vehicles", "next_gen_it", "high_end_equipment"]

        # companies register and are approved
        await _post(roadshow, f"/roadshows/{rid}/open-registration", host)
        for n in (1, 2, 3):
            await _post(
                roadshow,
                f"/roadshows/{rid}/registrations",
                company(n),
                {
                    "company_id": company_id(n),
                    "name": f"深圳链路企业{n}有限公司",
                    "kind": "tech_company",
                    "contact_name": "王五",
                },
            )
            await _post(
                roadshow,
                f"/roadshows/{rid}/registrations/approve",
                host,
                {"company_id": company_id(n)},
            )

        # screening: the library has intake's achievements; longlist, push, finalise
        for achievement_id, version in loaded.last_versions.items():
            entry = await screening.get(
                f"/library/{achievement_id}",
                params={"min_version": version, "wait_ms": 10_000},
                headers=agency,
            )
            assert entry.status_code == 200, entry.text
        for achievement_id in ids:
            await _post(
                screening,
                f"{round_url}/candidates",
                agency,
                {"achievement_id": achievement_id, "reason": "契合专场主题"},
            )
        # pushed to the companies whose registration roadshow approved, as screening heard of them
        async with asyncio.timeout(30):
            while True:
                pushed = await screening.post(f"{round_url}/publish", headers=host, json={})
                if pushed.status_code == 200:
                    break
                assert pushed.json()["error"] == "no_companies", pushed.text
                await asyncio.sleep(0.3)
        selected, left = ids[:10], ids[10:]
        await _post(screening, f"{round_url}/shortlist", host, {"selected": selected})

        # the shortlist reaches the stage by itself, with intake's holders and institutions
        staged = await _until(
            roadshow,
            f"/roadshows/{rid}",
            host,
            lambda body: body["status"] == "shortlist_received",
        )
        assert [p["achievement_id"] for p in staged["pitches"]] == selected
        assert all(p["title"] and p["institution"] for p in staged["pitches"])
        staged_at = datetime.now(UTC)  # the roadshow's next event comes later (it goes live)
        # the calendar's live answer now, to ask for again later (时间回溯)
        listed_then = await _until(
            roadshow,
            f"/roadshows?year={YEAR}",
            {},
            lambda body: any(
                i["id"] == rid and i["status"] == "shortlist_received" for i in body["items"]
            ),
        )
        calendar_at = datetime.now(UTC)

        # the online channel: a company asks for a project left off the stage; the holder accepts
        channel = (
            await roadshow.get(f"/roadshows/{rid}/online-channel", headers=company(1))
        ).json()
        assert [p["achievement_id"] for p in channel["projects"]] == left
        asked = await roadshow.post(
            f"/roadshows/{rid}/online-channel/requests",
            headers={**company(1), "Idempotency-Key": f"ask-{rid}"},
            json={"achievement_id": left[0], "modes": ["license"], "message": "希望了解许可条件"},
        )
        assert asked.status_code == 200, asked.text
        channel_then = (
            await roadshow.get(f"/roadshows/{rid}/online-channel", headers=holder)
        ).json()
        asked_at = datetime.now(UTC)
        assert [r["state"] for r in channel_then["requests"]] == ["requested"]
        stranger = await roadshow.post(
            f"/roadshows/{rid}/online-channel/accept",
            headers=bearer(Role.HOLDER, "someone-else"),
            json={"achievement_id": left[0], "company_id": company_id(1)},
        )
        assert stranger.status_code == 403, stranger.text
        await _post(
            roadshow,
            f"/roadshows/{rid}/online-channel/accept",
            holder,
            {"achievement_id": left[0], "company_id": company_id(1), "note": "欢迎线上会谈"},
        )

        # the review, the live day, the one-to-one meetings
        await _post(
            roadshow,
            f"/roadshows/{rid}/review/experts",
            host,
            {"expert_id": "chain-expert", "name": "赵专家", "institution": "某研究院"},
        )
        await _post(
            roadshow,
            f"/roadshows/{rid}/meetings/setup",
            host,
            {"slot_count": 4, "tables": 3, "max_per_company": 2},
        )
        await _post(
            roadshow,
            f"/roadshows/{rid}/meetings/preferences",
            company(1),
            {
                "side": "company",
                "party_id": company_id(1),
                "counterpart": selected[0],
                "level": "must_meet",
            },
        )
        await _post(
            roadshow,
            f"/roadshows/{rid}/meetings/preferences",
            holder,
            {
                "side": "project",
                "party_id": selected[0],
                "counterpart": company_id(1),
                "level": "must_meet",
            },
        )
        for side, party, who in (
            ("company", company_id(1), company(1)),
            ("project", selected[0], holder),
        ):
            await _post(
                roadshow,
                f"/roadshows/{rid}/meetings/availability",
                who,
                {"side": side, "party_id": party, "free_slots": [1, 2, 3]},
            )
        await _post(roadshow, f"/roadshows/{rid}/meetings/propose", host)
        await _post(roadshow, f"/roadshows/{rid}/meetings/finalise", host)
        await _post(roadshow, f"/roadshows/{rid}/start", host)
        expert = bearer(Role.EXPERT, "chain-expert")
        for rank, achievement_id in enumerate(selected):
            mark = str(9 - rank % 5)
            await _post(
                roadshow,
                f"/roadshows/{rid}/review/scores",
                expert,
                {
                    "achievement_id": achievement_id,
                    "scores": {
                        "technology_leadership": mark,
                        "industrialisation_feasibility": mark,
                        "industry_prospects": mark,
                    },
                    "comment": "技术指标领先，建议补充中试数据",
                },
            )
        await _post(
            roadshow,
            f"/roadshows/{rid}/intents",
            company(2),
            {"achievement_id": selected[1], "modes": ["equity"]},
        )
        await _post(
            roadshow,
            f"/roadshows/{rid}/meetings/held",
            host,
            {"company_id": company_id(1), "achievement_id": selected[0]},
        )
        await _post(roadshow, f"/roadshows/{rid}/review/close", host)
        await _post(roadshow, f"/roadshows/{rid}/conclude", host, {"summary": "圆满结束"})

        # as of the moment the shortlist arrived, the roadshow reads as it did then (时间回溯)
        then = (
            await roadshow.get(
                f"/roadshows/{rid}", params={"as_of": staged_at.isoformat()}, headers=host
            )
        ).json()
        assert then == staged
        # so do the online channel before the holder answered, and the year's programme
        channel_again = await roadshow.get(
            f"/roadshows/{rid}/online-channel",
            params={"as_of": asked_at.isoformat()},
            headers=holder,
        )
        assert channel_again.json() == channel_then
        answered = (await roadshow.get(f"/roadshows/{rid}/online-channel", headers=holder)).json()
        assert [r["state"] for r in answered["requests"]] == ["accepted"]
        before_launch = await roadshow.get(
            f"/programmes/{YEAR}", params={"as_of": "2020-01-01T00:00:00Z"}, headers=host
        )
        assert before_launch.status_code == 404

        # the audit trail shows who received the shortlist, and what caused it
        audit = await roadshow.get(f"/streams/{rid}/history", headers=torch)
        assert audit.status_code == 200, audit.text
        [received] = [e for e in audit.json()["items"] if e["event_type"] == "ShortlistReceived"]
        assert received["actor"] == "host-chain"
        assert received["causation_id"] is not None

        # the calendar (a projection of roadshow's topic) shows the outcome to everyone
        listed = await _until(
            roadshow,
            f"/roadshows?year={YEAR}",
            {},
            lambda body: any(i["id"] == rid and i["status"] == "concluded" for i in body["items"]),
        )
        [entry] = [i for i in listed["items"] if i["id"] == rid]
        assert entry["confirmed"] == 3 and entry["outcome"]["meetings_held"] == 1
        assert "seats" not in entry
        # as of then, the calendar answers what it answered then, rebuilt from roadshow's topic
        rebuilt = await roadshow.get(
            "/roadshows", params={"year": YEAR, "as_of": calendar_at.isoformat()}
        )
        assert rebuilt.status_code == 200, rebuilt.text
        assert rebuilt.json() == listed_then

    # another consumer of roadshow's topic sees the outcomes, and the online channel's intent
    topic = f"{service_env['ZTC_TOPIC_PREFIX']}ztc.roadshow.events"
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"],
        group_id=f"tracking-e2e-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    seen: dict[str, dict[str, Any]] = {}
    try:
        async with asyncio.timeout(60):
            while "RoadshowConcluded" not in seen:
                batch = await consumer.getmany(timeout_ms=1000)
                for records in batch.values():
                    for record in records:
                        event = json.loads(record.value)
                        if event["stream_id"] in (rid, f"online-{rid}"):
                            seen[event["event_type"]] = event
    finally:
        await consumer.stop()
    published = await _first(
        service_env, "ztc.screening.events", f"round-{rid}", "LonglistPublished"
    )
    concluded = seen["RoadshowConcluded"]["payload"]
    pitches = {p["achievement_id"]: p for p in concluded["pitches"]}
    assert list(pitches) == selected
    assert pitches[selected[0]]["meetings_held"] == 1
    assert pitches[selected[1]]["intents"] == [company_id(2)]
    assert all(p["raw_score"] is not None and p["rank"] for p in pitches.values())
    assert concluded["online_channel"] == left
    assert concluded["attendees"] == 3
    assert seen["ShortlistReceived"]["payload"]["round_id"] == f"round-{rid}"
    finalized = await _first(
        service_env, "ztc.screening.events", f"round-{rid}", "ShortlistFinalized"
    )
    assert received["causation_id"] == finalized["event_id"]
    assert sorted(published["payload"]["company_ids"]) == [company_id(n) for n in (1, 2, 3)]
    accepted = seen["OnlineMeetingAccepted"]
    assert accepted["payload"]["company_id"] == company_id(1)
    assert accepted["payload"]["accepted_by"] == HOLDER
    assert accepted["region"] == "440000"
