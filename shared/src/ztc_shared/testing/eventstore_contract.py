"""The command side's contract (``CommandStore``): one suite that the in-memory fake and the MongoDB
adapter both pass, and the events the event store's suites write.

Subclass ``CommandStoreContract`` in a test module and provide a ``store`` fixture. The outbox side
has its own suite (``ztc_shared.testing.outbox_contract``).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ztc_shared.contracts.intake import AchievementDrafted, AchievementSubmitted, Channel
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import EventEnvelope, new_envelope
from ztc_shared.eventstore import CommandStore, Commit, ConcurrencyConflict

T0 = datetime(2026, 3, 1, 8, 30, 0, 123000, tzinfo=UTC)


def drafted(**overrides: object) -> AchievementDrafted:
    fields: dict[str, object] = {
        "title": "一种高通量单细胞测序芯片",
        "abstract": "基于微流控的单细胞测序芯片，通量提高十倍，成本降低一半。",
        "field": IndustryField.BIOTECH,
        "sub_field": "medical_devices",
        "keywords": ["微流控", "单细胞测序"],
        "trl": 6,
        "holder_name": "张三",
        "institution": "中山大学",
        "channel": Channel.SELF_NOMINATION,
        "asking_price_wan": Decimal("350.5000"),
    }
    fields.update(overrides)
    return AchievementDrafted.model_validate(fields)


def envelopes(stream_id: str, start: int, *events: object) -> list[EventEnvelope]:
    return [
        new_envelope(
            event,  # type: ignore[arg-type]
            stream_id=stream_id,
            stream_version=start + i,
            occurred_at=T0,
            region="440000",
            actor="holder-1",
            correlation_id="corr-1",
        )
        for i, event in enumerate(events)
    ]


async def append(
    store: CommandStore, stream: str, expected_version: int, event: object, at: datetime = T0
) -> Commit:
    """One event appended after ``expected_version``: the step most contract tests repeat."""
    return await store.append(
        stream_id=stream,
        stream_type="achievement",
        expected_version=expected_version,
        events=envelopes(stream, expected_version + 1, event),
        committed_at=at,
    )


class CommandStoreContract:
    """Behaviour every ``CommandStore`` must have."""

    async def test_a_new_stream_is_empty(self, store: CommandStore) -> None:
        loaded = await store.load(f"missing-{uuid.uuid4()}")
        assert loaded.version == 0
        assert loaded.events == []

    async def test_appended_events_load_back_exactly(self, store: CommandStore) -> None:
        stream = str(uuid.uuid4())
        written = envelopes(stream, 1, drafted(), AchievementSubmitted(call_id="call-1"))
        commit = await store.append(
            stream_id=stream,
            stream_type="achievement",
            expected_version=0,
            events=written,
            committed_at=T0,
        )
        assert (commit.first_version, commit.last_version) == (1, 2)
        loaded = await store.load(stream)
        assert loaded.version == 2
        assert loaded.events == written
        assert loaded.events[0].payload["asking_price_wan"] == "350.5000"
        assert loaded.events[0].payload["title"] == "一种高通量单细胞测序芯片"
        assert loaded.last_committed_at == T0

    async def test_commits_follow_each_other(self, store: CommandStore) -> None:
        stream = str(uuid.uuid4())
        await append(store, stream, 0, drafted())
        await append(store, stream, 1, AchievementSubmitted(), at=T0 + timedelta(seconds=1))
        loaded = await store.load(stream)
        assert [e.stream_version for e in loaded.events] == [1, 2]

    async def test_a_second_writer_at_the_same_version_conflicts(self, store: CommandStore) -> None:
        stream = str(uuid.uuid4())
        await append(store, stream, 0, drafted())
        await append(store, stream, 1, AchievementSubmitted())
        with pytest.raises(ConcurrencyConflict) as conflict:
            await append(store, stream, 1, AchievementSubmitted(call_id="late"))
        assert (conflict.value.expected_version, conflict.value.actual_version) == (1, 2)
        assert (await store.load(stream)).version == 2

    async def test_concurrent_writers_one_wins(self, store: CommandStore) -> None:
        stream = str(uuid.uuid4())
        await append(store, stream, 0, drafted())
        attempts = [
            append(store, stream, 1, AchievementSubmitted(call_id=f"c{i}")) for i in range(5)
        ]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(isinstance(r, ConcurrencyConflict) for r in results if isinstance(r, Exception))
        loaded = await store.load(stream)
        assert [e.stream_version for e in loaded.events] == [1, 2]

    async def test_idempotency_returns_the_first_commit(self, store: CommandStore) -> None:
        stream = str(uuid.uuid4())
        key = f"Draft|holder-1|{uuid.uuid4()}"
        first = await store.append(
            stream_id=stream,
            stream_type="achievement",
            expected_version=0,
            events=envelopes(stream, 1, drafted()),
            committed_at=T0,
            idempotency=key,
            request_fingerprint="abc",
            result={"id": stream, "stream_version": 1},
        )
        other_stream = str(uuid.uuid4())
        again = await store.append(
            stream_id=other_stream,
            stream_type="achievement",
            expected_version=0,
            events=envelopes(other_stream, 1, drafted()),
            committed_at=T0,
            idempotency=key,
        )
        assert again.commit_id == first.commit_id
        assert again.result == {"id": stream, "stream_version": 1}
        assert (await store.load(other_stream)).version == 0
        found = await store.find_by_idempotency(key)
        assert found is not None and found.request_fingerprint == "abc"
        assert await store.find_by_idempotency(f"{key}-other") is None
