"""The event store's ports and their errors.

Two ports, one per kind of caller: ``CommandStore`` for the command side (``execute`` loads, appends
and looks retries up) and ``Outbox`` for the relay (unpublished commits, marked once out). Each has
a contract suite (``ztc_shared.testing``) that the fake and the MongoDB adapter both pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ztc_shared.events.envelope import EventEnvelope


class ConcurrencyConflict(Exception):
    """Another command appended to the stream first (HTTP 409 with both versions)."""

    def __init__(self, stream_id: str, expected_version: int, actual_version: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual_version}, not {expected_version}"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class IdempotencyKeyReused(Exception):
    """An ``Idempotency-Key`` came back with a different request (HTTP 422)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key} was already used for a different request")
        self.key = key


@dataclass(frozen=True)
class Commit:
    """All events of one command, stored and published together."""

    commit_id: str
    stream_id: str
    stream_type: str
    first_version: int
    last_version: int
    events: tuple[EventEnvelope, ...]
    committed_at: datetime
    idempotency: str
    request_fingerprint: str | None = None
    result: dict[str, Any] | None = None
    published: bool = False


@dataclass(frozen=True)
class LoadedStream:
    """A stream as a command sees it.

    ``from_cache`` says the state was not read from storage just now (a store's cache of streams
    it appended to, or a stream the caller declared new). Such a state may be behind: an append at
    its version then conflicts, and a command refused on it must be checked against a fresh load
    before the refusal is believed (``execute`` does both).
    """

    stream_id: str
    events: list[EventEnvelope] = field(default_factory=list)
    version: int = 0
    last_committed_at: datetime | None = None
    from_cache: bool = False


class StreamReader(Protocol):
    """What reads need of an event store: a stream as stored. ``EventStore`` is one; so is
    ``ztc_shared.history.StreamsAsOf``, which answers every stream as of a moment."""

    async def load(self, stream_id: str, *, fresh: bool = False) -> LoadedStream: ...


class CommandStore(Protocol):
    """The command side of the event store: load a stream, append a commit, find a retried one.

    ``append`` is atomic: the commit (all its events, its idempotency record and the command's result)
    is stored whole or not at all. ``expected_version`` must be the version ``load`` returned, so that
    it lies on a commit boundary; a second writer at the same version gets ``ConcurrencyConflict``.
    ``idempotency`` is ``"<scope>|<actor>|<key>"`` or ``None`` (then the commit id stands in for it); a
    commit with the same idempotency value already stored raises nothing here — callers look it up
    first with ``find_by_idempotency`` — but a racing duplicate raises ``ConcurrencyConflict`` or
    returns the stored commit, see ``append``.
    """

    async def load(self, stream_id: str, *, fresh: bool = False) -> LoadedStream:
        """The stream's events and version; ``fresh`` reads storage even if a cache holds it."""
        ...

    async def append(
        self,
        *,
        stream_id: str,
        stream_type: str,
        expected_version: int,
        events: Sequence[EventEnvelope],
        committed_at: datetime,
        idempotency: str | None = None,
        request_fingerprint: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> Commit:
        """Store a commit. On a duplicate idempotency value, return the commit stored first."""
        ...

    async def find_by_idempotency(
        self, idempotency: str, *, thorough: bool = False
    ) -> Commit | None:
        """The commit stored under this idempotency value, if any. ``thorough``: also when a crash
        lost the fast lookup's record (slower; for a command its stream's state refused)."""
        ...


class Outbox(Protocol):
    """The outbox side of the event store, which only the relay uses: commits not yet published,
    in order, marked once the broker has them."""

    async def unpublished(self, limit: int) -> list[Commit]:
        """Commits not yet published, oldest first; within a stream always in version order."""
        ...

    async def mark_published(self, commit_ids: Sequence[str]) -> None:
        """Record that the broker acknowledged these commits; ``unpublished`` no longer lists them."""
        ...

    async def count_unpublished(self) -> int:
        """How many commits wait for the relay (the backlog ``/metrics`` reports)."""
        ...

    async def settle(self) -> None:
        """Wait until writes the store finishes in the background (if any) are done."""
        ...

    async def sweep(self) -> int:
        """Make sure every unpublished commit is seen by ``unpublished`` (after a crash); the number
        of commits it had to restore."""
        ...


class EventStore(CommandStore, Outbox, Protocol):
    """Both sides, as the adapters (``MongoEventStore``, ``InMemoryEventStore``) implement them."""
