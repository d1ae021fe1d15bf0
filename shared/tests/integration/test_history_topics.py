"""A consumer's as-of view from a real topic: events that occurred by a moment, folded with a
projection's own rules."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from ztc_shared.events import encode_event
from ztc_shared.history import fold, replay_until
from ztc_shared.kafka.topics import ensure_topics
from ztc_shared.testing.history_contract import T0, noted

pytestmark = pytest.mark.integration


class Totals:
    def document_id(self, event: Any) -> str | None:
        return "totals"

    def apply(self, document: dict[str, Any] | None, event: Any) -> dict[str, Any]:
        document = document or {"sum": 0, "count": 0}
        return {"sum": document["sum"] + event.payload["n"], "count": document["count"] + 1}


async def test_replay_until_keeps_what_occurred_by_then(
    service_env: dict[str, str], run_id: str
) -> None:
    bootstrap = service_env["KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"{run_id}.asof-{uuid.uuid4().hex[:6]}.events"
    await ensure_topics(bootstrap, [topic], partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for stream in ("a", "b"):
            for version in range(1, 6):  # occurred at T0 + version seconds
                await producer.send_and_wait(
                    topic, encode_event(noted(stream, version)), key=stream.encode()
                )
        await producer.send_and_wait(topic, b"{broken", key=b"a")
    finally:
        await producer.stop()

    events = await replay_until(bootstrap, [topic], T0 + timedelta(seconds=3))
    assert sorted((e.stream_id, e.stream_version) for e in events) == [
        (s, v) for s in ("a", "b") for v in (1, 2, 3)
    ]
    for stream in ("a", "b"):
        assert [e.stream_version for e in events if e.stream_id == stream] == [1, 2, 3]
    assert fold(Totals(), events)["totals"]["sum"] == 2 * (1 + 2 + 3)
    everything = await replay_until(bootstrap, [topic], T0 + timedelta(days=1))
    assert len(everything) == 10
    assert await replay_until(bootstrap, [f"{topic}-missing"], T0) == []
