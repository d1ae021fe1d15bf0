"""The directory on MongoDB/FerretDB: each recipient's contact, with its change log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from notify.adapters.documents import contact_from_document
from notify.domain.changes import (
    CONTACT_LOG,
    baseline,
    change,
    contact_as_of,
    forgotten,
    learned_only,
    logged_contact,
)
from notify.domain.recipients import Contact

CONTACTS = "contacts"
# Reads of the directory leave the change log behind (it is for reads as of a moment).
WITHOUT_LOG = {CONTACT_LOG: 0}


class MongoDirectory:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = database[CONTACTS]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("role", ASCENDING)])

    async def get_many(self, recipient_ids: Sequence[str]) -> dict[str, Contact]:
        if not recipient_ids:
            return {}
        found = self.collection.find({"_id": {"$in": list(recipient_ids)}}, WITHOUT_LOG)
        return {doc["_id"]: contact_from_document(doc) async for doc in found}

    async def find(self, roles: Sequence[str], regions: Sequence[str]) -> list[Contact]:
        query: dict[str, Any] = {}
        if roles:
            query["role"] = {"$in": list(roles)}
        # Regions are matched by prefix in the caller (in_regions); the query narrows by role.
        found = self.collection.find(query, WITHOUT_LOG)
        return [contact_from_document(doc) async for doc in found]

    async def learn(
        self, recipient_id: str, fields: dict[str, Any], now: datetime | None = None
    ) -> None:
        known = await self.collection.find_one({"_id": recipient_id}) or {}
        missing = {k: v for k, v in fields.items() if v not in (None, "") and not known.get(k)}
        if missing:
            update = {**missing, "learned": True}
            await self.collection.update_one(
                {"_id": recipient_id},
                {"$set": update, "$push": _logged(known or None, now or datetime.now(UTC), update)},
                upsert=True,
            )

    async def forget_learned(self, recipient_id: str, fields: Sequence[str]) -> None:
        found = await self.collection.find_one({"_id": recipient_id})
        if (
            found is not None
            and learned_only(found)
            and any(
                name in found or any(name in e.get("set", {}) for e in found.get(CONTACT_LOG, []))
                for name in fields
            )
        ):
            await self.collection.replace_one({"_id": recipient_id}, forgotten(found, fields))

    async def webhook_secret(self, recipient_id: str) -> str | None:
        doc = await self.collection.find_one({"_id": recipient_id}, {"webhook_secret": 1})
        secret = (doc or {}).get("webhook_secret")
        return str(secret) if secret else None

    async def document(
        self, recipient_id: str, as_of: datetime | None = None
    ) -> dict[str, Any] | None:
        """The contact's document now, or as it stood at ``as_of`` (from its change log)."""
        found = await self.collection.find_one({"_id": recipient_id})
        then = contact_as_of(found, as_of)
        return None if then is None else {k: v for k, v in then.items() if k != CONTACT_LOG}

    async def upsert(self, recipient_id: str, fields: dict[str, Any], now: datetime) -> None:
        update = {**fields, "updated_at": now}
        # A contact written before its log was kept starts the log with its state then.
        legacy = await self.collection.find_one(
            {"_id": recipient_id, CONTACT_LOG: {"$exists": False}}
        )
        await self.collection.update_one(
            {"_id": recipient_id},
            {"$set": update, "$push": _logged(legacy, now, update)},
            upsert=True,
        )


def _logged(known: dict[str, Any] | None, now: datetime, update: dict[str, Any]) -> dict[str, Any]:
    """The ``$push`` that appends a write to the contact's change log, in the write itself."""
    entries = [change(now, logged_contact(update))]
    if known is not None and CONTACT_LOG not in known:
        entries.insert(0, baseline(known))
    return {CONTACT_LOG: {"$each": entries}}
