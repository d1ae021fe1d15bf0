"""One contract for every ``StreamHistory``: the in-memory fake and the MongoDB reader pass it.

A test class inherits :class:`StreamHistoryContract` and provides the ``history_pair`` fixture: an
event store and the history reader over the same storage.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from ztc_shared.events import EventEnvelope
from ztc_shared.eventstore.ports import CommandStore
from ztc_shared.history.ports import StreamHistory

T0 = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)


def noted(stream_id: str, version: int) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.uuid4(),
        event_type="CounterNoted",
        schema_version=1,
        stream_id=stream_id,
        stream_type="counter",
        stream_version=version,
        occurred_at=T0 + timedelta(seconds=version),
        region="440000",
        actor="auditor",
        correlation_id=f"req-{version}",
        payload={"n": version},
    )


async def commit(store: CommandStore, stream_id: str, first: int, count: int, second: int) -> None:
    await store.append(
        stream_id=stream_id,
        stream_type="counter",
        expected_version=first - 1,
        events=[noted(stream_id, v) for v in range(first, first + count)],
        committed_at=T0 + timedelta(seconds=second),
    )


class StreamHistoryContract:
    async def test_commits_in_order_and_up_to_a_moment(
        self, history_pair: tuple[CommandStore, StreamHistory]
    ) -> None:
        store, history = history_pair
        stream = f"h-{uuid.uuid4().hex[:8]}"
        await commit(store, stream, 1, 1, 10)
        await commit(store, stream, 2, 2, 20)
        await commit(store, stream, 4, 1, 30)
        everything = await history.commits(stream)
        assert [(c.first_version, c.last_version) for c in everything] == [(1, 1), (2, 3), (4, 4)]
        assert [e.stream_version for c in everything for e in c.events] == [1, 2, 3, 4]
        assert everything[1].recorded_at == T0 + timedelta(seconds=20)
        assert everything[0].stream_type == "counter"
        until = await history.commits(stream, until=T0 + timedelta(seconds=25))
        assert [c.last_version for c in until] == [1, 3]
        assert await history.commits(stream, until=T0) == []
        exactly = await history.commits(stream, until=T0 + timedelta(seconds=30))
        assert exactly[-1].last_version == 4

    async def test_a_later_commit_is_seen_after_an_earlier_read(
        self, history_pair: tuple[CommandStore, StreamHistory]
    ) -> None:
        store, history = history_pair
        stream = f"h-{uuid.uuid4().hex[:8]}"
        await commit(store, stream, 1, 1, 10)
        assert len(await history.commits(stream)) == 1
        await commit(store, stream, 2, 1, 40)
        assert [c.last_version for c in await history.commits(stream)] == [1, 2]
        # a moment before the newest known commit is answered the same, from what is known
        assert [
            c.last_version for c in await history.commits(stream, until=T0 + timedelta(seconds=15))
        ] == [1]

    async def test_an_unknown_stream_has_no_history(
        self, history_pair: tuple[CommandStore, StreamHistory]
    ) -> None:
        _, history = history_pair
        found: list[Any] = await history.commits(f"none-{uuid.uuid4().hex}")
        assert found == []

    async def test_every_streams_commits_up_to_a_moment_in_recorded_order(
        self, history_pair: tuple[CommandStore, StreamHistory]
    ) -> None:
        store, history = history_pair
        a, b = f"ha-{uuid.uuid4().hex[:8]}", f"hb-{uuid.uuid4().hex[:8]}"
        await commit(store, a, 1, 1, 1000)
        await commit(store, b, 1, 1, 1001)
        await commit(store, a, 2, 1, 1002)
        await commit(store, b, 2, 1, 1005)
        found = [
            (c.stream_id, c.last_version)
            for c in await history.recorded_until(T0 + timedelta(seconds=1003))
            if c.stream_id in (a, b)
        ]
        assert found == [(a, 1), (b, 1), (a, 2)]

    async def test_a_long_stream_with_commits_of_several_events_reads_whole(
        self, history_pair: tuple[CommandStore, StreamHistory]
    ) -> None:
        store, history = history_pair
        stream = f"hl-{uuid.uuid4().hex[:8]}"
        version, second = 0, 0
        while version < 200:
            size = 3 if version % 7 == 0 else 1  # now and then a command of three events
            await commit(store, stream, version + 1, size, second)
            version, second = version + size, second + 1
        commits = await history.commits(stream)
        assert [e.stream_version for c in commits for e in c.events] == list(range(1, version + 1))
        assert commits[-1].recorded_at == T0 + timedelta(seconds=second - 1)
