"""In-memory directory, ledger and inbox for unit tests; each passes the same contract suite as
its MongoDB adapter (``notify.testing.contracts``), the answers as of a moment included."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from notify.adapters.documents import contact_document, contact_from_document, inbox_item
from notify.domain.changes import (
    CONTACT_LOG,
    DELIVERY_STATE,
    change,
    contact_as_of,
    forgotten,
    item_as_of,
    learned_only,
    logged_contact,
    state_as_of,
)
from notify.domain.deliveries import Delivery, Status
from notify.domain.recipients import Channel, Contact


def _now() -> datetime:
    return datetime.now(UTC)


class InMemoryDirectory:
    """Contacts as documents with their change logs, as the MongoDB adapter keeps them."""

    def __init__(self, contacts: Sequence[Contact] = (), secrets: dict[str, str] | None = None):
        self.documents: dict[str, dict[str, Any]] = {}
        for contact in contacts:
            fields = contact_document(contact)
            if secrets and contact.recipient_id in secrets:
                fields["webhook_secret"] = secrets[contact.recipient_id]
            # Known from the start: no moment to date them by.
            self.documents[contact.recipient_id] = {
                "_id": contact.recipient_id,
                **fields,
                CONTACT_LOG: [change(None, logged_contact(fields))],
            }
        for recipient_id, secret in (secrets or {}).items():
            if recipient_id not in self.documents:
                self.documents[recipient_id] = {
                    "_id": recipient_id,
                    "webhook_secret": secret,
                    CONTACT_LOG: [change(None, {"webhook_secret": True})],
                }

    @property
    def contacts(self) -> dict[str, Contact]:
        return {r: contact_from_document(d) for r, d in self.documents.items()}

    async def get_many(self, recipient_ids: Sequence[str]) -> dict[str, Contact]:
        return {
            r: contact_from_document(self.documents[r])
            for r in recipient_ids
            if r in self.documents
        }

    async def find(self, roles: Sequence[str], regions: Sequence[str]) -> list[Contact]:
        return [
            contact_from_document(d)
            for d in self.documents.values()
            if not roles or d.get("role") in roles
        ]

    def _write(self, recipient_id: str, fields: dict[str, Any], now: datetime) -> None:
        document = self.documents.setdefault(recipient_id, {"_id": recipient_id, CONTACT_LOG: []})
        document.update(copy.deepcopy(fields))
        document[CONTACT_LOG].append(change(now, logged_contact(fields)))

    async def learn(
        self, recipient_id: str, fields: dict[str, Any], now: datetime | None = None
    ) -> None:
        known = self.documents.get(recipient_id, {})
        missing = {k: v for k, v in fields.items() if v not in (None, "") and not known.get(k)}
        if missing:
            self._write(recipient_id, {**missing, "learned": True}, now or _now())

    async def forget_learned(self, recipient_id: str, fields: Sequence[str]) -> None:
        document = self.documents.get(recipient_id)
        if document is not None and learned_only(document):
            self.documents[recipient_id] = forgotten(document, fields)

    async def webhook_secret(self, recipient_id: str) -> str | None:
        secret = self.documents.get(recipient_id, {}).get("webhook_secret")
        return str(secret) if secret else None

    async def document(
        self, recipient_id: str, as_of: datetime | None = None
    ) -> dict[str, Any] | None:
        then = contact_as_of(self.documents.get(recipient_id), as_of)
        if then is None:
            return None
        return copy.deepcopy({k: v for k, v in then.items() if k != CONTACT_LOG})

    async def upsert(self, recipient_id: str, fields: dict[str, Any], now: datetime) -> None:
        self._write(recipient_id, {**fields, "updated_at": now}, now)


class InMemoryLedger:
    def __init__(self) -> None:
        self.deliveries: dict[str, Delivery] = {}
        # Per key, the changes of state with their times, as the MongoDB ledger's ``history``.
        self.history: dict[str, list[dict[str, Any]]] = {}

    def _state(self, key: str, delivery: Delivery, now: datetime) -> None:
        self.deliveries[key] = delivery
        state = {field: getattr(delivery, field) for field in DELIVERY_STATE}
        self.history.setdefault(key, []).append(change(now, state))

    async def add(self, deliveries: Sequence[Delivery], now: datetime | None = None) -> int:
        added = 0
        for delivery in deliveries:
            if delivery.key not in self.deliveries:
                stored = dataclasses.replace(
                    delivery, next_attempt_at=delivery.next_attempt_at or delivery.created_at
                )
                self._state(delivery.key, stored, now or delivery.created_at)
                added += 1
        return added

    async def known(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.deliveries}

    async def claim(
        self, owner: str, channels: Sequence[Channel], now: datetime, lease_until: datetime
    ) -> Delivery | None:
        due = [
            d
            for d in self.deliveries.values()
            if d.status in (Status.PENDING, Status.SENDING)
            and (d.next_attempt_at or d.created_at) <= now
            and d.channel in channels
        ]
        if not due:
            return None
        chosen = min(due, key=lambda d: d.next_attempt_at or d.created_at)
        claimed = dataclasses.replace(
            chosen,
            status=Status.SENDING,
            lease_owner=owner,
            next_attempt_at=lease_until,
            attempts=chosen.attempts + 1,
        )
        self._state(chosen.key, claimed, now)
        return claimed

    def _held(self, key: str, owner: str) -> Delivery | None:
        delivery = self.deliveries.get(key)
        if delivery and delivery.status is Status.SENDING and delivery.lease_owner == owner:
            return delivery
        return None

    async def delivered(self, key: str, owner: str, now: datetime) -> bool:
        delivery = self._held(key, owner)
        if delivery is None:
            return False
        self._state(
            key,
            dataclasses.replace(delivery, status=Status.DELIVERED, delivered_at=now, last_error=""),
            now,
        )
        return True

    async def failed(
        self, key: str, owner: str, error: str, retry_at: datetime | None, now: datetime
    ) -> bool:
        delivery = self._held(key, owner)
        if delivery is None:
            return False
        self._state(
            key,
            dataclasses.replace(
                delivery,
                status=Status.DEAD if retry_at is None else Status.PENDING,
                last_error=error,
                next_attempt_at=retry_at or now,
            ),
            now,
        )
        return True

    async def retry(self, key: str, now: datetime) -> bool:
        delivery = self.deliveries.get(key)
        if delivery is None or delivery.status is not Status.DEAD:
            return False
        self._state(
            key,
            dataclasses.replace(
                delivery,
                status=Status.PENDING,
                next_attempt_at=now,
                attempts=0,
                operator_retries=delivery.operator_retries + 1,
            ),
            now,
        )
        return True

    async def get(self, key: str) -> Delivery | None:
        return self.deliveries.get(key)

    def _as_of(self, delivery: Delivery, as_of: datetime | None) -> Delivery | None:
        if as_of is None:
            return delivery
        state = state_as_of(self.history[delivery.key], as_of)
        return None if state is None else dataclasses.replace(delivery, **state)

    async def list(
        self,
        *,
        status: Status | None = None,
        event_id: str | None = None,
        recipient: str | None = None,
        limit: int = 100,
        as_of: datetime | None = None,
    ) -> list[Delivery]:
        then = [self._as_of(d, as_of) for d in self.deliveries.values()]
        found = [
            d
            for d in then
            if d is not None
            and (status is None or d.status is status)
            and (event_id is None or d.event_id == event_id)
            and (recipient is None or d.recipient == recipient)
        ]
        # Newest first; deliveries planned together (one ``created_at``) by their key.
        found.sort(key=lambda d: d.key)
        return sorted(found, key=lambda d: d.created_at, reverse=True)[:limit]


class InMemoryInbox:
    """Inbox items as documents, filed once, read once (the MongoDB inbox's contract)."""

    def __init__(self) -> None:
        self.items_by_id: dict[str, dict[str, Any]] = {}

    async def put(self, delivery: Delivery, now: datetime) -> None:
        self.items_by_id.setdefault(delivery.reference, inbox_item(delivery, now))

    def _then(self, as_of: datetime | None, **wanted: Any) -> list[dict[str, Any]]:
        then = (item_as_of(i, as_of) for i in self.items_by_id.values())
        return [i for i in then if i is not None and all(i[k] == v for k, v in wanted.items())]

    async def items(
        self, recipient: str, *, unread: bool, limit: int, as_of: datetime | None = None
    ) -> list[dict[str, Any]]:
        found = self._then(as_of, recipient=recipient)
        if unread:
            found = [i for i in found if i["read_at"] is None]
        found.sort(key=lambda i: i["_id"])
        return sorted(found, key=lambda i: i["created_at"], reverse=True)[:limit]

    async def unread_count(self, recipient: str, as_of: datetime | None = None) -> int:
        return len(
            await self.items(recipient, unread=True, limit=len(self.items_by_id) + 1, as_of=as_of)
        )

    async def item(self, item_id: str) -> dict[str, Any] | None:
        found = self.items_by_id.get(item_id)
        return dict(found) if found is not None else None

    async def mark_read(self, item_id: str, now: datetime) -> datetime | None:
        item = self.items_by_id.get(item_id)
        if item is None:
            return None
        if item["read_at"] is None:
            item["read_at"] = now
        read_at: datetime = item["read_at"]
        return read_at

    async def receipts(self, notice_id: str, as_of: datetime | None = None) -> list[dict[str, Any]]:
        found = self._then(as_of, notice_id=notice_id)
        return sorted(found, key=lambda i: (i["recipient"], i["_id"]))
