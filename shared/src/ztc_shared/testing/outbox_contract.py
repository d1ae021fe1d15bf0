"""The outbox side's contract (``Outbox``): what the relay relies on, passed by the in-memory fake
and the MongoDB adapter alike.

Subclass ``OutboxContract`` in a test module and provide a ``store`` fixture: an event store whose
command side writes the commits these tests then read from the outbox.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ztc_shared.contracts.intake import AchievementSubmitted
from ztc_shared.eventstore import EventStore
from ztc_shared.testing.eventstore_contract import append, drafted


class OutboxContract:
    """Behaviour every ``Outbox`` must have."""

    async def test_unpublished_in_commit_order_then_marked(self, store: EventStore) -> None:
        base = datetime(2031, 1, 1, tzinfo=UTC)  # after anything other tests stored
        streams = [str(uuid.uuid4()) for _ in range(3)]
        ids = []
        for index, stream in enumerate(streams):
            commit = await append(
                store, stream, 0, drafted(), at=base + timedelta(milliseconds=10 * (3 - index))
            )
            ids.append(commit.commit_id)
        later = await append(
            store, streams[2], 1, AchievementSubmitted(), at=base + timedelta(milliseconds=40)
        )
        pending = [c for c in await store.unpublished(10_000) if c.stream_id in streams]
        assert [c.commit_id for c in pending] == [ids[2], ids[1], ids[0], later.commit_id]
        before = await store.count_unpublished()
        await store.mark_published([ids[2], ids[1]])
        remaining = [c.commit_id for c in await store.unpublished(10_000) if c.stream_id in streams]
        assert remaining == [ids[0], later.commit_id]
        assert await store.count_unpublished() == before - 2

    async def test_count_unpublished_counts_what_waits(self, store: EventStore) -> None:
        before = await store.count_unpublished()
        stream = str(uuid.uuid4())
        first = await append(store, stream, 0, drafted())
        await append(store, stream, 1, AchievementSubmitted())
        assert await store.count_unpublished() == before + 2
        await store.mark_published([first.commit_id])
        assert await store.count_unpublished() == before + 1

    async def test_marked_commits_stay_out_once_settled_and_swept(self, store: EventStore) -> None:
        stream = str(uuid.uuid4())
        first = await append(store, stream, 0, drafted())
        second = await append(
            store, stream, 1, AchievementSubmitted(), at=datetime(2031, 2, 1, tzinfo=UTC)
        )
        await store.mark_published([first.commit_id])
        await store.settle()
        assert await store.sweep() >= 0
        pending = [c.commit_id for c in await store.unpublished(10_000) if c.stream_id == stream]
        assert pending == [second.commit_id]

    async def test_a_sweep_lists_no_commit_twice(self, store: EventStore) -> None:
        stream = str(uuid.uuid4())
        base = datetime(2031, 3, 1, tzinfo=UTC)
        commits = [await append(store, stream, 0, drafted(), at=base)]
        commits.append(
            await append(
                store, stream, 1, AchievementSubmitted(), at=base + timedelta(milliseconds=1)
            )
        )
        await store.sweep()
        await store.sweep()
        pending = [c.commit_id for c in await store.unpublished(10_000) if c.stream_id == stream]
        assert pending == [c.commit_id for c in commits]
        assert [
            c.events[0].stream_version
            for c in await store.unpublished(10_000)
            if c.stream_id == stream
        ] == [1, 2]
