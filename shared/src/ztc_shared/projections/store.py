"""Where projected documents live: MongoDB (one ``bulk_write`` a batch) and an in-memory fake.

Documents are read and replaced by ``_id`` alone, which both MongoDB and FerretDB answer without a
scan. Replacing without a revision check is safe because a projection has one writer per partition:
the consumer group assigns each partition to one worker, and a worker finishes and acknowledges its
batch before it gives a partition up (faust waits for acknowledgements on rebalance).
"""

from __future__ import annotations

import asyncio
import copy
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from ztc_shared.mongo.portable import ensure_portable

# FerretDB 1.24 (SQLite) wedges an update command that replaces 100 or more existing documents:
# every matched document holds a pooled connection until the command ends, and the pool has 100.
MAX_REPLACES_PER_COMMAND = 99


class MongoProjectionStore:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        *,
        max_per_command: int = MAX_REPLACES_PER_COMMAND,
    ) -> None:
        self.collection = collection
        self._max_per_command = max_per_command

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        documents = await asyncio.gather(*(self.collection.find_one({"_id": i}) for i in ids))
        return {doc["_id"]: doc for doc in documents if doc is not None}

    async def write(self, documents: dict[str, dict[str, Any]], new: set[str]) -> None:
        for document in documents.values():
            ensure_portable(document)
        inserts = [documents[i] for i in documents if i in new]
        replaces = [
            ReplaceOne({"_id": i}, d, upsert=True) for i, d in documents.items() if i not in new
        ]
        if inserts:
            # One insert command for the new documents instead of an upsert (a lookup and a write)
            # each. Should one exist after all, it is replaced like the others.
            try:
                await self.collection.insert_many(inserts, ordered=False)
            except BulkWriteError as error:
                failed = error.details.get("writeErrors", [])
                if any(e.get("code") != 11000 for e in failed):
                    raise
                for e in failed:
                    document = inserts[e["index"]]
                    replaces.append(ReplaceOne({"_id": document["_id"]}, document, upsert=True))
        for start in range(0, len(replaces), self._max_per_command):
            chunk = replaces[start : start + self._max_per_command]
            await self.collection.bulk_write(chunk, ordered=False)


class CachedProjectionStore:
    """Remembers the documents it loaded and wrote, so that a later batch reads only the others.

    Sound only while this worker is the one writer of these documents, that is while it keeps its
    partitions: the worker calls ``forget_all`` whenever partitions are revoked. A write that fails
    forgets the documents it was writing, whose stored state is then unknown.
    """

    def __init__(self, store: MongoProjectionStore | InMemoryProjectionStore, size: int) -> None:
        self._store = store
        self._size = size
        self._documents: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = {i: self._documents[i] for i in ids if i in self._documents}
        missing = [i for i in ids if i not in found]
        self.hits += len(found)
        self.misses += len(missing)
        if missing:
            loaded = await self._store.load(missing)
            self._remember(loaded)
            found.update(loaded)
        return found

    async def write(self, documents: dict[str, dict[str, Any]], new: set[str]) -> None:
        try:
            await self._store.write(documents, new)
        except BaseException:
            for document_id in documents:
                self._documents.pop(document_id, None)
            raise
        self._remember(documents)

    def forget_all(self) -> None:
        self._documents.clear()

    def _remember(self, documents: dict[str, dict[str, Any]]) -> None:
        for document_id, document in documents.items():
            self._documents[document_id] = document
            self._documents.move_to_end(document_id)
        while len(self._documents) > self._size:
            self._documents.popitem(last=False)


class InMemoryProjectionStore:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.writes = 0

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {i: copy.deepcopy(self.documents[i]) for i in ids if i in self.documents}

    async def write(self, documents: dict[str, dict[str, Any]], new: set[str]) -> None:
        self.writes += 1
        for document_id, document in documents.items():
            self.documents[document_id] = copy.deepcopy(document)
