"""The delivery ledger on MongoDB/FerretDB: every planned delivery, its state and its history."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from notify.adapters.mongo import NEWEST_FIRST
from notify.application.metrics import LEDGER_DELIVERIES
from notify.domain.changes import DELIVERY_LOG, DELIVERY_STATE, change, delivery_as_of
from notify.domain.deliveries import Delivery, Status
from notify.domain.recipients import Channel, Locale

DELIVERIES = "deliveries"
DELIVERY_LEASES = "delivery_leases"
DUPLICATE_KEY = 11000


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
        "region": delivery.region,
        "correlation_id": delivery.correlation_id,
        "events": delivery.events,
        "operator_retries": delivery.operator_retries,
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
        region=doc.get("region", ""),
        correlation_id=doc.get("correlation_id", ""),
        events=bool(doc.get("events", False)),
        operator_retries=int(doc.get("operator_retries") or 0),
    )


class MongoLedger:
    """The ledger on MongoDB/FerretDB. FerretDB 1.x does not make ``findAndModify`` (nor a
    filtered update) atomic against a concurrent writer, so the claim is a lease document inserted
    under the delivery's key (unique ``_id``): exclusive on both servers.

    Finding what is due is a query on status and time, which FerretDB answers by scanning the whole
    ledger (delivered entries included): one scan per claim held a dispatcher to a few deliveries a
    second. So a scan's due keys are kept (per set of channels) and claimed one after another for up
    to ``refill_after`` seconds; each is read again under its lease, so one sent or rescheduled
    meanwhile is passed over, as before."""

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        *,
        batch: int = 100,
        refill_after: float = 1.0,
    ) -> None:
        self.collection = database[DELIVERIES]
        self.locks = database[DELIVERY_LEASES]
        self._batch = batch
        self._refill_after = refill_after
        self._due: dict[tuple[str, ...], tuple[float, deque[str]]] = {}
        self.scans = 0

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
        await self.collection.create_index([("event_id", ASCENDING)])
        await self.collection.create_index([("recipient", ASCENDING)])

    async def add(self, deliveries: Sequence[Delivery], now: datetime | None = None) -> int:
        if not deliveries:
            return 0
        documents = [_with_history(delivery_to_document(d), now) for d in deliveries]
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

    async def known(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        found = self.collection.find({"_id": {"$in": list(keys)}}, {"_id": 1})
        return {doc["_id"] async for doc in found}

    async def _candidates(
        self, channels: Sequence[Channel], now: datetime, *, rescan: bool = False
    ) -> tuple[deque[str], bool]:
        """The due keys found by the last scan for these channels, scanning again when none is
        left, the scan is older than ``refill_after``, or ``rescan``; and whether it scanned."""
        which = tuple(sorted(c.value for c in channels))
        kept = self._due.get(which)
        fresh = kept is not None and time.monotonic() - kept[0] < self._refill_after
        if kept is not None and kept[1] and fresh and not rescan:
            return kept[1], False
        self.scans += 1
        due = self.collection.find(
            {
                "status": {"$in": [Status.PENDING.value, Status.SENDING.value]},
                "next_attempt_at": {"$lte": now},
                "channel": {"$in": list(which)},
            },
            {"_id": 1},
        )
        ordered = due.sort("next_attempt_at", ASCENDING).limit(self._batch)
        candidates = deque([doc["_id"] async for doc in ordered])
        self._due[which] = (time.monotonic(), candidates)
        return candidates, True

    async def claim(
        self, owner: str, channels: Sequence[Channel], now: datetime, lease_until: datetime
    ) -> Delivery | None:
        candidates, scanned = await self._candidates(channels, now)
        claimed = await self._claim_first(candidates, owner, now, lease_until)
        if claimed is None and not scanned:
            # every kept key had gone (sent by another dispatcher): look again before saying none
            candidates, _ = await self._candidates(channels, now, rescan=True)
            claimed = await self._claim_first(candidates, owner, now, lease_until)
        return claimed

    async def _claim_first(
        self, candidates: deque[str], owner: str, now: datetime, lease_until: datetime
    ) -> Delivery | None:
        while candidates:
            key = candidates.popleft()
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
            update: dict[str, Any] = {
                "status": Status.SENDING.value,
                "lease_owner": owner,
                "next_attempt_at": lease_until,
            }
            # Holding the lease, nobody else changes the attempts: the count after the $inc is
            # the one read plus one, and is logged so in the same write.
            attempts = current.get("attempts", 0) + 1
            claimed = await self.collection.find_one_and_update(
                {"_id": key},
                {
                    "$set": update,
                    "$inc": {"attempts": 1},
                    "$push": _history(current, now, {**update, "attempts": attempts}),
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
        update = {"status": Status.DELIVERED.value, "delivered_at": now, "last_error": ""}
        # By ``_id`` alone: the lease says the delivery is ours (claimed by us, so being sent), and
        # FerretDB scans the whole ledger for a filter of ``_id`` and more.
        result = await self.collection.update_one(
            {"_id": key}, {"$set": update, "$push": _history(None, now, update)}
        )
        await self._unlock(key, owner)
        return result.modified_count == 1

    async def failed(
        self, key: str, owner: str, error: str, retry_at: datetime | None, now: datetime
    ) -> bool:
        if not await self._holds(key, owner):
            return False
        status = Status.DEAD if retry_at is None else Status.PENDING
        update = {
            "status": status.value,
            "last_error": error,
            "next_attempt_at": retry_at or now,
            "failed_at": now,
        }
        result = await self.collection.update_one(
            {"_id": key}, {"$set": update, "$push": _history(None, now, update)}
        )
        await self._unlock(key, owner)
        return result.modified_count == 1

    async def retry(self, key: str, now: datetime) -> bool:
        current = await self.collection.find_one({"_id": key})
        if current is None or current["status"] != Status.DEAD.value:
            return False
        legacy = current if DELIVERY_LOG not in current else None
        # The round is set, not incremented: FerretDB does not make the filtered update atomic,
        # so two operators retrying at once may both pass the filter; both then set one round.
        update = {
            "status": Status.PENDING.value,
            "next_attempt_at": now,
            "attempts": 0,
            "operator_retries": int(current.get("operator_retries") or 0) + 1,
        }
        result = await self.collection.update_one(
            {"_id": key, "status": Status.DEAD.value},
            {"$set": update, "$push": _history(legacy, now, update)},
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
        as_of: datetime | None = None,
    ) -> list[Delivery]:
        query: dict[str, Any] = {}
        if event_id is not None:
            query["event_id"] = event_id
        if recipient is not None:
            query["recipient"] = recipient
        if as_of is None:
            if status is not None:
                query["status"] = status.value
            found = self.collection.find(query, {DELIVERY_LOG: 0}).sort(NEWEST_FIRST).limit(limit)
            return [delivery_from_document(doc) async for doc in found]
        # As of a moment: each entry's state then, from its history; the status asked for is the
        # status then, so it is filtered after the fold (an audit read, not one for every page).
        query["created_at"] = {"$lte": as_of}
        then: list[Delivery] = []
        async for doc in self.collection.find(query).sort(NEWEST_FIRST):
            state = delivery_as_of(doc, as_of)
            if state is not None and (status is None or state["status"] == status.value):
                then.append(delivery_from_document(state))
                if len(then) == limit:
                    break
        return then


def _with_history(document: dict[str, Any], now: datetime | None) -> dict[str, Any]:
    """A new ledger document with its history begun: its state as planned, recorded ``now``."""
    state = {field: document[field] for field in DELIVERY_STATE}
    return {**document, DELIVERY_LOG: [change(now or document["created_at"], state)]}


def _history(
    current: dict[str, Any] | None, now: datetime, update: dict[str, Any]
) -> dict[str, Any]:
    """The ``$push`` that appends a change of state to the delivery's history, in the write
    itself. A delivery planned before the history was kept begins it with its state as read
    (dated at its planning: when it reached that state was not recorded)."""
    entries = [change(now, update)]
    if current is not None and DELIVERY_LOG not in current:
        state = {field: current.get(field) for field in DELIVERY_STATE}
        entries.insert(0, change(current["created_at"], state))
    return {DELIVERY_LOG: {"$each": entries}}
