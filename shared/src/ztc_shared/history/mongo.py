"""Stream history from the MongoDB event store's commit documents, cached because commits never
change.

A stream is read by following commit ``_id``s (``<stream_id>@<first version>``) from version 1, the
one lookup FerretDB answers without a scan, as the event store itself does; a long stream's first
read keeps up to 64 lookups in flight (guessing one event per commit, the usual case). The commits read are
kept (``cache_size`` streams, least recently used out first): the next request for the stream asks
only for commits after the last one known — one round trip when nothing is new — and a request for
a time before the newest known commit's ``recorded_at`` needs no round trip at all.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from ztc_shared.events.codec import envelope_from_document
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.eventstore.mongo import COMMITS, commit_id
from ztc_shared.history.ports import RecordedCommit

# Lookups in flight at once while reading a long stream the first time.
MAX_WINDOW = 64


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def until_filter(commits: list[RecordedCommit], until: datetime | None) -> list[RecordedCommit]:
    if until is None:
        return list(commits)
    return [c for c in commits if c.recorded_at <= until]


class MongoStreamHistory:
    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        *,
        registry: EventRegistry = EVENTS,
        cache_size: int = 2_000,
    ) -> None:
        self._commits = database[COMMITS]
        self._registry = registry
        self._cache: OrderedDict[str, list[RecordedCommit]] = OrderedDict()
        self._cache_size = cache_size
        self._locks: dict[str, asyncio.Lock] = {}

    async def commits(
        self, stream_id: str, *, until: datetime | None = None
    ) -> list[RecordedCommit]:
        known = self._cache.get(stream_id, [])
        if until is not None and known and known[-1].recorded_at > until:
            self._cache.move_to_end(stream_id)
            return until_filter(known, until)
        lock = self._locks.setdefault(stream_id, asyncio.Lock())
        async with lock:
            known = await self._extend(stream_id, self._cache.get(stream_id, []))
        self._locks.pop(stream_id, None)
        return until_filter(known, until)

    async def _extend(self, stream_id: str, known: list[RecordedCommit]) -> list[RecordedCommit]:
        version = known[-1].last_version if known else 0
        extended = list(known)
        window = 1  # one lookup when nothing is new; then wider, with lookups in flight together
        while True:
            asked = range(version + 1, version + 1 + window)
            documents = await asyncio.gather(
                *(self._commits.find_one({"_id": commit_id(stream_id, v)}) for v in asked)
            )
            # A commit of several events leaves the ids of its later versions unused.
            found = {d["first_version"]: d for d in documents if d is not None}
            while (document := found.get(version + 1)) is not None:
                commit = self._recorded(document)
                extended.append(commit)
                version = commit.last_version
            if version + 1 in asked:
                break  # the next commit's id was asked for and is not there: the end
            window = min(window * 4, MAX_WINDOW)
        if extended:
            self._cache[stream_id] = extended
            self._cache.move_to_end(stream_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return extended

    async def recorded_until(self, until: datetime) -> list[RecordedCommit]:
        """Every stream's commits recorded at or before ``until``, in the order they were recorded
        (a scan of the commits: for figures over many streams, such as a funnel at a quarter's
        end, folded with the projection's own ``apply``)."""
        found = [
            self._recorded(document)
            async for document in self._commits.find({"committed_at": {"$lte": until}})
        ]
        return sorted(found, key=lambda c: (c.recorded_at, c.stream_id, c.first_version))

    def _recorded(self, document: dict[str, Any]) -> RecordedCommit:
        return RecordedCommit(
            stream_id=document["stream_id"],
            stream_type=document["stream_type"],
            first_version=document["first_version"],
            last_version=document["last_version"],
            recorded_at=_utc(document["committed_at"]),
            events=tuple(envelope_from_document(e, self._registry) for e in document["events"]),
        )
