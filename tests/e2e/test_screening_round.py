"""From intake's admitted achievements through a screening round to ``ShortlistFinalized``, as
another service sees it on Kafka: real processes, real broker, real database."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from intake.demo.catalogue import catalogue
from intake.demo.loader import EVALUATORS, load_catalogue
from tests.e2e.conftest import SETTINGS, Slice, bearer
from ztc_shared.auth import Role, mint_token

pytestmark = pytest.mark.integration

COMPANIES = ("91440300MA5E2E0101", "91440300MA5E2E0102")


async def test_admitted_achievements_go_through_a_round_to_the_stage(
    running_slice: Slice, service_env: dict[str, str]
) -> None:
    items = [i for i in catalogue(60) if i.stage in ("admitted", "published")][:12]
    assert len(items) == 12
    tokens = {
        "holder": mint_token(SETTINGS, subject="round-holder", role=Role.HOLDER, region="440000"),
        "province": mint_token(SETTINGS, subject="gd-e2e", role=Role.PROVINCE, region="440000"),
        **{
            e["evaluator_id"]: mint_token(
                SETTINGS, subject=e["evaluator_id"], role=Role.EXPERT, region="440000"
            )
            for e in EVALUATORS
        },
    }
    loaded = await load_catalogue(running_slice.intake, tokens, items)
    assert loaded.failures == []
    host = bearer(Role.HOST, "host-e2e")
    agency = bearer(Role.SUPPORT_ORG, "agency-e2e")

    async with httpx.AsyncClient(base_url=running_slice.screening, timeout=15) as client:
        # screening's library has applied intake's events up to each achievement's last version
        for achievement_id, version in loaded.last_versions.items():
            entry = await client.get(
                f"/library/{achievement_id}",
                params={"min_version": version, "wait_ms": 10_000},
                headers=agency,
            )
            assert entry.status_code == 200, entry.text
            assert entry.json()["status"] in ("admitted", "published")

        opened = await client.post(
            "/rounds",
            json={
                "roadshow_ref": f"roadshow-{uuid.uuid4().hex[:8]}",
                "title": "2026年广州新能源与智能制造专场",
                "fields": ["new_energy_vehicles", "next_gen_it", "high_end_equipment"],
                "industry_needs": "本地车企需要提升动力电池安全性与快充能力，制造企业需要智能质检。",
                "region": "440000",
            },
            headers=host,
        )
        assert opened.status_code == 201, opened.text
        round_url = f"/rounds/{opened.json()['id']}"
        ids = list(loaded.last_versions)
        recommended = await client.get(
            f"{round_url}/recommendations", params={"limit": 300}, headers=agency
        )
        assert recommended.status_code == 200, recommended.text
        ranking = recommended.json()
        assert set(ids) <= {r["achievement_id"] for r in ranking}  # every candidate is ranked
        for item in ranking:
            assert abs(sum(item["parts"].values()) - item["score"]) < 0.01
            assert item["explanation"]
            assert not item["longlisted"]
        assert [r["score"] for r in ranking] == sorted((r["score"] for r in ranking), reverse=True)
        for achievement_id in ids:
            added = await client.post(
                f"{round_url}/candidates",
                json={"achievement_id": achievement_id, "reason": "契合专场主题"},
                headers=agency,
            )
            assert added.status_code == 200, added.text
        published = await client.post(
            f"{round_url}/publish", json={"company_ids": list(COMPANIES)}, headers=host
        )
        assert published.status_code == 200, published.text
        company = bearer(Role.COMPANY, COMPANIES[0])
        answered = await client.post(
            f"{round_url}/interest",
            json={
                "answers": [
                    {"achievement_id": ids[0], "level": "must_meet", "reason": "fits_our_needs"},
                    {"achievement_id": ids[1], "level": "not_interested", "reason": "too_early"},
                ]
            },
            headers=company,
        )
        assert answered.status_code == 200, answered.text

        again = (
            await client.get(f"{round_url}/recommendations", params={"limit": 300}, headers=agency)
        ).json()
        assert {r["achievement_id"] for r in again if r["longlisted"]} == set(ids)
        view = (await client.get(round_url, headers=host)).json()
        suggested = [s["achievement_id"] for s in view["suggested_shortlist"]]
        assert suggested[0] == ids[0] or ids[0] in suggested[:3]  # the must-meet one ranks high
        too_few = await client.post(
            f"{round_url}/shortlist", json={"selected": suggested[:9]}, headers=host
        )
        assert too_few.status_code == 422
        assert too_few.json()["error"] == "shortlist_size"
        selected = suggested[:10]
        final = await client.post(
            f"{round_url}/shortlist", json={"selected": selected}, headers=host
        )
        assert final.status_code == 200, final.text

    # another consumer of screening's topic sees the decision
    topic = f"{service_env['ZTC_TOPIC_PREFIX']}ztc.screening.events"
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"],
        group_id=f"roadshow-e2e-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        finalised = None
        async with asyncio.timeout(60):
            while finalised is None:
                batch = await consumer.getmany(timeout_ms=1000)
                for records in batch.values():
                    for record in records:
                        event = json.loads(record.value)
                        if (
                            event["event_type"] == "ShortlistFinalized"
                            and event["stream_id"] == opened.json()["id"]
                        ):
                            finalised = event
    finally:
        await consumer.stop()
    assert finalised["payload"]["selected"] == selected
    assert sorted(finalised["payload"]["not_selected"]) == sorted(set(ids) - set(selected))
    assert finalised["region"] == "440000"
