"""The example consumer in examples/ runs, as its README says, against the local stack: it follows
intake's topic from the start, skips what it does not know or has seen, and builds its board."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from tests.e2e.conftest import Slice, bearer, draft_body
from ztc_shared.auth import Role

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BOARD = REPO / "examples" / "achievement_board" / "board.py"


async def _published(bootstrap: str, topic: str, stream_id: str, version: int) -> None:
    """Wait until intake's relay has put the stream's event at ``version`` on the topic."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        async with asyncio.timeout(60):
            while True:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        event = json.loads(record.value or b"{}")
                        if (
                            event.get("stream_id") == stream_id
                            and event["stream_version"] == version
                        ):
                            return
    finally:
        await consumer.stop()


async def test_the_example_board_follows_intake_from_the_start(
    running_slice: Slice, service_env: dict[str, str], tmp_path: Path
) -> None:
    holder = bearer(Role.HOLDER, "board-holder")
    async with httpx.AsyncClient(base_url=running_slice.intake, timeout=15) as client:
        first = (await client.post("/achievements", json=draft_body(), headers=holder)).json()
        second = (await client.post("/achievements", json=draft_body(trl=4), headers=holder)).json()
        submitted = await client.post(f"/achievements/{first['id']}/submit", headers=holder)
        assert submitted.status_code == 200, submitted.text
        last_version = submitted.json()["stream_version"]
    topic = f"{service_env['ZTC_TOPIC_PREFIX']}ztc.intake.events"
    bootstrap = service_env["KAFKA_BOOTSTRAP_SERVERS"]
    await _published(bootstrap, topic, first["id"], last_version)
    key = f"board-{uuid.uuid4()}".encode()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        future_type = {
            "event_id": str(uuid.uuid4()),
            "event_type": "AchievementTranslated",  # a type the board has never heard of
            "schema_version": 1,
            "stream_id": key.decode(),
            "stream_type": "achievement",
            "stream_version": 99,
            "occurred_at": datetime.now(UTC).isoformat(),
            "region": "440000",
            "actor": "board-test",
            "correlation_id": "board-test",
            "causation_id": None,
            "payload": {"language": "en"},
        }
        await producer.send_and_wait(topic, json.dumps(future_type).encode(), key=key)
        await producer.send_and_wait(topic, b"not json at all", key=key)
    finally:
        await producer.stop()

    out = tmp_path / "board.json"
    command = [sys.executable, str(BOARD), "--bootstrap", bootstrap, "--topic", topic]
    command += ["--out", str(out), "--idle-exit", "3"]
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    board = json.loads(out.read_text(encoding="utf-8"))
    mine = board["achievements"]
    assert mine[first["id"]]["status"] == "submitted"
    assert mine[first["id"]]["status_name"] == "已提交"
    assert mine[first["id"]]["version"] == last_version
    assert mine[second["id"]]["status"] == "draft" and mine[second["id"]]["trl"] == 4
    assert board["ignored_event_types"].get("AchievementTranslated", 0) >= 1
    assert board["unreadable"] >= 1
    assert sum(board["by_status"].values()) == len(mine)
