"""A lease with an expiry: one active holder, taken over by another when the holder stops renewing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from ztc_shared.clock import Clock


class Lease(Protocol):
    owner: str

    async def acquire(self) -> bool:
        """Take or renew the lease; ``False`` while another live holder has it."""
        ...

    async def release(self) -> None: ...


class MongoLease:
    """The lease is one document; taking it is one conditional upsert.

    The filter matches only when the lease is ours or has expired; when it is held by someone else
    the upsert tries to insert a second document with the same ``_id`` and fails, which means "no".
    """

    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        name: str,
        owner: str,
        *,
        ttl: timedelta,
        clock: Clock,
        details: dict[str, Any] | None = None,
    ) -> None:
        self._collection = collection
        self._name = name
        self.owner = owner
        self._ttl = ttl
        self._clock = clock
        # What the holder tells others with the lease (the relay: where to wake it).
        self.details = dict(details or {})
        self._renew_after: datetime | None = None

    async def acquire(self) -> bool:
        now = self._clock.now()
        if self._renew_after is not None and now < self._renew_after:
            return True  # held, and renewed recently enough: no write needed
        try:
            document = await self._collection.find_one_and_update(
                {"_id": self._name, "$or": [{"owner": self.owner}, {"expires_at": {"$lt": now}}]},
                {
                    "$set": {
                        **self.details,
                        "owner": self.owner,
                        "expires_at": now + self._ttl,
                        "renewed_at": now,
                    }
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            self._renew_after = None
            return False
        held = document is not None and document.get("owner") == self.owner
        # Renew once a third of the time to live has passed: the lease stays ours with margin.
        self._renew_after = now + self._ttl / 3 if held else None
        return held

    async def release(self) -> None:
        self._renew_after = None
        await self._collection.delete_one({"_id": self._name, "owner": self.owner})


class InMemoryLease:
    """Several ``InMemoryLease`` objects sharing one ``state`` dict behave like one lease document."""

    def __init__(self, state: dict[str, Any], owner: str, *, ttl: timedelta, clock: Clock) -> None:
        self._state = state
        self.owner = owner
        self._ttl = ttl
        self._clock = clock

    async def acquire(self) -> bool:
        now = self._clock.now()
        holder, expires = self._state.get("owner"), self._state.get("expires_at")
        if holder not in (None, self.owner) and expires is not None and expires >= now:
            return False
        self._state.update(owner=self.owner, expires_at=now + self._ttl)
        return True

    async def release(self) -> None:
        if self._state.get("owner") == self.owner:
            self._state.clear()
