"""What notify's application layer needs from storage and from the channels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from notify.domain.deliveries import Delivery, Status
from notify.domain.recipients import Channel, Contact


class Directory(Protocol):
    """Contacts and preferences, by recipient id."""

    async def get_many(self, recipient_ids: Sequence[str]) -> dict[str, Contact]: ...

    async def find(self, roles: Sequence[str], regions: Sequence[str]) -> list[Contact]:
        """Everyone of one of ``roles`` (any role if empty) within ``regions`` (any if empty)."""
        ...

    async def learn(
        self, recipient_id: str, fields: dict[str, Any], now: datetime | None = None
    ) -> None:
        """Fill in what an event told about someone, never overwriting what is already known
        (the change logged at ``now``, or the time of the write)."""
        ...

    async def forget_learned(self, recipient_id: str, fields: Sequence[str]) -> None:
        """Erase ``fields`` of a recipient the platform only learned from events (never given by
        the recipient or an operator), from the record and from its change log."""
        ...

    async def webhook_secret(self, recipient_id: str) -> str | None: ...


class DirectoryRecords(Directory, Protocol):
    """The directory as the API keeps it: whole documents, written by operators and people, each
    write logged with its time so that a contact can be read as it stood at a moment."""

    async def document(
        self, recipient_id: str, as_of: datetime | None = None
    ) -> dict[str, Any] | None:
        """The contact now, or as it stood at ``as_of``; ``None`` if not (yet) in the directory."""
        ...

    async def upsert(self, recipient_id: str, fields: dict[str, Any], now: datetime) -> None: ...


class Ledger(Protocol):
    """The delivery ledger: one entry per dedupe key, claimed before sending, recorded after."""

    async def add(self, deliveries: Sequence[Delivery], now: datetime | None = None) -> int:
        """Store the new ones (an existing key is left as it is); how many were new. Their
        history begins ``now`` (or at their ``created_at``)."""
        ...

    async def known(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` the ledger holds already."""
        ...

    async def claim(
        self, owner: str, channels: Sequence[Channel], now: datetime, lease_until: datetime
    ) -> Delivery | None:
        """Take the most overdue due delivery on ``channels`` — pending, or sending with an
        expired lease — for ``owner`` until ``lease_until``, counting the attempt."""
        ...

    async def delivered(self, key: str, owner: str, now: datetime) -> bool:
        """Record the send; ``False`` if the lease was lost to another dispatcher."""
        ...

    async def failed(
        self, key: str, owner: str, error: str, retry_at: datetime | None, now: datetime
    ) -> bool:
        """Back to pending until ``retry_at``, or dead when ``retry_at`` is ``None``."""
        ...

    async def retry(self, key: str, now: datetime) -> bool:
        """An operator sends a dead delivery again: its attempts start over, its ``operator_retries``
        (the round of its events) goes one up. Two operators at once make one round."""
        ...

    async def get(self, key: str) -> Delivery | None: ...

    async def list(
        self,
        *,
        status: Status | None = None,
        event_id: str | None = None,
        recipient: str | None = None,
        limit: int = 100,
        as_of: datetime | None = None,
    ) -> list[Delivery]:
        """Newest first (planned together: by key); with ``as_of``, the entries in the ledger
        then, each in its state then (``status`` is matched against the state then)."""
        ...


class Inbox(Protocol):
    async def put(self, delivery: Delivery, now: datetime) -> None:
        """File the message in the recipient's inbox (a second put of the same key changes nothing)."""
        ...


class InboxRecords(Inbox, Protocol):
    """The inbox as people read it. Items never change once filed but for the read mark, which
    is written once: as of a moment, the items filed by then, read if read by then."""

    async def items(
        self, recipient: str, *, unread: bool, limit: int, as_of: datetime | None = None
    ) -> list[dict[str, Any]]: ...

    async def unread_count(self, recipient: str, as_of: datetime | None = None) -> int: ...

    async def item(self, item_id: str) -> dict[str, Any] | None: ...

    async def mark_read(self, item_id: str, now: datetime) -> datetime | None:
        """Read once: the first mark's time stays. ``None`` if there is no such item."""
        ...

    async def receipts(
        self, notice_id: str, as_of: datetime | None = None
    ) -> list[dict[str, Any]]: ...


class Sender(Protocol):
    """One channel. Raises ``SendFailed`` when it could not deliver."""

    async def send(self, delivery: Delivery) -> None: ...
