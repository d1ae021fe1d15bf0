"""The funnel counters: one document per scope, added to exactly once per event.

A counter document cannot remember every stream that added to it (a province's document hears from
every achievement), so the version guard of the other projections does not fit. It remembers
instead, per topic partition, the offset of the last message it has added (``_marks``): messages of
a partition arrive in offset order, so a message at or below its partition's mark was added before
and is skipped. A document is replaced only if its revision (``_rev``) is still the one that was
read, so two workers never both add to it; the loser reads again and adds what is left.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from dashboard.domain.funnel import Entry, Fact, apply_item, empty_document, targets

MARKS = "_marks"
REVISION = "_rev"


@dataclass(frozen=True)
class CountedMessage:
    """A message's place (topic, partition, offset) and the facts it records."""

    topic: str
    partition: int
    offset: int
    facts: tuple[Fact, ...]
    entries: tuple[Entry, ...] = ()

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


class CounterReader(Protocol):
    """What the queries read of the counters: the live collection's store, or one as of a
    moment (``adapters.as_of``)."""

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    async def get(self, scope: str) -> dict[str, Any] | None: ...


def add_messages(document: dict[str, Any], target: str, messages: Sequence[CountedMessage]) -> bool:
    """Add to a document the facts and entries of the messages it has not counted yet; True when
    it changed. Marks advance for every partition the batch read, facts or not."""
    marks: dict[str, int] = document.setdefault(MARKS, {})
    changed = False
    for message in messages:
        if message.offset <= marks.get(message.mark, -1):
            continue
        items: list[Fact | Entry] = [*message.facts, *message.entries]
        for item in items:
            if target in targets(item):
                apply_item(document, target, item)
        marks[message.mark] = message.offset
        changed = True
    return changed


async def count(store: CounterStore, messages: Sequence[CountedMessage], attempts: int = 20) -> int:
    """Add a batch's facts to every scope they touch; the number of documents written."""
    items: list[Fact | Entry] = [f for m in messages for f in m.facts]
    items += [e for m in messages for e in m.entries]
    scopes = sorted({target for item in items for target in targets(item)})
    written = 0
    pending = scopes
    for _ in range(attempts):
        if not pending:
            return written
        loaded = await store.load(pending)
        conflicts = []
        for scope in pending:
            stored = loaded.get(scope)
            document = copy.deepcopy(stored) if stored is not None else empty_document(scope)
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


def encode(document: dict[str, Any]) -> dict[str, Any]:
    """The stored form: the scope's state as one JSON text. The database never looks inside, and
    one text is what FerretDB reads fastest (it converts a document field by field, and a
    nation's counters hold thousands)."""
    state = {k: v for k, v in document.items() if k not in ("_id", REVISION)}
    text = json.dumps(state, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return {"_id": document["_id"], REVISION: document[REVISION], "state": text}


def decode(stored: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(stored["state"])
    return {**state, "_id": stored["_id"], REVISION: stored[REVISION]}


class MongoCounterStore:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        # One lookup by _id each, which FerretDB answers without a scan.
        stored = await asyncio.gather(*(self.collection.find_one({"_id": i}) for i in ids))
        return {str(d["_id"]): decode(d) for d in stored if d is not None}

    async def save(self, document: dict[str, Any], revision: int | None) -> bool:
        stored = encode(document)
        if revision is None:
            try:
                await self.collection.insert_one(stored)
            except DuplicateKeyError:
                return False
            return True
        result = await self.collection.replace_one(
            {"_id": document["_id"], REVISION: revision}, stored
        )
        return result.matched_count == 1

    async def get(self, scope: str) -> dict[str, Any] | None:
        stored = await self.collection.find_one({"_id": scope})
        return decode(stored) if stored is not None else None


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
