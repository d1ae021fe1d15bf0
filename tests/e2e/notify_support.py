"""Notify's processes and event builders for the end-to-end tests."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaProducer

from ztc_shared.auth import Role
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.contracts.roadshow import (
    AgendaBlock,
    AgendaKind,
    CompanyRegistered,
    EventFormat,
    ParticipantKind,
    RegistrationApproved,
    RoadshowPlanned,
)
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import DomainEvent, EventEnvelope, new_envelope
from ztc_shared.events.codec import encode_event
from ztc_shared.kafka import service_topic
from ztc_tools.testing.processes import ServiceProcess, api_process, worker_process

T = TypeVar("T")


def credit_code() -> str:
    """A valid unified social credit code, a fresh one per test (runs share the stack)."""
    return sample_credit_code(random.randrange(10**9), series="")


def notify_env(env: dict[str, str], smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        **env,
        "NOTIFY_SMTP_PORT": str(smtp_port),
        "NOTIFY_FIRST_RETRY_SECONDS": "0.5",
        **extra,
    }


def start_api(env: dict[str, str], log_dir: Path, name: str) -> ServiceProcess:
    return api_process("notify", env=env, log_dir=log_dir, name=name).start()


def start_worker(
    env: dict[str, str], log_dir: Path, name: str, failpoints: str = ""
) -> ServiceProcess:
    worker_env = {**env, "ZTC_FAILPOINTS": failpoints}
    return worker_process("notify", env=worker_env, log_dir=log_dir, name=name).start()


def envelope(event: DomainEvent, stream_id: str, version: int) -> EventEnvelope:
    return new_envelope(
        event,
        stream_id=stream_id,
        stream_version=version,
        occurred_at=datetime.now(UTC),
        region="440000",
        actor="host-e2e",
        correlation_id=str(uuid.uuid4()),
    )


def roadshow_events(roadshow_id: str, company_id: str) -> list[EventEnvelope]:
    """A roadshow planned, one company registered and approved."""
    planned = RoadshowPlanned(
        year=2026,
        host_id="host-e2e",
        title="深圳新一代信息技术专场路演",
        fields=[IndustryField.NEXT_GEN_IT],
        region="440300",
        event_date=date(2026, 12, 18),
        venue="深圳湾科技园",
        format=EventFormat.ON_SITE,
        capacity=50,
        agenda=[
            AgendaBlock(
                kind=AgendaKind.PITCHES,
                title="项目路演",
                starts_at=datetime(2026, 12, 18, 9, 30, tzinfo=UTC),
                minutes=120,
            )
        ],
        plan_text="专场路演方案",
    )
    registered = CompanyRegistered(
        company_id=company_id,
        name="深圳市智造科技有限公司",
        kind=ParticipantKind(next(iter(ParticipantKind)).value),
        registered_by="company-user-e2e",
    )
    approved = RegistrationApproved(company_id=company_id)
    return [
        envelope(planned, roadshow_id, 1),
        envelope(registered, roadshow_id, 2),
        envelope(approved, roadshow_id, 3),
    ]


async def publish(bootstrap: str, topic: str, envelopes: Sequence[EventEnvelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for item in envelopes:
            await producer.send_and_wait(topic, encode_event(item), key=item.stream_id.encode())
    finally:
        await producer.stop()


def roadshow_topic(env: dict[str, str]) -> str:
    return service_topic("roadshow", env["ZTC_TOPIC_PREFIX"])


def wait_for(probe: Callable[[], T | None], timeout: float = 60.0, what: str = "") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"gave up waiting for {what or probe}")


def deliveries(
    client: httpx.Client, api: str, headers: dict[str, str], **query: Any
) -> list[dict[str, Any]]:
    response = client.get(f"{api}/deliveries", params=query, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


OPERATOR_ROLE = Role.PROVINCE
