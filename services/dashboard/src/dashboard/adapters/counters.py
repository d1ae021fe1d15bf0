"""The funnel counters: one document per scope, added to exactly once per event.

A counter document cannot remember every stream that added to it (a province's document hears from
every achievement), so the version guard of the other projections does not fit. It remembers
instead, per topic partition, the offset of the last message it has added (``_marks``): messages of
a partition arrive in offset order, so a message at or below its partition's mark was added before
and is skipped. A document is replaced only if its revision (``_rev``) is still the one that was
read, so two workers never both add to it; the loser reads again and adds what is left.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from dashboard.domain.funnel import Fact, add_fact, empty_counters, scopes_of

MARKS = "_marks"
REVISION = "_rev"


@dataclass(frozen=True)
class CountedMessage:
    """A message's place (topic, partition, offset) and the facts it records."""

    topic: str
    partition: int
    offset: int
    facts: tuple[Fact, ...]

    @property
    def mark(self) -> str:
        # Topic names hold dots, which document keys may not (FerretDB).
        return f"{self.topic.replace('.', ':')}~{self.partition}"


class CounterStore(Protocol):
    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    async def save(self, document: dict[str, Any], revision: int | None) -> bool:
        """Store ``document`` if the stored revision is still ``revision`` (``None``: absent);
        False when another writer got there first."""
        ...


def add_messages(document: dict[str, Any], scope: str, messages: Sequence[CountedMessage]) -> bool:
    """Add to a scope's document the facts of the messages it has not counted yet; True when it
    changed. Marks advance for every partition the batch read, facts or not."""
    marks: dict[str, int] = document.setdefault(MARKS, {})
    changed = False
    for message in messages:
        if message.offset <= marks.get(message.mark, -1):
            continue
        for fact in message.facts:
            if scope in scopes_of(fact):
                add_fact(document, fact)
        marks[message.mark] = message.offset
        changed = True
    return changed


async def count(store: CounterStore, messages: Sequence[CountedMessage], attempts: int = 20) -> int:
    """Add a batch's facts to every scope they touch; the number of documents written."""
    scopes = sorted({scope for m in messages for fact in m.facts for scope in scopes_of(fact)})
    written = 0
    pending = scopes
    for _ in range(attempts):
        if not pending:
            return written
        loaded = await store.load(pending)
        conflicts = []
        for scope in pending:
            stored = loaded.get(scope)
            document = copy.deepcopy(stored) if stored is not None else empty_counters(scope)
            document["_id"] = scope
            if not add_messages(document, scope, messages):
                continue
            revision = int(stored[REVISION]) if stored is not None else None
            document[REVISION] = (revision or 0) + 1
            if await store.save(document, revision):
                written += 1
            else:
                conflicts.append(scope)
        pending = conflicts
    raise RuntimeError(f"counters still contended after {attempts} attempts: {pending}")


class MongoCounterStore:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        async for document in self.collection.find({"_id": {"$in": list(ids)}}):
            found[str(document["_id"])] = document
        return found

    async def save(self, document: dict[str, Any], revision: int | None) -> bool:
        if revision is None:
            try:
                await self.collection.insert_one(document)
            except DuplicateKeyError:
                return False
            return True
        result = await self.collection.replace_one(
            {"_id": document["_id"], REVISION: revision}, document
        )
        return result.matched_count == 1

    async def get(self, scope: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": scope})


class InMemoryCounterStore:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {i: copy.deepcopy(self.documents[i]) for i in ids if i in self.documents}

    async def save(self, document: dict[str, Any], revision: int | None) -> bool:
        stored = self.documents.get(document["_id"])
        current = None if stored is None else int(stored[REVISION])
        if current != revision:
            return False
        self.documents[document["_id"]] = copy.deepcopy(document)
        return True

    async def get(self, scope: str) -> dict[str, Any] | None:
        stored = self.documents.get(scope)
        return copy.deepcopy(stored) if stored is not None else None
