"""Notify's deliveries as events on the real stack: a delivered and a dead-lettered notification
appear once each on ``ztc.notify.events`` (the run's prefix), though their cause arrived twice,
and an operator's retry adds a round of its own."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from tests.e2e.conftest import bearer, prefixed_env
from tests.e2e.notify_receivers import HookReceiver, Mailbox
from tests.e2e.notify_support import (
    credit_code,
    deliveries,
    notify_env,
    publish,
    roadshow_events,
    roadshow_topic,
    start_api,
    start_worker,
    wait_for,
)
from ztc_shared.auth import Role
from ztc_shared.contracts.notify import notification_stream_id
from ztc_shared.events import EVENTS, EventEnvelope, decode_event
from ztc_shared.kafka import service_topic
from ztc_shared.relay import RELAY_READY
from ztc_tools.testing.processes import RELAYS, ServiceProcess

pytestmark = pytest.mark.integration

SECRET = "e2e-webhook-secret-0123456789"


async def topic_events(bootstrap: str, topic: str) -> list[EventEnvelope]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    try:
        found: list[EventEnvelope] = []
        while batches := await consumer.getmany(timeout_ms=1000):
            found.extend(decode_event(m.value) for records in batches.values() for m in records)
        return found
    finally:
        await consumer.stop()


def test_a_delivered_and_a_dead_lettered_notification_are_published_once_each(
    service_env: dict[str, str], log_dir: Path, mail: tuple[Mailbox, int], hooks: HookReceiver
) -> None:
    mailbox, smtp_port = mail
    env = notify_env(prefixed_env(service_env, f"v{uuid.uuid4().hex[:8]}"), smtp_port)
    processes = [
        start_api(env, log_dir, "notify-api-events"),
        start_worker(env, log_dir, "notify-worker-events"),
        ServiceProcess(
            "notify-relay-events",
            RELAYS["notify"],
            env=env,
            log_dir=log_dir,
            ready_marker=RELAY_READY,
        ).start(),
    ]
    api = processes[0]
    province = bearer(Role.PROVINCE, "gd-notify-events")
    company = credit_code()
    hook = f"hook-{company}"
    hooks.answer(hook, 410)  # refused for now: dead at once
    try:
        for process in processes:
            process.wait_ready(90)
        with httpx.Client(timeout=10) as client:
            response = client.put(
                f"{api.url}/contacts/{company}",
                json={
                    "role": "company",
                    "region": "440300",
                    "email": f"{company.lower()}@example.cn",
                    "webhook_url": hooks.url(hook),
                    "webhook_secret": SECRET,
                    "channels": ["email", "webhook"],
                },
                headers=province,
            )
            assert response.status_code == 200, response.text
            events = roadshow_events(str(uuid.uuid4()), company)
            approved = events[-1]
            # The cause arrives twice: planned once, published once.
            asyncio.run(
                publish(env["KAFKA_BOOTSTRAP_SERVERS"], roadshow_topic(env), [*events, approved])
            )

            def settled() -> dict[str, dict[str, Any]] | None:
                found = deliveries(client, api.url, province, event_id=str(approved.event_id))
                done = len(found) == 3 and all(d["status"] in ("delivered", "dead") for d in found)
                return {d["channel"]: d for d in found} if done else None

            ledger = wait_for(settled, what="three deliveries settled")
            assert {c: d["status"] for c, d in ledger.items()} == {
                "inbox": "delivered",
                "email": "delivered",
                "webhook": "dead",
            }
            streams = {notification_stream_id(d["key"]): c for c, d in ledger.items()}
            topic = service_topic("notify", env["ZTC_TOPIC_PREFIX"])
            bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]

            def published(expected: int) -> list[EventEnvelope] | None:
                found = [
                    e for e in asyncio.run(topic_events(bootstrap, topic)) if e.stream_id in streams
                ]
                return found if len(found) >= expected else None

            first = wait_for(lambda: published(6), what="six delivery events on the topic")
            by_channel = {
                channel: [
                    (e.stream_version, e.event_type)
                    for e in first
                    if streams[e.stream_id] == channel
                ]
                for channel in streams.values()
            }
            assert by_channel == {
                "inbox": [(1, "NotificationQueued"), (2, "NotificationDelivered")],
                "email": [(1, "NotificationQueued"), (2, "NotificationDelivered")],
                "webhook": [(1, "NotificationQueued"), (2, "NotificationFailed")],
            }
            failed = next(e for e in first if e.event_type == "NotificationFailed")
            assert failed.payload["reason_code"] == "http_410" and failed.payload["final"]
            assert failed.region == approved.region
            assert failed.causation_id == str(approved.event_id)
            for event in first:
                EVENTS.payload(event)  # each one reads as its contract says
                assert "example.cn" not in str(event.payload)  # no address on the topic

            # An operator sends the dead one again, and it goes through.
            hooks.answer(hook, 200)
            key = ledger["webhook"]["key"]
            retried = client.post(f"{api.url}/deliveries/{key}/retry", headers=province)
            assert retried.status_code == 200, retried.text
            wait_for(
                lambda: (settled() or {}).get("webhook", {}).get("status") == "delivered",
                what="the retried webhook delivered",
            )
            wait_for(lambda: published(8), what="the retry's two events")
        # Settle a moment longer: nothing further may come.
        time.sleep(1.5)
        every = asyncio.run(topic_events(bootstrap, topic))
        mine = [e for e in every if e.stream_id in streams]
        assert len(mine) == 8
        assert Counter((e.stream_id, e.stream_version) for e in mine).most_common(1)[0][1] == 1
        webhook = [
            (e.event_type, e.payload["retry"])
            for e in sorted(mine, key=lambda e: e.stream_version)
            if streams[e.stream_id] == "webhook"
        ]
        assert webhook == [
            ("NotificationQueued", 0),
            ("NotificationFailed", 0),
            ("NotificationQueued", 1),
            ("NotificationDelivered", 1),
        ]
        assert len(mailbox.to(f"{company.lower()}@example.cn")) == 1
    finally:
        for process in processes:
            process.stop()


def test_a_worker_killed_after_the_delivered_event_does_not_send_again(
    service_env: dict[str, str], log_dir: Path, mail: tuple[Mailbox, int], hooks: HookReceiver
) -> None:
    mailbox, smtp_port = mail
    env = notify_env(
        prefixed_env(service_env, f"w{uuid.uuid4().hex[:8]}"),
        smtp_port,
        NOTIFY_DISPATCHERS="1",
        NOTIFY_DELIVERY_LEASE_SECONDS="8",
        NOTIFY_SEND_TIMEOUT="4",
    )
    api = start_api(env, log_dir, "notify-api-event-kill")
    relay = ServiceProcess(
        "notify-relay-event-kill",
        RELAYS["notify"],
        env=env,
        log_dir=log_dir,
        ready_marker=RELAY_READY,
    ).start()
    processes = [api, relay]
    province = bearer(Role.PROVINCE, "gd-notify-events")
    company = credit_code()
    email = f"{company.lower()}@example.cn"
    try:
        api.wait_ready(90)
        relay.wait_ready(90)
        with httpx.Client(timeout=10) as client:
            response = client.put(
                f"{api.url}/contacts/{company}",
                json={"role": "company", "region": "440300", "email": email},
                headers=province,
            )
            assert response.status_code == 200, response.text
            events = roadshow_events(str(uuid.uuid4()), company)
            approved = events[-1]
            # Dies once NotificationDelivered is stored, before the ledger says delivered.
            doomed = start_worker(
                env, log_dir, "notify-worker-event-doomed", "notify.after_event.email"
            )
            processes.append(doomed)
            doomed.wait_ready(90)
            asyncio.run(publish(env["KAFKA_BOOTSTRAP_SERVERS"], roadshow_topic(env), events))
            assert doomed.wait_exit(60) == -9
            assert len(mailbox.to(email)) == 1

            survivor = start_worker(env, log_dir, "notify-worker-event-survivor")
            processes.append(survivor)
            survivor.wait_ready(90)

            def settled() -> dict[str, dict[str, Any]] | None:
                found = deliveries(client, api.url, province, event_id=str(approved.event_id))
                done = len(found) == 2 and all(d["status"] == "delivered" for d in found)
                return {d["channel"]: d for d in found} if done else None

            ledger = wait_for(settled, what="both delivered")
        # The survivor found the outcome recorded and did not send the mail again.
        assert len(mailbox.to(email)) == 1
        assert ledger["email"]["attempts"] == 2  # claimed twice, sent once
        stream = notification_stream_id(ledger["email"]["key"])
        topic = service_topic("notify", env["ZTC_TOPIC_PREFIX"])

        def published() -> list[EventEnvelope] | None:
            found = asyncio.run(topic_events(env["KAFKA_BOOTSTRAP_SERVERS"], topic))
            mine = [e for e in found if e.stream_id == stream]
            return mine if len(mine) >= 2 else None

        mine = wait_for(published, what="the e-mail's events")
        assert [(e.stream_version, e.event_type) for e in mine] == [
            (1, "NotificationQueued"),
            (2, "NotificationDelivered"),
        ]
        assert mine[1].payload["attempts"] == 1
    finally:
        for process in processes:
            process.stop()
