"""An in-memory event store for unit tests; it passes the same contract suite as the MongoDB one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.eventstore.ports import Commit, ConcurrencyConflict, LoadedStream


class InMemoryEventStore:
    def __init__(self) -> None:
        self._commits: dict[str, Commit] = {}
        self._order: list[str] = []
        self._by_stream: dict[str, list[str]] = {}
        self._by_idempotency: dict[str, str] = {}

    async def load(self, stream_id: str, *, fresh: bool = False) -> LoadedStream:
        commits = [self._commits[c] for c in self._by_stream.get(stream_id, [])]
        if not commits:
            return LoadedStream(stream_id=stream_id)
        events = [event for commit in commits for event in commit.events]
        return LoadedStream(
            stream_id=stream_id,
            events=events,
            version=commits[-1].last_version,
            last_committed_at=commits[-1].committed_at,
        )

    async def append(
        self,
        *,
        stream_id: str,
        stream_type: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
        committed_at: datetime,
        idempotency: str | None = None,
        request_fingerprint: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> Commit:
        if not events:
            raise ValueError("a commit holds at least one event")
        if idempotency is not None and idempotency in self._by_idempotency:
            return self._commits[self._by_idempotency[idempotency]]
        current = await self.load(stream_id)
        if current.version != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, current.version)
        commit_id = str(uuid.uuid4())
        commit = Commit(
            commit_id=commit_id,
            stream_id=stream_id,
            stream_type=stream_type,
            first_version=expected_version + 1,
            last_version=expected_version + len(events),
            events=tuple(events),
            committed_at=committed_at,
            idempotency=idempotency or f"commit|{commit_id}",
            request_fingerprint=request_fingerprint,
            result=result,
        )
        self._commits[commit_id] = commit
        self._order.append(commit_id)
        self._by_stream.setdefault(stream_id, []).append(commit_id)
        self._by_idempotency[commit.idempotency] = commit_id
        return commit

    async def find_by_idempotency(
        self, idempotency: str, *, thorough: bool = False
    ) -> Commit | None:
        commit_id = self._by_idempotency.get(idempotency)
        return self._commits[commit_id] if commit_id else None

    async def unpublished(self, limit: int) -> list[Commit]:
        pending = [self._commits[c] for c in self._order if not self._commits[c].published]
        pending.sort(key=lambda c: (c.committed_at, c.stream_id, c.first_version))
        return pending[:limit]

    async def mark_published(self, commit_ids: Sequence[str]) -> None:
        for commit_id in commit_ids:
            self._commits[commit_id] = replace(self._commits[commit_id], published=True)

    async def count_unpublished(self) -> int:
        return sum(1 for c in self._commits.values() if not c.published)

    async def settle(self) -> None:
        return None  # nothing runs in the background here

    async def sweep(self) -> int:
        return 0  # nothing here can lose track of an unpublished commit
