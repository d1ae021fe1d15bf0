"""The write side's storage: one commit document per command, optimistic concurrency by unique index."""

from ztc_shared.eventstore.ports import (
    CommandStore,
    Commit,
    ConcurrencyConflict,
    EventStore,
    IdempotencyKeyReused,
    LoadedStream,
    Outbox,
    StreamReader,
)

__all__ = [
    "CommandStore",
    "Commit",
    "ConcurrencyConflict",
    "EventStore",
    "IdempotencyKeyReused",
    "LoadedStream",
    "Outbox",
    "StreamReader",
]
