"""The MongoDB event store: a collection of commit documents, read and written by ``_id``.

One insert per command is atomic on a single document, so no multi-document transactions are needed
and the same code runs on MongoDB 7 and FerretDB. A commit's ``_id`` is ``<stream_id>@<first version>``:
two writers at the same version collide on it, which makes optimistic concurrency exact, and a stream
loads by following ``_id``s from version 1. A unique index on ``idempotency`` makes a retried command
impossible to store twice.

Everything is looked up by ``_id`` because that is what FerretDB's SQLite backend can answer without
scanning a collection; MongoDB answers it from its primary index. Two small helper collections give
the relay and retries the same speed: ``outbox`` (one entry per unpublished commit, written right after
the commit) and ``idempotency`` (key → commit). Both are derived from the commits: if a crash loses an
entry, ``sweep`` restores outbox entries from the commits, and a retry whose key is not found runs the
command again, where the unique index stops a second commit and returns the first.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ztc_shared.events.codec import envelope_from_document, envelope_to_document
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.eventstore.ports import Commit, ConcurrencyConflict, LoadedStream
from ztc_shared.mongo.portable import ensure_portable

COMMITS = "commits"
OUTBOX = "outbox"
IDEMPOTENCY = "idempotency"


def commit_id(stream_id: str, first_version: int) -> str:
    return f"{stream_id}@{first_version}"


class MongoEventStore:
    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        *,
        registry: EventRegistry = EVENTS,
        published_cache_size: int = 100_000,
    ) -> None:
        self._commits = database[COMMITS]
        self._outbox = database[OUTBOX]
        self._idempotency = database[IDEMPOTENCY]
        self._registry = registry
        # Commits this process saw published: a later commit of the same stream may follow them.
        self._published: OrderedDict[str, None] = OrderedDict()
        self._published_cache_size = published_cache_size

    async def ensure_indexes(self) -> None:
        await self._commits.create_index(
            [("idempotency", ASCENDING)], unique=True, name="idempotency_unique"
        )
        # Used by ``sweep`` on MongoDB; FerretDB scans instead, which a rare sweep can afford.
        await self._commits.create_index([("published", ASCENDING)], name="unpublished")

    # the write side

    async def load(self, stream_id: str) -> LoadedStream:
        commits: list[Commit] = []
        version = 0
        while True:
            document = await self._commits.find_one({"_id": commit_id(stream_id, version + 1)})
            if document is None:
                break
            commit = self._commit(document, upcast=True)
            commits.append(commit)
            version = commit.last_version
        if not commits:
            return LoadedStream(stream_id=stream_id)
        return LoadedStream(
            stream_id=stream_id,
            events=[event for commit in commits for event in commit.events],
            version=version,
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
        identifier = commit_id(stream_id, expected_version + 1)
        document: dict[str, Any] = {
            "_id": identifier,
            "stream_id": stream_id,
            "stream_type": stream_type,
            "first_version": expected_version + 1,
            "last_version": expected_version + len(events),
            "events": [envelope_to_document(e) for e in events],
            "committed_at": committed_at.astimezone(UTC),
            "idempotency": idempotency or f"commit|{identifier}",
            "request_fingerprint": request_fingerprint,
            "result": result,
            "published": False,
        }
        ensure_portable(document)
        try:
            await self._commits.insert_one(document)
        except DuplicateKeyError:
            if idempotency is not None:
                stored = await self._find_by_idempotency_scan(idempotency)
                if stored is not None:
                    return stored
            actual = (await self.load(stream_id)).version
            raise ConcurrencyConflict(stream_id, expected_version, actual) from None
        await asyncio.gather(
            self._outbox.insert_one(
                {
                    "_id": identifier,
                    "committed_at": document["committed_at"],
                    "stream_id": stream_id,
                    "first_version": expected_version + 1,
                }
            ),
            self._remember_idempotency(idempotency, identifier),
        )
        return self._commit(document)

    async def _remember_idempotency(self, idempotency: str | None, identifier: str) -> None:
        if idempotency is None:
            return
        try:
            await self._idempotency.insert_one({"_id": idempotency, "commit_id": identifier})
        except DuplicateKeyError:
            pass

    async def find_by_idempotency(self, idempotency: str) -> Commit | None:
        record = await self._idempotency.find_one({"_id": idempotency})
        if record is None:
            return None
        document = await self._commits.find_one({"_id": record["commit_id"]})
        return self._commit(document) if document else None

    async def _find_by_idempotency_scan(self, idempotency: str) -> Commit | None:
        # Only after a duplicate-key error: the fast record may have been lost in a crash.
        document = await self._commits.find_one({"idempotency": idempotency})
        if document is None:
            return None
        await self._remember_idempotency(idempotency, document["_id"])
        return self._commit(document)

    # the relay's side

    async def unpublished(self, limit: int) -> list[Commit]:
        entries = [entry async for entry in self._outbox.find({})]
        entries.sort(key=lambda e: (e["committed_at"], e["stream_id"], e["first_version"]))
        entries = entries[:limit]
        documents = await asyncio.gather(
            *(self._commits.find_one({"_id": entry["_id"]}) for entry in entries)
        )
        selected: list[Commit] = []
        chosen: set[str] = set()
        held_back: set[str] = set()
        for entry, document in zip(entries, documents, strict=True):
            if document is None or document.get("published"):
                # Published before its entry was removed (a crash between the two): drop it.
                await self._outbox.delete_one({"_id": entry["_id"]})
                if document is not None:
                    self._remember_published([document["_id"]])
                continue
            commit = self._commit(document)
            if commit.stream_id in held_back or not await self._predecessor_out(commit, chosen):
                # Its predecessor is still unpublished (an entry a sweep has yet to restore):
                # a stream is only ever published in version order.
                held_back.add(commit.stream_id)
                continue
            selected.append(commit)
            chosen.add(commit.commit_id)
        return selected

    async def _predecessor_out(self, commit: Commit, chosen: set[str]) -> bool:
        if commit.first_version == 1:
            return True
        likely = commit_id(commit.stream_id, commit.first_version - 1)
        if likely in chosen or likely in self._published:
            return True  # the usual case, answered without a round trip
        previous = await self._previous_commit_id(commit)
        if previous in chosen or previous in self._published:
            return True
        document = await self._commits.find_one({"_id": previous}, projection={"published": 1})
        return bool(document and document.get("published"))

    async def _previous_commit_id(self, commit: Commit) -> str:
        # Walk back from version 1 would be long; the predecessor ends at first_version - 1 and
        # commits usually hold one event, so try that first, then load the stream.
        candidate = commit_id(commit.stream_id, commit.first_version - 1)
        found = await self._commits.find_one({"_id": candidate}, projection={"last_version": 1})
        if found is not None and found["last_version"] == commit.first_version - 1:
            return candidate
        version = 0
        previous = candidate
        while version < commit.first_version - 1:
            document = await self._commits.find_one(
                {"_id": commit_id(commit.stream_id, version + 1)}, projection={"last_version": 1}
            )
            if document is None:
                break
            previous, version = document["_id"], document["last_version"]
        return previous

    async def mark_published(self, commit_ids: Sequence[str]) -> None:
        if not commit_ids:
            return
        now = datetime.now(UTC)
        await asyncio.gather(
            *(
                self._commits.update_one(
                    {"_id": identifier}, {"$set": {"published": True, "published_at": now}}
                )
                for identifier in commit_ids
            )
        )
        self._remember_published(commit_ids)
        await self._outbox.delete_many({"_id": {"$in": list(commit_ids)}})

    def _remember_published(self, commit_ids: Sequence[str]) -> None:
        for identifier in commit_ids:
            self._published[identifier] = None
            self._published.move_to_end(identifier)
        while len(self._published) > self._published_cache_size:
            self._published.popitem(last=False)

    async def count_unpublished(self) -> int:
        return await self._outbox.count_documents({})

    async def sweep(self) -> int:
        """Restore outbox entries of unpublished commits that lost theirs in a crash."""
        restored = 0
        cursor = self._commits.find(
            {"published": False},
            projection={"committed_at": 1, "stream_id": 1, "first_version": 1},
        )
        async for document in cursor:
            try:
                await self._outbox.insert_one(document)
                restored += 1
            except DuplicateKeyError:
                pass
        return restored

    def _commit(self, document: dict[str, Any], *, upcast: bool = False) -> Commit:
        """A stored commit; ``upcast`` brings its events to current versions (loads do, the relay
        publishes what was stored)."""
        committed_at = document["committed_at"]
        if committed_at.tzinfo is None:
            committed_at = committed_at.replace(tzinfo=UTC)
        return Commit(
            commit_id=document["_id"],
            stream_id=document["stream_id"],
            stream_type=document["stream_type"],
            first_version=document["first_version"],
            last_version=document["last_version"],
            events=tuple(
                envelope_from_document(e, self._registry)
                if upcast
                else EventEnvelope.model_validate(e)
                for e in document["events"]
            ),
            committed_at=committed_at,
            idempotency=document["idempotency"],
            request_fingerprint=document.get("request_fingerprint"),
            result=document.get("result"),
            published=bool(document.get("published")),
        )
