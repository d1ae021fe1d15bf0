"""Aggregates as of a moment, with snapshots: the state a command would have seen, without
replaying a long stream on every question.

``AggregateSnapshots(Achievement)`` keeps, per stream, a copy of the aggregate every ``every``
events (taken as it replays, so they cost nothing extra to make). A question as of ``T`` starts from
the newest snapshot at or below the version recorded by ``T`` and applies at most ``every - 1``
events more, exactly as ``Aggregate.rehydrate`` would have applied them: the state is the same fold,
only started later. Snapshots come from immutable history, so they never need invalidating; a
process keeps those of ``max_streams`` streams (least recently used out first) in memory.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from ztc_shared.domain.aggregate import Aggregate
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.history.ports import RecordedCommit, StreamHistory

A = TypeVar("A", bound=Aggregate)


class _Scope:
    """Where snapshots of commits given without a history are kept."""


@dataclass(frozen=True)
class StateAsOf(Generic[A]):
    """An aggregate as it stood, the stream version it stood at (0: not yet there) and the type
    of its first event (what kind of stream it is, for a route's not-found check)."""

    aggregate: A
    version: int
    first_event_type: str | None


class AggregateSnapshots(Generic[A]):
    def __init__(
        self,
        aggregate: type[A],
        *,
        every: int = 100,
        max_streams: int = 1_000,
        registry: EventRegistry = EVENTS,
    ) -> None:
        if every < 1:
            raise ValueError("every must be at least 1")
        self._aggregate = aggregate
        self._every = every
        self._max_streams = max_streams
        self._registry = registry
        # Per history (one database), then per stream: the same stream id in another database is
        # another stream.
        self._scopes: WeakKeyDictionary[object, OrderedDict[str, dict[int, A]]] = (
            WeakKeyDictionary()
        )
        self._default_scope = _Scope()

    def rehydrate(
        self, stream_id: str, commits: Sequence[RecordedCommit], *, scope: object | None = None
    ) -> A:
        """The aggregate after ``commits`` (a stream's first commits, in order, as
        ``StreamHistory.commits(..., until=T)`` returns them); ``scope`` is the history they
        came from (snapshots are kept apart per scope)."""
        events = [event for commit in commits for event in commit.events]
        return self.rehydrate_events(stream_id, events, scope=scope)

    def rehydrate_events(
        self, stream_id: str, events: Sequence[EventEnvelope], *, scope: object | None = None
    ) -> A:
        """The aggregate after ``events`` (the stream's first events, in order, e.g. what the
        event store's ``load`` returned: the state now, at the cost of the events after the
        newest snapshot)."""
        target = events[-1].stream_version if events else 0
        streams = self._scopes.setdefault(
            self._default_scope if scope is None else scope, OrderedDict()
        )
        snapshots = streams.get(stream_id)
        if snapshots is None:
            snapshots = streams[stream_id] = {}
            while len(streams) > self._max_streams:
                streams.popitem(last=False)
        streams.move_to_end(stream_id)
        start = max((v for v in snapshots if v <= target), default=0)
        aggregate = copy.deepcopy(snapshots[start]) if start else self._aggregate(stream_id)
        for event in (
            events[start:] if start and events[start - 1].stream_version == start else events
        ):
            if event.stream_version <= start:
                continue
            aggregate._apply(self._registry.payload(event))
            aggregate.version += 1
            if event.stream_version % self._every == 0 and event.stream_version not in snapshots:
                snapshots[event.stream_version] = copy.deepcopy(aggregate)
        return aggregate

    async def as_of(
        self, history: StreamHistory, stream_id: str, moment: datetime | None
    ) -> StateAsOf[A]:
        """The aggregate from the commits recorded by ``moment`` (``None``: all of them)."""
        commits = await history.commits(stream_id, until=moment)
        return StateAsOf(
            aggregate=self.rehydrate(stream_id, commits, scope=history),
            version=commits[-1].last_version if commits else 0,
            first_event_type=commits[0].events[0].event_type if commits else None,
        )
