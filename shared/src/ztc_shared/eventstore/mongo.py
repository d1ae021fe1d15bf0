"""The MongoDB event store: a collection of commit documents.

One insert per command is atomic on a single document, so no multi-document transactions are needed
and the same code runs on MongoDB 7 and FerretDB. Two unique indexes do the work: ``(stream_id,
first_version)`` makes optimistic concurrency exact, ``idempotency`` makes retried commands harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ztc_shared.events.codec import envelope_from_document, envelope_to_document
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.eventstore.ports import Commit, ConcurrencyConflict, LoadedStream
from ztc_shared.mongo.portable import ensure_portable

COMMITS = "commits"


class MongoEventStore:
    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        *,
        collection: str = COMMITS,
        registry: EventRegistry = EVENTS,
    ) -> None:
        self._commits = database[collection]
        self._registry = registry

    @classmethod
    def from_client(
        cls, client: AsyncMongoClient[dict[str, Any]], database: str
    ) -> MongoEventStore:
        return cls(client[database])

    async def ensure_indexes(self) -> None:
        await self._commits.create_index(
            [("stream_id", ASCENDING), ("first_version", ASCENDING)],
            unique=True,
            name="stream_first_version_unique",
        )
        await self._commits.create_index(
            [("idempotency", ASCENDING)], unique=True, name="idempotency_unique"
        )
        await self._commits.create_index(
            [("published", ASCENDING), ("committed_at", ASCENDING)], name="outbox"
        )

    async def load(self, stream_id: str) -> LoadedStream:
        cursor = self._commits.find({"stream_id": stream_id}).sort("first_version", ASCENDING)
        commits = [self._commit(doc, upcast=True) async for doc in cursor]
        if not commits:
            return LoadedStream(stream_id=stream_id)
        return LoadedStream(
            stream_id=stream_id,
            events=[event for commit in commits for event in commit.events],
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
        commit_id = str(uuid.uuid4())
        document: dict[str, Any] = {
            "_id": commit_id,
            "stream_id": stream_id,
            "stream_type": stream_type,
            "first_version": expected_version + 1,
            "last_version": expected_version + len(events),
            "events": [envelope_to_document(e) for e in events],
            "committed_at": committed_at.astimezone(UTC),
            "idempotency": idempotency or f"commit|{commit_id}",
            "request_fingerprint": request_fingerprint,
            "result": result,
            "published": False,
        }
        ensure_portable(document)
        try:
            await self._commits.insert_one(document)
        except DuplicateKeyError:
            if idempotency is not None:
                stored = await self.find_by_idempotency(idempotency)
                if stored is not None:
                    return stored
            actual = await self._stream_version(stream_id)
            raise ConcurrencyConflict(stream_id, expected_version, actual) from None
        return self._commit(document)

    async def find_by_idempotency(self, idempotency: str) -> Commit | None:
        document = await self._commits.find_one({"idempotency": idempotency})
        return self._commit(document) if document else None

    async def unpublished(self, limit: int) -> list[Commit]:
        cursor = (
            self._commits.find({"published": False})
            .sort([("committed_at", ASCENDING), ("stream_id", ASCENDING), ("first_version", ASCENDING)])
            .limit(limit)
        )
        return [self._commit(doc) async for doc in cursor]

    async def mark_published(self, commit_ids: Sequence[str]) -> None:
        if commit_ids:
            await self._commits.update_many(
                {"_id": {"$in": list(commit_ids)}},
                {"$set": {"published": True, "published_at": datetime.now(UTC)}},
            )

    async def count_unpublished(self) -> int:
        return await self._commits.count_documents({"published": False})

    async def _stream_version(self, stream_id: str) -> int:
        latest = await self._commits.find_one(
            {"stream_id": stream_id}, sort=[("first_version", -1)], projection={"last_version": 1}
        )
        return int(latest["last_version"]) if latest else 0

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
