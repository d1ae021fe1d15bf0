"""Stream history, answers as of a moment, and the audit read API, over the in-memory store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from ztc_shared.auth import Role, mint_token
from ztc_shared.domain import Aggregate, DomainError
from ztc_shared.events import DomainEvent, EventEnvelope, EventRegistry
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.history import (
    AggregateSnapshots,
    FoldCache,
    InMemoryStreamHistory,
    as_of_parameter,
    fold,
    load_as_of,
    stream_history_router,
)
from ztc_shared.settings import ServiceSettings
from ztc_shared.web import create_app

SETTINGS = ServiceSettings(service="test", region="440000")
START = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)


def _event(stream_id: str, version: int, text: str, region: str = "440000") -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type="CounterNoted",
        schema_version=1,
        stream_id=stream_id,
        stream_type="counter",
        stream_version=version,
        occurred_at=START + timedelta(minutes=version),
        region=region,
        actor=f"user-{version % 3}",
        correlation_id=f"req-{version}",
        causation_id=None if version == 1 else f"cause-{version}",
        payload={"text": text, "n": version},
    )


async def _stream(store: InMemoryEventStore, stream_id: str, count: int, **kw: Any) -> None:
    """``count`` events, one commit each, recorded a minute apart (plus one two-event commit)."""
    version = 0
    while version < count:
        size = 2 if version == 4 and count - version >= 2 else 1
        events = [
            _event(stream_id, version + i + 1, f"t{version + i + 1}", **kw) for i in range(size)
        ]
        await store.append(
            stream_id=stream_id,
            stream_type="counter",
            expected_version=version,
            events=events,
            committed_at=START + timedelta(minutes=version + size),
        )
        version += size


class Counter:
    """A projector like a service's: one document per stream, counting and keeping the last text."""

    def document_id(self, event: EventEnvelope) -> str | None:
        return event.stream_id

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        document = document or {"count": 0, "texts": []}
        document["count"] += 1
        document["texts"] = [*document["texts"], event.payload["text"]][-3:]
        document["last"] = event.payload["n"]
        return document


async def test_a_stream_as_of_a_moment_holds_the_commits_recorded_by_then() -> None:
    store = InMemoryEventStore()
    await _stream(store, "s-1", 8)
    history = InMemoryStreamHistory(store)
    assert (await load_as_of(store, history, "s-1", None)).version == 8
    at_three = await load_as_of(store, history, "s-1", START + timedelta(minutes=3, seconds=30))
    assert at_three.version == 3 and [e.stream_version for e in at_three.events] == [1, 2, 3]
    # a commit of two events comes whole or not at all
    assert (await load_as_of(store, history, "s-1", START + timedelta(minutes=5))).version == 4
    assert (await load_as_of(store, history, "s-1", START + timedelta(minutes=6))).version == 6
    before = await load_as_of(store, history, "s-1", START)
    assert before.version == 0 and before.events == []


async def test_snapshots_give_the_same_documents_as_replaying_everything() -> None:
    store = InMemoryEventStore()
    await _stream(store, "s-2", 250)
    commits = await InMemoryStreamHistory(store).commits("s-2")
    cache = FoldCache(Counter(), every=40)
    moments = [START + timedelta(minutes=m, seconds=1) for m in (250, 3, 120, 80, 249, 41, 0)]
    for moment in moments * 2:
        expected = fold(
            Counter(), [e for c in commits if c.recorded_at <= moment for e in c.events]
        )
        assert cache.documents("s-2", commits, moment) == expected
    assert cache.documents("s-2", commits, None)["s-2"]["count"] == 250
    assert cache.documents("s-2", commits, START) == {}


def test_as_of_needs_a_time_zone() -> None:
    assert as_of_parameter(None) is None
    assert as_of_parameter(START) == START
    with pytest.raises(DomainError) as refused:
        as_of_parameter(datetime(2026, 9, 30, 8, 0))
    assert "时区" in refused.value.message_zh


def _token(role: Role, region: str = "440000") -> dict[str, str]:
    jwt = mint_token(SETTINGS, subject="auditor-1", role=role, region=region)
    return {"Authorization": f"Bearer {jwt}"}


