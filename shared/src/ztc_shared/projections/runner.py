"""Apply a batch of messages to a projection: exactly-once effect from at-least-once delivery.

The runner is independent of how messages arrive (the faust worker in production, a plain aiokafka
consumer for rebuilds, a list in unit tests). For one batch it loads every document the batch touches
in one query, applies the events in order in memory, skipping any event at or below the stream version
the document has already applied, and writes the changed documents in one ``bulk_write``. A message it
cannot decode or apply becomes a dead letter with its reason; the rest of the batch goes on.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from collections import Counter
from datetime import datetime
from typing import Any, Protocol

import structlog

from ztc_shared.events.codec import decode_event
from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry

log = structlog.get_logger()

VERSIONS = "_versions"
REVISION = "_rev"


@dataclass(frozen=True)
class Message:
    """A Kafka record as the runner sees it, whoever consumed it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class DeadLetter:
    message: Message
    reason: str


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

    async def write(
        self, documents: dict[str, dict[str, Any]], previous: dict[str, int | None]
    ) -> set[str]:
        """Write documents whose revision is still ``previous[id]``; return the ids that changed
        under us (another writer won) and were not written."""
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
        max_attempts: int = 5,
    ) -> None:
        self.name = name
        self._projector = projector
        self._store = store
        self._registry = registry
        self._max_attempts = max_attempts

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

        pending_ids = {document_id for document_id, _, _ in routed}
        for _attempt in range(self._max_attempts):
            if not pending_ids:
                break
            current = await self._store.load(sorted(pending_ids))
            previous = {i: (current[i].get(REVISION) if i in current else None) for i in pending_ids}
            changed: dict[str, dict[str, Any]] = {}
            applied: Counter[str] = Counter()
            skipped: Counter[str] = Counter()
            letters: dict[str, list[DeadLetter]] = {}
            for document_id, envelope, message in routed:
                if document_id not in pending_ids:
                    continue
                document = changed.get(document_id, current.get(document_id))
                versions: dict[str, int] = dict((document or {}).get(VERSIONS, {}))
                if versions.get(envelope.stream_id, 0) >= envelope.stream_version:
                    skipped[document_id] += 1
                    continue
                state = copy.deepcopy(document) if document is not None else None
                try:
                    new = self._projector.apply(state, envelope)
                except Exception as error:  # noqa: BLE001 - the projector refused this event
                    letters.setdefault(document_id, []).append(
                        DeadLetter(message, f"apply failed: {error!r}")
                    )
                    continue
                versions[envelope.stream_id] = envelope.stream_version
                new[VERSIONS] = versions
                new["_id"] = document_id
                new[REVISION] = (previous[document_id] or 0) + 1
                changed[document_id] = new
                applied[document_id] += 1
            conflicts = await self._store.write(changed, previous) if changed else set()
            for document_id in pending_ids - conflicts:
                outcome.applied += applied[document_id]
                outcome.skipped += skipped[document_id]
                outcome.dead_letters.extend(letters.get(document_id, []))
            if conflicts:
                # Another writer changed these documents (a rebalance overlap): reload and
                # reapply them; the version guard skips what the other writer applied.
                log.info("projection.write_conflict", projection=self.name, documents=len(conflicts))
            pending_ids = conflicts
        if pending_ids:
            raise RuntimeError(f"{self.name}: documents kept changing under the runner")
        return outcome
