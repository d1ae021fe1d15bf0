"""Stream history over the in-memory event store, for unit tests (same contract as the MongoDB
reader, see ``ztc_shared.testing.history_contract``)."""

from __future__ import annotations

from datetime import datetime

from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.history.mongo import until_filter
from ztc_shared.history.ports import RecordedCommit


class InMemoryStreamHistory:
    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store

    async def commits(
        self, stream_id: str, *, until: datetime | None = None
    ) -> list[RecordedCommit]:
        # The fake store keeps its commits in plain dicts; reading them here keeps it unchanged.
        commits = [self._store._commits[c] for c in self._store._by_stream.get(stream_id, [])]
        recorded = [
            RecordedCommit(
                stream_id=c.stream_id,
                stream_type=c.stream_type,
                first_version=c.first_version,
                last_version=c.last_version,
                recorded_at=c.committed_at,
                events=c.events,
            )
            for c in commits
        ]
        return until_filter(recorded, until)

    async def recorded_until(self, until: datetime) -> list[RecordedCommit]:
        found = [
            commit
            for stream_id in list(self._store._by_stream)
            for commit in await self.commits(stream_id, until=until)
        ]
        return sorted(found, key=lambda c: (c.recorded_at, c.stream_id, c.first_version))
