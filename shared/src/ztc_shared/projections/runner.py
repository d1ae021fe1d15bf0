"""Apply a batch of messages to a projection: exactly-once effect from at-least-once delivery.

The runner is independent of how messages arrive (the faust worker in production, a plain aiokafka
consumer for rebuilds, a list in unit tests). For one batch it loads every document the batch touches
at once, applies the events in order in memory, skipping any event at or below the stream version the
document has already applied, and writes the changed documents in one ``bulk_write``. A message it
cannot decode or apply becomes a dead letter with its reason; the rest of the batch goes on.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import structlog

from ztc_shared.events.codec import decode_event
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry
from ztc_shared.workers.messages import DeadLetter as DeadLetter
from ztc_shared.workers.messages import Message as Message

log = structlog.get_logger()

VERSIONS = "_versions"


@dataclass
class BatchOutcome:
    applied: int = 0
    skipped: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)
    latest_event_at: datetime | None = None


class Projector(Protocol):
    """What a projection does with events. ``apply`` is pure: it returns the new document state."""

    def document_id(self, event: EventEnvelope) -> str | None:
        """The document this event changes, or ``None`` when the projection ignores it."""
        ...

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        """The document after the event (``document`` is a private copy and may be changed)."""
        ...


class ProjectionStore(Protocol):
    async def load(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    async def write(self, documents: dict[str, dict[str, Any]], new: set[str]) -> None:
        """Store the documents whole, in as few round trips as the store can; ``new`` names those
        that ``load`` did not find (inserted rather than replaced)."""
        ...


@dataclass(frozen=True)
class ProjectionDefinition:
    """A projection as a service declares it: its name, its source topics and its projector."""

    name: str
    topics: tuple[str, ...]
    projector: Callable[[], Projector]
    indexes: tuple[tuple[str, int], ...] = ()


class ProjectionRunner:
    def __init__(
        self,
        name: str,
        projector: Projector,
        store: ProjectionStore,
        *,
        registry: EventRegistry = EVENTS,
    ) -> None:
        self.name = name
        self._projector = projector
        self._store = store
        self._registry = registry

    async def handle(self, messages: Sequence[Message]) -> BatchOutcome:
        outcome = BatchOutcome()
        routed: list[tuple[str, EventEnvelope, Message]] = []
        for message in messages:
            try:
                envelope = decode_event(message.value, self._registry)
            except Exception as error:  # noqa: BLE001 - any undecodable input is a dead letter
                outcome.dead_letters.append(DeadLetter(message, f"undecodable: {error}"))
                continue
            try:
                document_id = self._projector.document_id(envelope)
            except Exception as error:  # noqa: BLE001
                outcome.dead_letters.append(DeadLetter(message, f"unroutable: {error!r}"))
                continue
            if document_id is None:
                outcome.skipped += 1
                continue
            routed.append((document_id, envelope, message))
            if outcome.latest_event_at is None or envelope.occurred_at > outcome.latest_event_at:
                outcome.latest_event_at = envelope.occurred_at

        ids = sorted({document_id for document_id, _, _ in routed})
        current = await self._store.load(ids) if ids else {}
        changed: dict[str, dict[str, Any]] = {}
        for document_id, envelope, message in routed:
            document = changed.get(document_id, current.get(document_id))
            versions: dict[str, int] = dict((document or {}).get(VERSIONS, {}))
            if versions.get(envelope.stream_id, 0) >= envelope.stream_version:
                outcome.skipped += 1
                continue
            state = copy.deepcopy(document) if document is not None else None
            try:
                new = self._projector.apply(state, envelope)
            except Exception as error:  # noqa: BLE001 - the projector refused this event
                outcome.dead_letters.append(DeadLetter(message, f"apply failed: {error!r}"))
                continue
            versions[envelope.stream_id] = envelope.stream_version
            new[VERSIONS] = versions
            new["_id"] = document_id
            changed[document_id] = new
            outcome.applied += 1
        if changed:
            await self._store.write(changed, {i for i in changed if i not in current})
        return outcome
