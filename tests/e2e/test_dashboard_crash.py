"""The dashboard's worker killed after writing a batch and before committing its offsets: started
again, it reads the batch again and the figures still count every event exactly once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from dashboard.scenario import Scenario, Step
from tests.e2e.conftest import SETTINGS
from ztc_shared.auth import Role, mint_token
from ztc_shared.kafka import ensure_topics, service_topic
from ztc_shared.kafka.publisher import KafkaEventPublisher
from ztc_shared.workers import WORKER_READY
from ztc_tools.testing.processes import APIS, WORKERS, ServiceProcess, free_port

pytestmark = pytest.mark.integration

TORCH = mint_token(SETTINGS, subject="torch-1", role=Role.TORCH_CENTER, region="100000")


async def publish(bootstrap: str, prefix: str, steps: Step) -> None:
    await ensure_topics(bootstrap, [service_topic("intake", prefix)], partitions=3)
    publisher = KafkaEventPublisher(bootstrap, client_id="dashboard-crash-e2e")
    await publisher.start()
    try:
        for service, envelope in steps:
            await publisher.publish(service_topic(service, prefix), [envelope])
    finally:
        await publisher.stop()


def test_a_worker_killed_before_committing_counts_nothing_twice(
    service_env: dict[str, str], log_dir: Path, run_id: str
) -> None:
    prefix = f"{run_id}crash."
    gd = Scenario("440000")
    steps: Step = []
    for field in ("biotech", "new_energy", "biotech", "new_materials"):
        steps += gd.achievement(field)[1]
    asyncio.run(publish(service_env["KAFKA_BOOTSTRAP_SERVERS"], prefix, steps))
    port = free_port()
    env = {
        **service_env,
        "ZTC_TOPIC_PREFIX": prefix,
        "ZTC_DATABASE_PREFIX": f"{run_id}crash_",
        "DASHBOARD_PORT": str(port),
        "DASHBOARD_WORKER_METRICS_PORT": str(free_port()),
    }

    def worker(name: str, **extra: str) -> ServiceProcess:
        return ServiceProcess(
            name,
            WORKERS["dashboard"],
            env={**env, **extra},
            log_dir=log_dir,
            args=("run",),
            ready_marker=WORKER_READY,
        )

    doomed = worker("dashboard-crash-worker", ZTC_FAILPOINTS="dashboard.worker.before_commit")
    doomed.start()
    assert doomed.wait_exit(timeout=90) == -9
    assert "failpoint.kill" in doomed.log_since_start()

    api = ServiceProcess(
        "dashboard-crash-api", APIS["dashboard"], env=env, log_dir=log_dir, port=port
    )
    again = worker("dashboard-crash-worker-again")
    try:
        api.start()
        again.start()
        api.wait_ready(timeout=90)
        again.wait_ready(timeout=90)
        headers = {"Authorization": f"Bearer {TORCH}"}

        def caught_up() -> bool:
            # The worker commits offsets only after writing: no lag left means all is applied.
            health = httpx.get(f"{api.url}/api/streams", headers=headers, timeout=30).json()
            return any(
                c["group"] == f"{prefix}ztc-dashboard-readmodel-g1"
                and c["topic"] == service_topic("intake", prefix)
                and c["lag"] == 0
                for c in health["consumers"]
            )

        deadline = time.monotonic() + 60
        while not caught_up():
            assert time.monotonic() < deadline, "the worker did not catch up"
            time.sleep(0.3)
        reply = httpx.get(f"{api.url}/api/overview", headers=headers)
        figures = {row["stage"]: row["count"] for row in reply.json()["funnel"]}
        assert (figures["collected"], figures["admitted"]) == (4, 4)
    finally:
        again.stop()
        api.stop()
