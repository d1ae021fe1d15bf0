"""Notify's own collections on MongoDB/FerretDB: the directory, the delivery ledger, the inbox.

These are notify's state, not projections: the directory holds personal contact data that must be
correctable and erasable (it is kept out of the event log, whose retention is forever), and the
ledger and inbox record effects notify itself caused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from notify.application.metrics import LEDGER_DELIVERIES
from notify.domain.deliveries import Delivery, Status
from notify.domain.recipients import DEFAULT_CHANNELS, Channel, Contact, Locale, Topic

CONTACTS = "contacts"
DELIVERIES = "deliveries"
DELIVERY_LEASES = "delivery_leases"
DUPLICATE_KEY = 11000
INBOX = "inbox"

CONTACT_FIELDS = (
    "name",
    "role",
    "region",
    "email",
    "mobile",
    "wecom_webhook",
    "webhook_url",
    "locale",
    "channels",
    "muted",
)


def contact_from_document(doc: dict[str, Any]) -> Contact:
    channels = doc.get("channels")
    return Contact(
        recipient_id=doc["_id"],
        name=doc.get("name") or "",
        role=doc.get("role"),
        region=doc.get("region"),
        email=doc.get("email"),
        mobile=doc.get("mobile"),
        wecom_webhook=doc.get("wecom_webhook"),
        webhook_url=doc.get("webhook_url"),
        locale=Locale(doc.get("locale") or Locale.ZH_CN.value),
        channels=DEFAULT_CHANNELS
        if channels is None
        else frozenset(Channel(c) for c in channels if c != Channel.INBOX.value),
        muted=frozenset(Topic(t) for t in doc.get("muted", [])),
    )


class MongoDirectory:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = database[CONTACTS]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("role", ASCENDING)])

    async def get_many(self, recipient_ids: Sequence[str]) -> dict[str, Contact]:
        if not recipient_ids:
            return {}
        found = self.collection.find({"_id": {"$in": list(recipient_ids)}})
        return {doc["_id"]: contact_from_document(doc) async for doc in found}

    async def find(self, roles: Sequence[str], regions: Sequence[str]) -> list[Contact]:
        query: dict[str, Any] = {}
        if roles:
            query["role"] = {"$in": list(roles)}
        # Regions are matched by prefix in the caller (in_regions); the query narrows by role.
        return [contact_from_document(doc) async for doc in self.collection.find(query)]

    async def learn(self, recipient_id: str, fields: dict[str, Any]) -> None:
        known = await self.collection.find_one({"_id": recipient_id}) or {}
        missing = {k: v for k, v in fields.items() if v not in (None, "") and not known.get(k)}
        if missing:
            await self.collection.update_one(
                {"_id": recipient_id}, {"$set": {**missing, "learned": True}}, upsert=True
            )

    async def webhook_secret(self, recipient_id: str) -> str | None:
        doc = await self.collection.find_one({"_id": recipient_id}, {"webhook_secret": 1})
        secret = (doc or {}).get("webhook_secret")
        return str(secret) if secret else None

    async def document(self, recipient_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": recipient_id})

    async def upsert(self, recipient_id: str, fields: dict[str, Any], now: datetime) -> None:
        await self.collection.update_one(
            {"_id": recipient_id}, {"$set": {**fields, "updated_at": now}}, upsert=True
        )


def delivery_to_document(delivery: Delivery) -> dict[str, Any]:
    return {
        "_id": delivery.key,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "recipient": delivery.recipient,
        "channel": delivery.channel.value,
        "address": delivery.address,
        "template": delivery.template,
        "topic": delivery.topic,
        "essential": delivery.essential,
        "locale": delivery.locale.value,
        "subject": delivery.subject,
        "body": delivery.body,
        "created_at": delivery.created_at,
        "notice_id": delivery.notice_id,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at or delivery.created_at,
        "lease_owner": delivery.lease_owner,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
    }


def delivery_from_document(doc: dict[str, Any]) -> Delivery:
    return Delivery(
        key=doc["_id"],
        event_id=doc["event_id"],
        event_type=doc["event_type"],
        recipient=doc["recipient"],
        channel=Channel(doc["channel"]),
        address=doc["address"],
        template=doc["template"],
        topic=doc["topic"],
        essential=doc["essential"],
        locale=Locale(doc["locale"]),
        subject=doc["subject"],
        body=doc["body"],
        created_at=doc["created_at"],
        notice_id=doc.get("notice_id"),
        status=Status(doc["status"]),
        attempts=doc.get("attempts", 0),
        next_attempt_at=doc.get("next_attempt_at"),
        lease_owner=doc.get("lease_owner"),
        last_error=doc.get("last_error", ""),
        delivered_at=doc.get("delivered_at"),
    )


class MongoLedger:
    """The ledger on MongoDB/FerretDB. FerretDB 1.x does not make ``findAndModify`` (nor a
    filtered update) atomic against a concurrent writer, so the claim is a lease document inserted
    under the delivery's key (unique ``_id``): exclusive on both servers."""

    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = database[DELIVERIES]
        self.locks = database[DELIVERY_LEASES]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
        await self.collection.create_index([("event_id", ASCENDING)])
        await self.collection.create_index([("recipient", ASCENDING)])

    async def add(self, deliveries: Sequence[Delivery]) -> int:
        if not deliveries:
            return 0
        documents = [delivery_to_document(d) for d in deliveries]
        try:
            # One command for a whole audience; keys planned before are refused one by one.
            result = await self.collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            failed = error.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in failed):
                raise
            # planned before: a redelivered or replayed event
            return len(documents) - len(failed)
        return len(result.inserted_ids)

    async def claim(
        self, owner: str, channels: Sequence[Channel], now: datetime, lease_until: datetime
    ) -> Delivery | None:
        due = self.collection.find(
            {
                "status": {"$in": [Status.PENDING.value, Status.SENDING.value]},
                "next_attempt_at": {"$lte": now},
                "channel": {"$in": [c.value for c in channels]},
            },
            {"_id": 1},
        )
        candidates = [doc["_id"] async for doc in due.sort("next_attempt_at", ASCENDING).limit(20)]
        for key in candidates:
            if not await self._lock(key, owner, now, lease_until):
                continue
            # Holding the lock, read again: the candidate list may be stale (sent meanwhile).
            current = await self.collection.find_one({"_id": key})
            if (
                current is None
                or current["status"] not in (Status.PENDING.value, Status.SENDING.value)
                or current["next_attempt_at"] > now
            ):
                await self._unlock(key, owner)
                continue
            claimed = await self.collection.find_one_and_update(
                {"_id": key},
                {
                    "$set": {
                        "status": Status.SENDING.value,
                        "lease_owner": owner,
                        "next_attempt_at": lease_until,
                    },
                    "$inc": {"attempts": 1},
                },
                return_document=ReturnDocument.AFTER,
            )
            return delivery_from_document(claimed) if claimed else None
        return None

    async def _lock(self, key: str, owner: str, now: datetime, lease_until: datetime) -> bool:
        """A lease as a document whose ``_id`` is the delivery's key: inserting it is the one
        operation FerretDB (like MongoDB) makes exclusive, so one dispatcher holds it at a time.
        An expired lease (its holder died) is removed and taken."""
        for _ in range(2):
            try:
                await self.locks.insert_one({"_id": key, "owner": owner, "until": lease_until})
                return True
            except DuplicateKeyError:
                held = await self.locks.find_one({"_id": key})
                if held is None:
                    continue  # released meanwhile: try again
                if held["until"] > now:
                    return False
                await self.locks.delete_one(
                    {"_id": key, "owner": held["owner"], "until": held["until"]}
                )
        return False

    async def _unlock(self, key: str, owner: str) -> None:
        await self.locks.delete_one({"_id": key, "owner": owner})

    async def _holds(self, key: str, owner: str) -> bool:
        held = await self.locks.find_one({"_id": key})
        return held is not None and held["owner"] == owner

    async def delivered(self, key: str, owner: str, now: datetime) -> bool:
        if not await self._holds(key, owner):
            return False
        result = await self.collection.update_one(
            {"_id": key, "status": Status.SENDING.value, "lease_owner": owner},
            {"$set": {"status": Status.DELIVERED.value, "delivered_at": now, "last_error": ""}},
        )
        await self._unlock(key, owner)
        return result.modified_count == 1

    async def failed(
        self, key: str, owner: str, error: str, retry_at: datetime | None, now: datetime
    ) -> bool:
        if not await self._holds(key, owner):
            return False
        status = Status.DEAD if retry_at is None else Status.PENDING
        result = await self.collection.update_one(
            {"_id": key, "status": Status.SENDING.value, "lease_owner": owner},
            {
                "$set": {
                    "status": status.value,
                    "last_error": error,
                    "next_attempt_at": retry_at or now,
                    "failed_at": now,
                }
            },
        )
        await self._unlock(key, owner)
        return result.modified_count == 1

    async def retry(self, key: str, now: datetime) -> bool:
        result = await self.collection.update_one(
            {"_id": key, "status": Status.DEAD.value},
            {
                "$set": {"status": Status.PENDING.value, "next_attempt_at": now, "attempts": 0},
                "$inc": {"operator_retries": 1},
            },
        )
        return result.modified_count == 1

    async def get(self, key: str) -> Delivery | None:
        doc = await self.collection.find_one({"_id": key})
        return delivery_from_document(doc) if doc else None

    async def report_counts(self) -> None:
        """``/metrics``: how many deliveries wait, are being sent, were delivered, are dead."""
        for status in Status:
            count = await self.collection.count_documents({"status": status.value})
            LEDGER_DELIVERIES.labels(status.value).set(count)

    async def list(
        self,
        *,
        status: Status | None = None,
        event_id: str | None = None,
        recipient: str | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        query: dict[str, Any] = {}
        if status is not None:
            query["status"] = status.value
        if event_id is not None:
            query["event_id"] = event_id
        if recipient is not None:
            query["recipient"] = recipient
        found = self.collection.find(query).sort("created_at", DESCENDING).limit(limit)
        return [delivery_from_document(doc) async for doc in found]


class MongoInbox:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = database[INBOX]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("recipient", ASCENDING), ("created_at", DESCENDING)])
        await self.collection.create_index([("notice_id", ASCENDING)])

    async def put(self, delivery: Delivery, now: datetime) -> None:
        try:
            await self.collection.insert_one(
                {
                    "_id": delivery.reference,
                    "key": delivery.key,
                    "recipient": delivery.recipient,
                    "notice_id": delivery.notice_id,
                    "event_type": delivery.event_type,
                    "template": delivery.template,
                    "topic": delivery.topic,
                    "essential": delivery.essential,
                    "subject": delivery.subject,
                    "body": delivery.body,
                    "created_at": now,
                    "read_at": None,
                }
            )
        except DuplicateKeyError:
            pass  # filed already (a resend after a crash)

    async def items(self, recipient: str, *, unread: bool, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"recipient": recipient}
        if unread:
            query["read_at"] = None
        found = self.collection.find(query).sort("created_at", DESCENDING).limit(limit)
        return [doc async for doc in found]

    async def unread_count(self, recipient: str) -> int:
        return await self.collection.count_documents({"recipient": recipient, "read_at": None})

    async def item(self, item_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": item_id})

    async def mark_read(self, item_id: str, now: datetime) -> None:
        await self.collection.update_one(
            {"_id": item_id, "read_at": None}, {"$set": {"read_at": now}}
        )

    async def receipts(self, notice_id: str) -> list[dict[str, Any]]:
        found = self.collection.find({"notice_id": notice_id}).sort("recipient", ASCENDING)
        return [doc async for doc in found]