async def test_the_audit_api_pages_through_a_stream_for_operators_only() -> None:
    store = InMemoryEventStore()
    await _stream(store, "s-3", 7)
    await _stream(store, "s-bj", 2, region="110000")
    app = create_app(
        settings=SETTINGS, title="t", description="d", routers=[stream_history_router()]
    )
    app.state.stream_history = InMemoryStreamHistory(store)
    client = TestClient(app)
    seen: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        page = client.get(
            "/streams/s-3/history",
            params={"after": after, "limit": 3},
            headers=_token(Role.PROVINCE),
        )
        assert page.status_code == 200, page.text
        assert page.json()["version"] == 7
        seen.extend(page.json()["items"])
        after = page.json()["next_after"]
    assert [i["stream_version"] for i in seen] == [1, 2, 3, 4, 5, 6, 7]
    fifth = seen[4]
    assert fifth["actor"] == "user-2" and fifth["correlation_id"] == "req-5"
    assert fifth["causation_id"] == "cause-5" and fifth["payload"] == {"text": "t5", "n": 5}
    assert fifth["recorded_at"] == seen[5]["recorded_at"]  # one commit, one moment
    then = client.get(
        "/streams/s-3/history",
        params={"as_of": (START + timedelta(minutes=2)).isoformat()},
        headers=_token(Role.TORCH_CENTER),
    )
    assert [i["stream_version"] for i in then.json()["items"]] == [1, 2]
    assert client.get("/streams/s-3/history", headers=_token(Role.HOLDER)).status_code == 403
    assert client.get("/streams/none/history", headers=_token(Role.PROVINCE)).status_code == 404
    other = client.get("/streams/s-bj/history", headers=_token(Role.PROVINCE))
    assert other.status_code == 403
    assert client.get("/streams/s-bj/history", headers=_token(Role.TORCH_CENTER)).status_code == 200
    assert (
        client.get(
            "/streams/s-3/history", params={"limit": 0}, headers=_token(Role.PROVINCE)
        ).status_code
        == 422
    )


class CounterNoted(DomainEvent):
    event_type: ClassVar[str] = "CounterNoted"
    stream_type: ClassVar[str] = "counter"

    text: str
    n: int


class Tally(Aggregate):
    stream_type = "counter"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.texts: list[str] = []
        self.total = 0

    def _when_CounterNoted(self, event: CounterNoted) -> None:
        self.texts = [*self.texts, event.text]
        self.total += event.n


async def test_aggregate_snapshots_give_the_state_a_full_replay_gives() -> None:
    registry = EventRegistry()
    registry.register(CounterNoted)
    store = InMemoryEventStore()
    await _stream(store, "s-4", 230)
    history = InMemoryStreamHistory(store)
    snapshots = AggregateSnapshots(Tally, every=50, registry=registry)
    for minutes in (230, 7, 120, 51, 230, 49, 199, 0, 120):
        moment = START + timedelta(minutes=minutes, seconds=1)
        commits = await history.commits("s-4", until=moment)
        replayed = Tally.rehydrate("s-4", [registry.payload(e) for c in commits for e in c.events])
        state = await snapshots.as_of(history, "s-4", moment)
        assert state.version == replayed.version == (commits[-1].last_version if commits else 0)
        assert (state.aggregate.texts, state.aggregate.total) == (replayed.texts, replayed.total)
        assert state.first_event_type == ("CounterNoted" if commits else None)
    # a snapshot handed out is a copy: changing it changes no later answer
    state = await snapshots.as_of(history, "s-4", None)
    state.aggregate.texts.append("tampered")
    again = await snapshots.as_of(history, "s-4", None)
    assert again.aggregate.texts[-1] == "t230" and again.aggregate.total == sum(range(1, 231))
    # the same stream id in another history is another stream
    other = InMemoryEventStore()
    await _stream(other, "s-4", 3)
    elsewhere = await snapshots.as_of(InMemoryStreamHistory(other), "s-4", None)
    assert elsewhere.version == 3 and elsewhere.aggregate.total == 6
