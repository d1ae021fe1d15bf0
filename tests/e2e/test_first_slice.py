"""The first slice end to end, on the real broker and database, with real processes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import AsyncMongoClient

from tests.e2e.conftest import Slice, bearer, draft_body
from ztc_shared.auth import Role
from ztc_shared.events import encode_event

pytestmark = pytest.mark.integration

Mongo = AsyncMongoClient[dict[str, Any]]


def test_a_submitted_draft_is_readable_from_screening(
    running_slice: Slice, holder: dict[str, str], agency: dict[str, str], province: dict[str, str]
) -> None:
    with httpx.Client(timeout=10) as client:
        call = client.post(
            f"{running_slice.intake}/calls",
            json={"title": "2026年度科技成果常态化征集", "kind": "open"},
            headers=province,
        )
        assert call.status_code == 201, call.text
        # the holder keeps only the contact to themselves: the price is for the library to show
        body = draft_body(
            title="一种耐高温钙钛矿光伏组件封装材料",
            field="new_energy",
            sub_field="photovoltaics",
            confidential=["contact"],
        )
        drafted = client.post(f"{running_slice.intake}/achievements", json=body, headers=holder)
        assert drafted.status_code == 201
        assert drafted.headers["x-stream-version"] == "1"
        achievement_id = drafted.json()["id"]
        submitted = client.post(
            f"{running_slice.intake}/achievements/{achievement_id}/submit",
            json={"call_id": call.json()["id"]},
            headers=holder,
        )
        assert submitted.json() == {
            "id": achievement_id,
            "status": "submitted",
            "stream_version": 2,
        }

        entry = client.get(
            f"{running_slice.screening}/library/{achievement_id}",
            params={"min_version": 2, "wait_ms": 10_000},
            headers=agency,
        )
        assert entry.status_code == 200, entry.text
        library_entry = entry.json()
        assert library_entry["title"] == "一种耐高温钙钛矿光伏组件封装材料"
        assert library_entry["field_name"] == "新能源"
        assert library_entry["status"] == "submitted"
        assert library_entry["stream_version"] == 2
        # the holder keeps only the contact confidential: the price is shown, the contact is not
        assert library_entry["asking_price_wan"] == "120.5"
        assert "contact" not in library_entry
        listing = client.get(
            f"{running_slice.screening}/library", params={"field": "new_energy"}, headers=agency
        )
        assert achievement_id in [item["id"] for item in listing.json()["items"]]


def test_a_holder_cannot_touch_or_read_another_holders_achievement(
    running_slice: Slice, holder: dict[str, str], province: dict[str, str]
) -> None:
    other = bearer(Role.HOLDER, "holder-e2e-other")
    with httpx.Client(timeout=10) as client:
        drafted = client.post(
            f"{running_slice.intake}/achievements", json=draft_body(), headers=holder
        )
        achievement = f"{running_slice.intake}/achievements/{drafted.json()['id']}"
        for attempt in (
            client.patch(achievement, json={"trl": 9}, headers=other),
            client.post(f"{achievement}/submit", json={}, headers=other),
            client.get(achievement, headers=other),
        ):
            assert attempt.status_code == 403, attempt.text
            assert "自己的科技成果" in attempt.json()["message"]
        # an operator's decision is not the holder's to make
        returned = client.post(f"{achievement}/return", json={"reasons": ["x"]}, headers=holder)
        assert returned.status_code == 403
        mine = client.get(achievement, headers=holder)
        assert (mine.status_code, mine.json()["status"]) == (200, "draft")
        assert client.get(achievement, headers=province).status_code == 200
        assert client.get(achievement, headers=holder).json()["stream_version"] == 1


def test_drafts_stay_out_of_the_library_and_holders_cannot_read_it(
    running_slice: Slice, holder: dict[str, str], agency: dict[str, str]
) -> None:
    with httpx.Client(timeout=10) as client:
        drafted = client.post(
            f"{running_slice.intake}/achievements", json=draft_body(), headers=holder
        )
        achievement_id = drafted.json()["id"]
        waited = client.get(
            f"{running_slice.screening}/library/{achievement_id}",
            params={"min_version": 1, "wait_ms": 1000},
            headers=agency,
        )
        assert waited.status_code == 503
        assert waited.json()["error"] == "projection_behind"
        assert "项目库尚未更新" in waited.json()["message"]
        assert client.get(f"{running_slice.screening}/library", headers=holder).status_code == 403


async def test_a_retried_post_appends_nothing_and_returns_the_first_result(
    running_slice: Slice, holder: dict[str, str], mongo_client: Mongo, service_env: dict[str, str]
) -> None:
    commits = mongo_client[f"{service_env['ZTC_DATABASE_PREFIX']}ztc_intake"]["commits"]
    key = str(uuid.uuid4())
    body = draft_body()
    async with httpx.AsyncClient(base_url=running_slice.intake, timeout=10) as client:
        first = await client.post(
            "/achievements", json=body, headers={**holder, "Idempotency-Key": key}
        )
        before = await commits.count_documents({})
        again = await client.post(
            "/achievements", json=body, headers={**holder, "Idempotency-Key": key}
        )
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert await commits.count_documents({}) == before

        achievement_id = first.json()["id"]
        submit_key = {**holder, "Idempotency-Key": f"{key}-submit"}
        submitted = await client.post(f"/achievements/{achievement_id}/submit", headers=submit_key)
        resubmitted = await client.post(
            f"/achievements/{achievement_id}/submit", headers=submit_key
        )
        assert resubmitted.status_code == 200
        assert (
            resubmitted.json()
            == submitted.json()
            == {
                "id": achievement_id,
                "status": "submitted",
                "stream_version": 2,
            }
        )
        assert await commits.count_documents({"stream_id": achievement_id}) == 2

        changed = await client.post(
            "/achievements",
            json={**body, "title": "换了标题的请求"},
            headers={**holder, "Idempotency-Key": key},
        )
        assert changed.status_code == 422
        assert changed.json()["error"] == "idempotency_key_reused"


async def test_concurrent_submits_one_wins_the_other_conflicts(
    running_slice: Slice, holder: dict[str, str], agency: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=running_slice.intake, timeout=10) as client:
        ids = []
        for _ in range(10):
            drafted = await client.post("/achievements", json=draft_body(), headers=holder)
            ids.append(drafted.json()["id"])
        pairs = await asyncio.gather(
            *(
                asyncio.gather(
                    client.post(f"/achievements/{i}/submit", headers=holder),
                    client.post(f"/achievements/{i}/submit", headers=holder),
                )
                for i in ids
            )
        )
        kinds = set()
        for first, second in pairs:
            codes = sorted([first.status_code, second.status_code])
            assert codes == [200, 409], (first.text, second.text)
            loser = first if first.status_code == 409 else second
            assert loser.json()["actual_version"] == 2
            kinds.add(loser.json()["error"])
        assert kinds <= {"concurrency_conflict", "not_a_draft"}
        for achievement_id in ids:
            state = (await client.get(f"/achievements/{achievement_id}", headers=holder)).json()
            assert (state["status"], state["stream_version"]) == ("submitted", 2)


async def test_an_unreadable_message_goes_to_the_dlq_and_the_next_is_applied(
    running_slice: Slice, agency: dict[str, str], service_env: dict[str, str]
) -> None:
    from ztc_shared.contracts.intake import AchievementSubmitted
    from ztc_shared.testing.eventstore_contract import drafted, envelopes

    topic = f"{service_env['ZTC_TOPIC_PREFIX']}ztc.intake.events"
    stream = f"poisoned-{uuid.uuid4()}"
    producer = AIOKafkaProducer(bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"])
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"\x00not an event{", key=stream.encode(), partition=0)
        for envelope in envelopes(
            stream, 1, drafted(title="毒消息之后的成果"), AchievementSubmitted()
        ):
            await producer.send_and_wait(
                topic, encode_event(envelope), key=stream.encode(), partition=0
            )
    finally:
        await producer.stop()

    async with httpx.AsyncClient(base_url=running_slice.screening, timeout=15) as client:
        entry = await client.get(
            f"/library/{stream}", params={"min_version": 2, "wait_ms": 10_000}, headers=agency
        )
        assert entry.status_code == 200
        assert entry.json()["title"] == "毒消息之后的成果"

    consumer = AIOKafkaConsumer(
        f"{topic}.dlq",
        bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"],
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        letters = []
        for _ in range(20):
            batch = await consumer.getmany(timeout_ms=500)
            letters += [
                r for records in batch.values() for r in records if r.key == stream.encode()
            ]
            if letters:
                break
    finally:
        await consumer.stop()
    assert len(letters) >= 1
    headers = dict(letters[0].headers)
    assert headers["dlq_reason"].decode().startswith("undecodable")
    assert headers["dlq_source_topic"].decode() == topic
    assert letters[0].value == b"\x00not an event{"


def test_health_readiness_and_pipeline_metrics_are_served(running_slice: Slice) -> None:
    with httpx.Client(timeout=10) as client:
        for base in (running_slice.intake, running_slice.screening):
            assert client.get(f"{base}/healthz").json()["status"] == "ok"
            ready = client.get(f"{base}/readyz").json()
            assert ready == {"status": "ready", "checks": {"mongodb": "ok", "kafka": "ok"}}
        intake_metrics = client.get(f"{running_slice.intake}/metrics").text
        assert 'ztc_relay_backlog_commits{service="intake"}' in intake_metrics
        screening_metrics = client.get(f"{running_slice.screening}/metrics").text
        assert "ztc_consumer_lag_messages{group=" in screening_metrics
        assert 'ztc_projection_lag_seconds{projection="library"}' in screening_metrics
