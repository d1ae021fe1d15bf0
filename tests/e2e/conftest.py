"""The first slice running as real processes on the real stack: intake (API, relay) and screening
(API, worker), isolated from other runs by a topic and database prefix."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.e2e.notify_receivers import HookReceiver, Mailbox, hook_server, smtp_server
from ztc_shared.auth import Role, mint_token
from ztc_shared.settings import ServiceSettings
from ztc_tools.manifest import manifest
from ztc_tools.testing.processes import (
    ServiceProcess,
    api_process,
    relay_process,
    worker_process,
)

_counter = itertools.count(1)


@dataclass
class Slice:
    env: dict[str, str]
    log_dir: Path
    intake_api: ServiceProcess
    intake_relay: ServiceProcess
    screening_api: ServiceProcess
    screening_worker: ServiceProcess
    screening_relay: ServiceProcess

    @property
    def intake(self) -> str:
        return self.intake_api.url

    @property
    def screening(self) -> str:
        return self.screening_api.url


def start_worker(env: dict[str, str], log_dir: Path, name: str, *args: str) -> ServiceProcess:
    """Screening's worker (by default its first run, the library)."""
    return worker_process("screening", *args, env=env, log_dir=log_dir, name=name).start()


def start_relay(
    env: dict[str, str], log_dir: Path, name: str, service: str = "intake"
) -> ServiceProcess:
    return relay_process(service, env=env, log_dir=log_dir, name=name).start()


def prefixed_env(service_env: dict[str, str], prefix: str) -> dict[str, str]:
    """The run's environment with a prefix of its own, for a test that needs its own topics."""
    return {
        **service_env,
        "ZTC_TOPIC_PREFIX": f"{prefix}.",
        "ZTC_DATABASE_PREFIX": f"{prefix}_",
    }


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="session")
def running_slice(service_env: dict[str, str], log_dir: Path) -> Iterator[Slice]:
    intake_api = api_process("intake", env=service_env, log_dir=log_dir)
    screening_api = api_process("screening", env=service_env, log_dir=log_dir)
    # the slice's other processes see both APIs' ports (INTAKE_PORT, SCREENING_PORT)
    env = dict(service_env)
    for api in (intake_api, screening_api):
        env[manifest(api.name.removesuffix("-api")).api_port_variable] = str(api.port)
    processes = Slice(
        env=env,
        log_dir=log_dir,
        intake_api=intake_api.start(),
        intake_relay=start_relay(env, log_dir, "intake-relay"),
        screening_api=screening_api.start(),
        screening_worker=start_worker(env, log_dir, "screening-worker"),
        screening_relay=start_relay(env, log_dir, "screening-relay", "screening"),
    )
    everything = [
        processes.intake_api,
        processes.intake_relay,
        processes.screening_api,
        processes.screening_worker,
        processes.screening_relay,
    ]
    try:
        for process in everything:
            process.wait_ready(timeout=90)
        yield processes
    finally:
        for process in everything:
            process.stop()


SETTINGS = ServiceSettings()


def bearer(role: Role, subject: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {mint_token(SETTINGS, subject=subject, role=role, region='440000')}"
    }


@pytest.fixture(scope="session")
def holder() -> dict[str, str]:
    return bearer(Role.HOLDER, "holder-e2e")


@pytest.fixture(scope="session")
def agency() -> dict[str, str]:
    return bearer(Role.SUPPORT_ORG, "agency-e2e")


@pytest.fixture(scope="session")
def province() -> dict[str, str]:
    return bearer(Role.PROVINCE, "gd-e2e")


def draft_body(**overrides: Any) -> dict[str, Any]:
    number = next(_counter)
    body: dict[str, Any] = {
        "title": f"面向工业质检的视觉大模型 第{number}号",
        "abstract": "基于自监督预训练的工业视觉检测模型，缺陷检出率 99.2%，可在边缘设备部署。",
        "field": "next_gen_it",
        "sub_field": "artificial_intelligence",
        "keywords": ["机器视觉", "缺陷检测", "大模型"],
        "trl": 7,
        "holder_name": "王五",
        "institution": "华南理工大学",
        "channel": "open_call",
        "asking_price_wan": "120.5",
    }
    body.update(overrides)
    return body


def draft_and_submit(client: httpx.Client, base: str, headers: dict[str, str]) -> tuple[str, int]:
    drafted = client.post(f"{base}/achievements", json=draft_body(), headers=headers)
    assert drafted.status_code == 201, drafted.text
    achievement_id = drafted.json()["id"]
    submitted = client.post(f"{base}/achievements/{achievement_id}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    return achievement_id, submitted.json()["stream_version"]


async def topic_size(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or [])
        ]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []
            ]
        ends = await consumer.end_offsets(partitions)
        return sum(ends.values())
    finally:
        await consumer.stop()


@pytest.fixture(scope="module")
def mail() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on loopback for notify's tests, one per test module: (mailbox, port)."""
    yield from smtp_server()


@pytest.fixture(scope="module")
def hooks() -> Iterator[HookReceiver]:
    """A real receiver of signed webhooks on loopback for notify's tests, one per test module."""
    yield from hook_server()
