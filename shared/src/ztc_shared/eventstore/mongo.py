"""The MongoDB event store: a collection of commit documents, read and written by ``_id``.

One insert per command is atomic on a single document, so no multi-document transactions are needed
and the same code runs on MongoDB 7 and FerretDB. A commit's ``_id`` is ``<stream_id>@<first version>``:
two writers at the same version collide on it, which makes optimistic concurrency exact, and a stream
loads by following ``_id``s from version 1. A unique index on ``idempotency`` makes a retried command
impossible to store twice.

Everything is looked up by ``_id`` because that is what FerretDB's SQLite backend can answer without
scanning a collection; MongoDB answers it from its primary index. Two small helper collections give
the relay and retries the same speed: ``outbox`` (a copy of each unpublished commit, written right
after the commit) and ``idempotency`` (key → commit). Both are derived from the commits: if a crash
loses an entry, ``sweep`` restores outbox entries from the commits, and a retry whose key is not found
runs the command again, where the unique index stops a second commit and returns the first (and
puts back its outbox entry, which the same crash may have lost, so that its stream does not wait
for the next sweep).

Round trips are what a busy service pays for, so:

- concurrent appends share them (group commit, ``_GroupWriter``): one ``insert_many`` for the commits
  of every command waiting, then one for their outbox entries and one for their idempotency records;
- the store remembers the streams it loaded or appended to (``stream_cache_size``), so the next
  command on such a stream reads nothing. A remembered state can be behind when another process
  appended; the append at its version then collides on ``_id`` like any concurrent writer, and
  ``execute`` runs the command again on a fresh load;
- the relay reads commits from their outbox copies and marks a batch published with one command per
  99 commits.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import structlog
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ztc_shared.events.codec import envelope_from_document, envelope_to_document
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.eventstore.ports import Commit, ConcurrencyConflict, LoadedStream
from ztc_shared.mongo.portable import ensure_portable
from ztc_shared.relay.wake import RelayNudger

log = structlog.get_logger(__name__)

COMMITS = "commits"
LEASES = "leases"  # the relay's lease, where it says how to wake it
OUTBOX = "outbox"
IDEMPOTENCY = "idempotency"
DUPLICATE_KEY = 11000
# At most this many commits go into one insert. Marks go 99 to a command: an unpatched FerretDB 1.24
# holds a pooled connection per update statement until its command ends, 100 per database (the local
# stack's build closes each at once: ztc_tools.stack.mongo), so a larger command wedged it alone.
MAX_GROUP = 256
MAX_UPDATES_PER_COMMAND = 99
MAX_DELETES_PER_COMMAND = 500
EVENTS_JSON = "events_json"


def commit_id(stream_id: str, first_version: int) -> str:
    return f"{stream_id}@{first_version}"


def outbox_entry(commit: dict[str, Any]) -> dict[str, Any]:
    """What the relay needs of a commit. The events go as one JSON string: FerretDB reads a string
    field much faster than the nested documents it stands for, and the relay reads every entry."""
    return {
        "_id": commit["_id"],
        "committed_at": commit["committed_at"],
        "stream_id": commit["stream_id"],
        "stream_type": commit["stream_type"],
        "first_version": commit["first_version"],
        "last_version": commit["last_version"],
        "idempotency": commit["idempotency"],
        EVENTS_JSON: json.dumps(commit["events"], ensure_ascii=False, separators=(",", ":")),
    }


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class MongoEventStore:
    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        *,
        registry: EventRegistry = EVENTS,
        published_cache_size: int = 100_000,
        stream_cache_size: int = 10_000,
        wake_relay: bool = True,
    ) -> None:
        self._commits = database[COMMITS]
        # After each commit, ring the relay holding the lease (ztc_shared.relay.wake): an idle
        # relay then sleeps instead of polling, and still publishes at once.
        self._nudger = RelayNudger(database[LEASES]) if wake_relay else None
        self._outbox = database[OUTBOX]
        self._idempotency = database[IDEMPOTENCY]
        self._registry = registry
        self._writer = _GroupWriter(self._commits, self._outbox, self._idempotency)
        self._marker = _PublishedMarker(self._commits)
        # Commits this process saw published: a later commit of the same stream may follow them.
        self._published: OrderedDict[str, None] = OrderedDict()
        self._published_cache_size = published_cache_size
        # Streams this process loaded or appended to, as of then.
        self._streams: OrderedDict[str, LoadedStream] = OrderedDict()
        self._stream_cache_size = stream_cache_size

    async def ensure_indexes(self) -> None:
        await self._commits.create_index(
            [("idempotency", ASCENDING)], unique=True, name="idempotency_unique"
        )
        # Used by ``sweep`` on MongoDB; FerretDB scans instead, which a rare sweep can afford.
        await self._commits.create_index([("published", ASCENDING)], name="unpublished")

    # the write side

    async def load(self, stream_id: str, *, fresh: bool = False) -> LoadedStream:
        if not fresh and (cached := self._streams.get(stream_id)) is not None:
            self._streams.move_to_end(stream_id)
            return cached
        loaded = await self._read_stream(stream_id)
        if loaded.version:
            self._remember_stream(replace(loaded, from_cache=True))
        else:
            self._streams.pop(stream_id, None)
        return loaded

    def _remember_stream(self, stream: LoadedStream) -> None:
        self._streams[stream.stream_id] = stream
        self._streams.move_to_end(stream.stream_id)
        while len(self._streams) > self._stream_cache_size:
            self._streams.popitem(last=False)

    async def _read_stream(self, stream_id: str) -> LoadedStream:
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
        if not await self._writer.write(document):
            # The ``_id`` or the idempotency value is taken.
            self._streams.pop(stream_id, None)
            if idempotency is not None:
                stored = await self._find_by_idempotency_scan(idempotency)
                if stored is not None:
                    return stored
            actual = (await self.load(stream_id, fresh=True)).version
            raise ConcurrencyConflict(stream_id, expected_version, actual) from None
        self._extend_cached_stream(stream_id, expected_version, events, document["committed_at"])
        if self._nudger is not None:
            self._nudger.nudge()
        return Commit(
            commit_id=identifier,
            stream_id=stream_id,
            stream_type=stream_type,
            first_version=expected_version + 1,
            last_version=expected_version + len(events),
            events=tuple(events),
            committed_at=document["committed_at"],
            idempotency=document["idempotency"],
            request_fingerprint=request_fingerprint,
            result=result,
        )

    def _extend_cached_stream(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
        committed_at: datetime,
    ) -> None:
        cached = self._streams.get(stream_id)
        if expected_version == 0:
            before: list[EventEnvelope] = []
        elif cached is not None and cached.version == expected_version:
            before = cached.events
        else:
            self._streams.pop(stream_id, None)
            return
        self._remember_stream(
            LoadedStream(
                stream_id=stream_id,
                events=[*before, *events],
                version=expected_version + len(events),
                last_committed_at=committed_at,
                from_cache=True,
            )
        )

    async def _remember_idempotency(self, idempotency: str | None, identifier: str) -> None:
        if idempotency is None:
            return
        try:
            await self._idempotency.insert_one({"_id": idempotency, "commit_id": identifier})
        except DuplicateKeyError:
            pass

    async def find_by_idempotency(
        self, idempotency: str, *, thorough: bool = False
    ) -> Commit | None:
        record = await self._idempotency.find_one({"_id": idempotency})
        if record is None:
            return await self._find_by_idempotency_scan(idempotency) if thorough else None
        document = await self._commits.find_one({"_id": record["commit_id"]})
        return self._commit(document) if document else None

    async def _find_by_idempotency_scan(self, idempotency: str) -> Commit | None:
        # Only after a duplicate-key error: the fast record may have been lost in a crash.
        document = await self._commits.find_one({"idempotency": idempotency})
        if document is None:
            return None
        if not document.get("published"):
            # The crash that lost the record (written after the outbox entry) may have lost the
            # entry too; without it the commit, and every later one of its stream, would wait
            # for the relay's next sweep.
            await self._restore_outbox_entry(document)
        await self._remember_idempotency(idempotency, document["_id"])
        return self._commit(document)

    async def _restore_outbox_entry(self, document: dict[str, Any]) -> bool:
        try:
            await self._outbox.insert_one(outbox_entry(document))
        except DuplicateKeyError:
            return False
        return True

    # the relay's side

    async def unpublished(self, limit: int) -> list[Commit]:
        entries = [entry async for entry in self._outbox.find({})]
        entries.sort(key=lambda e: (e["committed_at"], e["stream_id"], e["first_version"]))
        entries = entries[:limit]
        # Entries written before they carried their events name their commit only.
        documents = await asyncio.gather(
            *(
                self._commits.find_one({"_id": entry["_id"]})
                for entry in entries
                if EVENTS_JSON not in entry
            )
        )
        stored = {document["_id"]: document for document in documents if document is not None}
        selected: list[Commit] = []
        chosen: set[str] = set()
        held_back: set[str] = set()
        for entry in entries:
            if EVENTS_JSON in entry:
                commit = self._commit_from_entry(entry)
            else:
                document = stored.get(entry["_id"])
                if document is None or document.get("published"):
                    await self._outbox.delete_one({"_id": entry["_id"]})
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
        """Remove the commits' outbox entries now; set their ``published`` flags in the background.

        The flags only tell ``sweep`` which commits are out, so they need not hold up the next
        batch. A crash before they are written makes the next sweep publish those commits once
        more, which consumers skip like any re-sent event. ``settle`` waits for them.
        """
        if not commit_ids:
            return
        ids = list(commit_ids)
        for start in range(0, len(ids), MAX_DELETES_PER_COMMAND):
            chunk = ids[start : start + MAX_DELETES_PER_COMMAND]
            # The outbox is small while the relay keeps up: one scan of it beats a delete per id.
            await self._outbox.delete_many({"_id": {"$in": chunk}})
        self._remember_published(ids)
        self._marker.add(ids)

    async def settle(self) -> None:
        await self._marker.settle()

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
        cursor = self._commits.find({"published": False})
        async for document in cursor:
            if document["_id"] in self._published:
                continue  # out already, its flag not yet written
            restored += await self._restore_outbox_entry(document)
        return restored

    def _commit_from_entry(self, entry: dict[str, Any]) -> Commit:
        return Commit(
            commit_id=entry["_id"],
            stream_id=entry["stream_id"],
            stream_type=entry["stream_type"],
            first_version=entry["first_version"],
            last_version=entry["last_version"],
            events=tuple(EventEnvelope.model_validate(e) for e in json.loads(entry[EVENTS_JSON])),
            committed_at=_utc(entry["committed_at"]),
            idempotency=entry["idempotency"],
        )

    def _commit(self, document: dict[str, Any], *, upcast: bool = False) -> Commit:
        """A stored commit; ``upcast`` brings its events to current versions (loads do, the relay
        publishes what was stored)."""
        committed_at = _utc(document["committed_at"])
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


class _GroupWriter:
    """Appends that arrive together are written together (group commit).

    The first append finds no write in flight and goes at once, so a lone command waits for nothing
    but its own round trips. Appends that arrive while a write is in flight queue up and go in the
    next one: one ``insert_many`` (unordered) for all their commits, then one for their outbox
    entries and one for their idempotency records. A commit refused for a duplicate key fails only
    its own command.

    The write runs in its own task: a caller that gives up waiting (a client that went away) does not
    cut a group in half.
    """

    def __init__(
        self,
        commits: AsyncCollection[dict[str, Any]],
        outbox: AsyncCollection[dict[str, Any]],
        idempotency: AsyncCollection[dict[str, Any]],
        max_group: int = MAX_GROUP,
    ) -> None:
        self._commits = commits
        self._outbox = outbox
        self._idempotency = idempotency
        self._max_group = max_group
        self._queue: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    async def write(self, document: dict[str, Any]) -> bool:
        """Store the commit document; ``False`` when a unique key refused it."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((document, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._queue:
            group = self._queue[: self._max_group]
            del self._queue[: self._max_group]
            try:
                await self._write_group(group)
            except Exception as error:  # noqa: BLE001 - each waiting command gets it
                for _, future in group:
                    if not future.done():
                        future.set_exception(error)

    async def _write_group(self, group: list[tuple[dict[str, Any], asyncio.Future[bool]]]) -> None:
        documents = [document for document, _ in group]
        refused: dict[int, dict[str, Any]] = {}
        try:
            await self._commits.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            refused = {e["index"]: e for e in error.details.get("writeErrors", [])}
        stored = [d for i, d in enumerate(documents) if i not in refused]
        await self._write_helpers(stored)
        for index, (_, future) in enumerate(group):
            if future.done():
                continue
            failure = refused.get(index)
            if failure is None:
                future.set_result(True)
            elif failure.get("code") == DUPLICATE_KEY:
                future.set_result(False)
            else:
                future.set_exception(
                    RuntimeError(f"commit not stored: {failure.get('errmsg', failure)}")
                )

    async def _write_helpers(self, stored: list[dict[str, Any]]) -> None:
        # The commits are stored: their commands have succeeded whatever happens here. A lost
        # outbox entry is restored by the relay's sweep, a lost idempotency record by the unique
        # index on the commits, so a failure is logged, not raised.
        if not stored:
            return
        keyed = [
            {"_id": d["idempotency"], "commit_id": d["_id"]}
            for d in stored
            if not d["idempotency"].startswith("commit|")
        ]
        outbox = [outbox_entry(d) for d in stored]
        for collection, entries in ((self._outbox, outbox), (self._idempotency, keyed)):
            if not entries:
                continue
            try:
                await collection.insert_many(entries, ordered=False)
            except BulkWriteError as error:
                failed = error.details.get("writeErrors", [])
                if any(e.get("code") != DUPLICATE_KEY for e in failed):
                    log.warning("eventstore.helper_write_failed", collection=collection.name)
            except Exception:  # see above: logged, not raised
                log.exception("eventstore.helper_write_failed", collection=collection.name)


class _PublishedMarker:
    """Sets ``published`` on commits in the background, one bulk command per 99 of them."""

    def __init__(self, commits: AsyncCollection[dict[str, Any]]) -> None:
        self._commits = commits
        self._queue: list[str] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, ids: Sequence[str]) -> None:
        self._queue.extend(ids)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    async def settle(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        while self._queue:
            chunk = self._queue[:MAX_UPDATES_PER_COMMAND]
            now = datetime.now(UTC)
            try:
                await self._commits.bulk_write(
                    [
                        UpdateOne({"_id": i}, {"$set": {"published": True, "published_at": now}})
                        for i in chunk
                    ],
                    ordered=False,
                )
            except Exception:  # the sweep republishes what stays unmarked; keep going
                log.exception("eventstore.mark_failed", commits=len(chunk))
                await asyncio.sleep(1.0)
                continue
            del self._queue[: len(chunk)]


async def prepare_event_store(database: AsyncDatabase[dict[str, Any]]) -> None:
    """Create the event store's indexes on ``database`` (idempotent): every process that appends
    or relays calls it once at start, before the service's ``bootstrap`` builds the store."""
    await MongoEventStore(database).ensure_indexes()
