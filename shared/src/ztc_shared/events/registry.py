"""Which payload model reads which event type, and how old versions become new ones on read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ztc_shared.events.envelope import DomainEvent, EventEnvelope

E = TypeVar("E", bound=type[DomainEvent])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    """No payload model is registered for an event type (a newer producer, or a typo)."""


class EventRegistry:
    """Event types, their current payload models, and upcasters from each old version to the next.

    A published schema never changes in place: a change that would break a consumer comes as a new
    ``schema_version`` of the model plus an upcaster from the previous version, chained on read.
    """

    def __init__(self) -> None:
        self._models: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, model: E) -> E:
        """Register a payload model (usable as a class decorator)."""
        existing = self._models.get(model.event_type)
        if existing is not None and existing is not model:
            raise ValueError(f"event type {model.event_type} is already registered")
        self._models[model.event_type] = model
        return model

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register ``fn`` turning the payload of ``from_version`` into that of ``from_version + 1``."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = fn
            return fn

        return decorate

    def model(self, event_type: str) -> type[DomainEvent]:
        try:
            return self._models[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def upcast(self, envelope: EventEnvelope) -> EventEnvelope:
        """Bring an envelope's payload up to the current version of its model."""
        if envelope.event_type not in self._models:
            return envelope
        target = self._models[envelope.event_type].schema_version
        version, payload = envelope.schema_version, envelope.payload
        if version > target:
            raise UnknownEventType(
                f"{envelope.event_type} v{version} is newer than this reader's v{target}"
            )
        while version < target:
            step = self._upcasters.get((envelope.event_type, version))
            if step is None:
                raise UnknownEventType(f"no upcaster for {envelope.event_type} v{version}")
            payload = step(dict(payload))
            version += 1
        if version == envelope.schema_version:
            return envelope
        return envelope.model_copy(update={"schema_version": version, "payload": payload})

    def payload(self, envelope: EventEnvelope) -> DomainEvent:
        """The typed payload of an envelope, upcast to the current version."""
        current = self.upcast(envelope)
        return self.model(current.event_type).model_validate(current.payload)


EVENTS = EventRegistry()
"""The registry every service shares: ``ztc_shared.contracts`` registers the published events in it."""
