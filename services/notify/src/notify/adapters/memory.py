"""In-memory directory, ledger and inbox for unit tests; each passes the same contract suite as
its MongoDB adapter (``notify.testing.contracts``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from notify.domain.deliveries import Delivery, Status
from notify.domain.recipients import Channel, Contact


class InMemoryDirectory:
    def __init__(self, contacts: Sequence[Contact] = (), secrets: dict[str, str] | None = None):
        self.contacts: dict[str, Contact] = {c.recipient_id: c for c in contacts}
        self.secrets = dict(secrets or {})

    async def get_many(self, recipient_ids: Sequence[str]) -> dict[str, Contact]:
        return {r: self.contacts[r] for r in recipient_ids if r in self.contacts}

    async def find(self, roles: Sequence[str], regions: Sequence[str]) -> list[Contact]:
        return [c for c in self.contacts.values() if not roles or c.role in roles]

    async def learn(self, recipient_id: str, fields: dict[str, Any]) -> None:
        known = self.contacts.get(recipient_id, Contact(recipient_id=recipient_id))
        missing = {k: v for k, v in fields.items() if v not in (None, "") and not getattr(known, k)}
        self.contacts[recipient_id] = dataclasses.replace(known, **missing)

    async def webhook_secret(self, recipient_id: str) -> str | None:
        return self.secrets.get(recipient_id)


class InMemoryLedger:
    def __init__(self) -> None:
        self.deliveries: dict[str, Delivery] = {}

    async def add(self, deliveries: Sequence[Delivery]) -> int:
        added = 0
        for delivery in deliveries:
            if delivery.key not in self.deliveries:
                self.deliveries[delivery.key] = delivery
                added += 1
        return added

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
        self.deliveries[chosen.key] = claimed
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
        self.deliveries[key] = dataclasses.replace(
            delivery, status=Status.DELIVERED, delivered_at=now, last_error=""
        )
        return True

    async def failed(
        self, key: str, owner: str, error: str, retry_at: datetime | None, now: datetime
    ) -> bool:
        delivery = self._held(key, owner)
        if delivery is None:
            return False
        self.deliveries[key] = dataclasses.replace(
            delivery,
            status=Status.DEAD if retry_at is None else Status.PENDING,
            last_error=error,
            next_attempt_at=retry_at or now,
        )
        return True

    async def retry(self, key: str, now: datetime) -> bool:
        delivery = self.deliveries.get(key)
        if delivery is None or delivery.status is not Status.DEAD:
            return False
        self.deliveries[key] = dataclasses.replace(
            delivery, status=Status.PENDING, next_attempt_at=now, attempts=0
        )
        return True

    async def get(self, key: str) -> Delivery | None:
        return self.deliveries.get(key)

    async def list(
        self,
        *,
        status: Status | None = None,
        event_id: str | None = None,
        recipient: str | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        found = [
            d
            for d in self.deliveries.values()
            if (status is None or d.status is status)
            and (event_id is None or d.event_id == event_id)
            and (recipient is None or d.recipient == recipient)
        ]
        return sorted(found, key=lambda d: d.created_at, reverse=True)[:limit]
