"""An aggregate records events; its state is the fold of its events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Self

from ztc_shared.events.envelope import DomainEvent


class Aggregate:
    """Base for event-sourced aggregates.

    A command method checks the rules against the current state and calls ``_record`` with the event
    that says what was decided; ``_record`` applies it (``_when_<EventType>``) and keeps it as pending.
    Rehydration applies stored events the same way, so state is always the fold of the events.
    """

    stream_type: ClassVar[str]

    def __init__(self, stream_id: str) -> None:
        self.id = stream_id
        self.version = 0
        self._pending: list[DomainEvent] = []

    @classmethod
    def rehydrate(cls, stream_id: str, events: Iterable[DomainEvent]) -> Self:
        aggregate = cls(stream_id)
        for event in events:
            aggregate._apply(event)
            aggregate.version += 1
        return aggregate

    @property
    def exists(self) -> bool:
        return self.version > 0 or bool(self._pending)

    def pending_events(self) -> list[DomainEvent]:
        return list(self._pending)

    def _record(self, event: DomainEvent) -> None:
        self._apply(event)
        self._pending.append(event)

    def _apply(self, event: DomainEvent) -> None:
        handler = getattr(self, f"_when_{event.event_type}", None)
        if handler is None:
            raise TypeError(f"{type(self).__name__} cannot apply {event.event_type}")
        handler(event)
