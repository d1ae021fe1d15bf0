"""The write side's storage: one commit document per command, optimistic concurrency by unique index."""

from ztc_shared.eventstore.ports import (
    Commit,
    ConcurrencyConflict,
    EventStore,
    IdempotencyKeyReused,
    LoadedStream,
    StreamReader,
)

__all__ = [
    "Commit",
    "ConcurrencyConflict",
    "EventStore",
    "IdempotencyKeyReused",
    "LoadedStream",
    "StreamReader",
]
