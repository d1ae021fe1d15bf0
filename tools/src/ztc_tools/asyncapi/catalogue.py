"""Every published event type, found in the shared registry, with its topic and JSON Schema.

Nothing here is listed by hand: importing :mod:`ztc_shared.contracts` registers every service's
payload models in :data:`ztc_shared.events.EVENTS`, and this module walks the payload classes that
the registry answers for. A contract module names its topic in ``TOPIC`` (``ztc.<service>.events``);
a module without one is taken to publish on ``ztc.<module name>.events``.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass
from typing import Any

from ztc_shared.events import EVENTS, DomainEvent, EventRegistry, UnknownEventType
from ztc_shared.kafka.topics import service_topic


@dataclass(frozen=True)
class PublishedEvent:
    """One event type as it is published now: its current payload model and where it goes."""

    event_type: str
    schema_version: int
    stream_type: str
    service: str
    topic: str
    model: type[DomainEvent]

    @property
    def summary(self) -> str:
        """The first paragraph of the model's docstring (what was decided)."""
        doc = inspect.getdoc(self.model) or self.event_type
        return " ".join(doc.split("\n\n")[0].split())

    @property
    def description(self) -> str:
        return inspect.getdoc(self.model) or ""

    def payload_schema(self) -> dict[str, Any]:
        """The payload's JSON Schema (validation mode: what a reader of this version accepts)."""
        return self.model.model_json_schema()


def _subclasses(base: type[DomainEvent]) -> list[type[DomainEvent]]:
    found: list[type[DomainEvent]] = []
    for cls in base.__subclasses__():
        found.append(cls)
        found.extend(_subclasses(cls))
    return found


def published_events(registry: EventRegistry = EVENTS) -> list[PublishedEvent]:
    """Every event type the registry reads, ordered by topic and then as declared in its module."""
    importlib.import_module("ztc_shared.contracts")
    found: dict[str, PublishedEvent] = {}
    order: dict[str, tuple[str, int]] = {}
    for cls in _subclasses(DomainEvent):
        event_type = getattr(cls, "event_type", None)
        if not isinstance(event_type, str):
            continue
        try:
            registered = registry.model(event_type)
        except UnknownEventType:
            continue
        if registered is not cls:
            continue
        module = sys.modules[cls.__module__]
        service = cls.__module__.rsplit(".", 1)[-1]
        topic = getattr(module, "TOPIC", None) or service_topic(service)
        found[event_type] = PublishedEvent(
            event_type=event_type,
            schema_version=cls.schema_version,
            stream_type=cls.stream_type,
            service=service,
            topic=topic,
            model=cls,
        )
        position = list(vars(module)).index(cls.__name__) if cls.__name__ in vars(module) else 0
        order[event_type] = (topic, position)
    return sorted(found.values(), key=lambda e: (*order[e.event_type], e.event_type))
