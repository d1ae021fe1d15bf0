"""Each person's inbox on MongoDB/FerretDB: items filed once, and their read marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from notify.adapters.documents import inbox_item
from notify.adapters.mongo import NEWEST_FIRST
from notify.domain.changes import item_as_of
from notify.domain.deliveries import Delivery

INBOX = "inbox"
INBOX_READS = "inbox_reads"


class MongoInbox:
    """Each person's inbox. An item is written once and never changes but for its read mark,
    which is written once too: so an item's ``created_at`` and ``read_at`` are the recorded
    facts, and the inbox as of a moment is the items filed by then, read or not by then."""

    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = database[INBOX]
        self.reads = database[INBOX_READS]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("recipient", ASCENDING), ("created_at", DESCENDING)])
        await self.collection.create_index([("notice_id", ASCENDING)])

    async def put(self, delivery: Delivery, now: datetime) -> None:
        try:
            await self.collection.insert_one(inbox_item(delivery, now))
        except DuplicateKeyError:
            pass  # filed already (a resend after a crash)

    async def items(
        self, recipient: str, *, unread: bool, limit: int, as_of: datetime | None = None
    ) -> list[dict[str, Any]]:
        query = _filed(as_of, recipient=recipient)
        if unread:
            query.update(_unread(as_of))
        found = self.collection.find(query).sort(NEWEST_FIRST).limit(limit)
        return [_then(doc, as_of) async for doc in found]

    async def unread_count(self, recipient: str, as_of: datetime | None = None) -> int:
        return await self.collection.count_documents(
            {**_filed(as_of, recipient=recipient), **_unread(as_of)}
        )

    async def item(self, item_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": item_id})

    async def mark_read(self, item_id: str, now: datetime) -> datetime | None:
        """Mark the item read, once: the first mark's time stays, however often (and however
        concurrently) it is marked again. ``None`` if there is no such item."""
        item = await self.collection.find_one({"_id": item_id}, {"read_at": 1})
        if item is None:
            return None
        if item.get("read_at") is not None:
            read_at: datetime = item["read_at"]
            return read_at
        # FerretDB does not make a filtered update atomic against a concurrent one, so two marks
        # at once could both pass ``read_at: None`` and the later time win. The first mark is an
        # insert under the item's id instead (exclusive on both servers); every marker then
        # writes that one time.
        try:
            await self.reads.insert_one({"_id": item_id, "read_at": now})
            read_at = now
        except DuplicateKeyError:
            first = await self.reads.find_one({"_id": item_id})
            read_at = first["read_at"] if first else now
        await self.collection.update_one(
            {"_id": item_id, "read_at": None}, {"$set": {"read_at": read_at}}
        )
        return read_at

    async def receipts(self, notice_id: str, as_of: datetime | None = None) -> list[dict[str, Any]]:
        found = self.collection.find(_filed(as_of, notice_id=notice_id)).sort(
            [("recipient", ASCENDING), ("_id", ASCENDING)]
        )
        return [_then(doc, as_of) async for doc in found]


def _filed(as_of: datetime | None, **query: Any) -> dict[str, Any]:
    """Items filed by ``as_of`` (all of them without it)."""
    return query if as_of is None else {**query, "created_at": {"$lte": as_of}}


def _unread(as_of: datetime | None) -> dict[str, Any]:
    """Items not read (by ``as_of``)."""
    if as_of is None:
        return {"read_at": None}
    return {"$or": [{"read_at": None}, {"read_at": {"$gt": as_of}}]}


def _then(item: dict[str, Any], as_of: datetime | None) -> dict[str, Any]:
    then = item_as_of(item, as_of)
    assert then is not None, "the query keeps only items filed by then"
    return then
