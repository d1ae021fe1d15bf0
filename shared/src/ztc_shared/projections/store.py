"""Where projected documents live: MongoDB (one ``bulk_write`` a batch) and an in-memory fake."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import Any

from pymongo import InsertOne, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from ztc_shared.mongo.portable import ensure_portable
from ztc_shared.projections.runner import REVISION

WRITE_TOKEN = "_write"


class MongoProjectionStore:
    """Documents carry ``_rev``; a write replaces a document only at the revision it was read at."""

    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        cursor = self.collection.find({"_id": {"$in": list(ids)}})
        return {doc["_id"]: doc async for doc in cursor}

    async def write(
        self, documents: dict[str, dict[str, Any]], previous: dict[str, int | None]
    ) -> set[str]:
        ids = list(documents)
        # A token per write tells our replace from another writer's that reached the same revision.
        token = uuid.uuid4().hex
        operations: list[InsertOne[dict[str, Any]] | ReplaceOne[dict[str, Any]]] = []
        for document_id in ids:
            document = {**documents[document_id], WRITE_TOKEN: token}
            ensure_portable(document)
            revision = previous.get(document_id)
            if revision is None:
                operations.append(InsertOne(document))
            else:
                operations.append(ReplaceOne({"_id": document_id, REVISION: revision}, document))
        conflicts: set[str] = set()
        try:
            result = await self.collection.bulk_write(operations, ordered=False)
            matched = result.matched_count
        except BulkWriteError as error:
            for write_error in error.details.get("writeErrors", []):
                if write_error.get("code") != 11000:
                    raise
                conflicts.add(ids[write_error["index"]])
            matched = int(error.details.get("nMatched", 0))
        replaced = [i for i in ids if previous.get(i) is not None and i not in conflicts]
        if replaced and matched < len(replaced):
            # A replace that matched nothing lost a race; find those by their revision now.
            cursor = self.collection.find({"_id": {"$in": replaced}}, projection={WRITE_TOKEN: 1})
            stored = {doc["_id"]: doc.get(WRITE_TOKEN) async for doc in cursor}
            conflicts.update(i for i in replaced if stored.get(i) != token)
        return conflicts


class InMemoryProjectionStore:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.interfere: dict[str, dict[str, Any]] = {}

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {i: copy.deepcopy(self.documents[i]) for i in ids if i in self.documents}

    async def write(
        self, documents: dict[str, dict[str, Any]], previous: dict[str, int | None]
    ) -> set[str]:
        # ``interfere`` lets a test play "another writer got there first" for chosen documents.
        for document_id, document in self.interfere.items():
            self.documents[document_id] = document
        self.interfere = {}
        conflicts: set[str] = set()
        for document_id, document in documents.items():
            stored = self.documents.get(document_id)
            if (stored.get(REVISION) if stored else None) != previous.get(document_id):
                conflicts.add(document_id)
                continue
            self.documents[document_id] = copy.deepcopy(document)
        return conflicts
