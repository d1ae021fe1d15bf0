"""The national dashboard on the real broker: MirrorMaker 2 brings each province's topics into the
national cluster as ``<alias>.<topic>``; the dashboard's worker in national mode subscribes to them
by pattern and adds the provinces up, while each province's view holds only its own events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dashboard.scenario import Scenario, Step
from tests.e2e.conftest import SETTINGS
from ztc_shared.auth import Role, mint_token
from ztc_shared.kafka import ensure_topics, service_topic
from ztc_shared.kafka.publisher import KafkaEventPublisher
from ztc_shared.workers import WORKER_READY
from ztc_tools.testing.processes import (
    APIS,
    WORKERS,
    ServiceProcess,
    all_running,
    free_port,
)

pytestmark = pytest.mark.integration

TORCH = mint_token(SETTINGS, subject="torch-1", role=Role.TORCH_CENTER, region="100000")
GD_DEPT = mint_token(SETTINGS, subject="gd-dept", role=Role.PROVINCE, region="440000")


def mirrored(alias: str, service: str, prefix: str) -> str:
    return f"{alias}.{service_topic(service, prefix)}"


async def publish_mirrored(bootstrap: str, prefix: str, provinces: dict[str, Step]) -> None:
    topics = [mirrored(a, s, prefix) for a in provinces for s in ("intake", "tracking")]
    await ensure_topics(bootstrap, topics, partitions=2)
    publisher = KafkaEventPublisher(bootstrap, client_id="dashboard-national-e2e")
    await publisher.start()
    try:
        for alias, steps in provinces.items():
            for service, envelope in steps:
                await publisher.publish(mirrored(alias, service, prefix), [envelope])
    finally:
        await publisher.stop()


def provinces() -> dict[str, Step]:
    gd, bj = Scenario("440000"), Scenario("110000")
    gd_steps: Step = []
    ids = []
    for field in ("biotech", "new_energy"):
        achievement_id, made = gd.achievement(field)
        ids.append(achievement_id)
        gd_steps += made
    case_id, made = gd.case(ids[0], "host-sz", "biotech")
    gd_steps += made + gd.deal(case_id, ids[0], "80", 3)
    bj_steps: Step = []
    for admitted in (True, False, False):
        bj_steps += bj.achievement("new_materials", admitted=admitted)[1]
    return {"gd": gd_steps, "bj": bj_steps}


@pytest.fixture(scope="module")
def national(service_env: dict[str, str], log_dir: Path, run_id: str) -> Iterator[str]:
    prefix = f"{run_id}nat."
    port = free_port()
    env = {
        **service_env,
        "ZTC_TOPIC_PREFIX": prefix,
        "ZTC_DATABASE_PREFIX": f"{run_id}nat_",
        "REGION": "100000",
        "DASHBOARD_MODE": "national",
        "DASHBOARD_PORT": str(port),
        "DASHBOARD_WORKER_METRICS_PORT": str(free_port()),
    }
    asyncio.run(publish_mirrored(service_env["KAFKA_BOOTSTRAP_SERVERS"], prefix, provinces()))
    processes = [
        ServiceProcess(
            "dashboard-national-worker",
            WORKERS["dashboard"],
            env=env,
            log_dir=log_dir,
            args=("run",),
            ready_marker=WORKER_READY,
        ),
        ServiceProcess(
            "dashboard-national-api", APIS["dashboard"], env=env, log_dir=log_dir, port=port
        ),
    ]
    with all_running(processes):
        yield f"http://127.0.0.1:{port}"


def counts(base: str, bearer: str, region: str | None = None) -> dict[str, Any]:
    reply = httpx.get(
        f"{base}/api/overview",
        params={"region": region} if region else {},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert reply.status_code == 200, reply.text
    return {row["stage"]: row["count"] for row in reply.json()["funnel"]}


def test_the_nation_adds_up_the_mirrored_provinces_and_each_sees_its_own(national: str) -> None:
    expected = {"collected": 5, "admitted": 3, "signed": 1}
    deadline = time.monotonic() + 60
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        seen = counts(national, TORCH)
        if all(seen[k] == v for k, v in expected.items()):
            break
        time.sleep(0.3)
    assert {k: seen[k] for k in expected} == expected

    guangdong = counts(national, GD_DEPT)
    beijing = counts(national, TORCH, "110000")
    assert (guangdong["collected"], guangdong["admitted"], guangdong["signed"]) == (2, 2, 1)
    assert (beijing["collected"], beijing["admitted"], beijing["signed"]) == (3, 1, 0)
    assert all(guangdong[k] + beijing[k] == seen[k] for k in seen)

    refused = httpx.get(
        f"{national}/api/overview",
        params={"region": "110000"},
        headers={"Authorization": f"Bearer {GD_DEPT}"},
    )
    assert refused.status_code == 403
