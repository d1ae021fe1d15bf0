"""Where projected documents live: MongoDB (one ``bulk_write`` a batch) and an in-memory fake.

Documents are read and replaced by ``_id`` alone, which both MongoDB and FerretDB answer without a
scan. Replacing without a revision check is safe because a projection has one writer per partition:
the consumer group assigns each partition to one worker, and a worker finishes and acknowledges its
batch before it gives a partition up (faust waits for acknowledgements on rebalance).
"""

from __future__ import annotations

import asyncio
import copy
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
