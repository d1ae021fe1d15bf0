"""Bytes on Kafka and documents in MongoDB: both carry the envelope's JSON form, so both round-trip."""

from __future__ import annotations

import json
from typing import Any

from ztc_shared.events.envelope import EventEnvelope
from ztc_shared.events.registry import EVENTS, EventRegistry


def encode_event(envelope: EventEnvelope) -> bytes:
    """UTF-8 JSON, Chinese text kept as itself (not ``\\u`` escapes)."""
    return json.dumps(
        envelope.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def decode_event(data: bytes, registry: EventRegistry = EVENTS) -> EventEnvelope:
    """Parse and upcast. Raises ``ValueError`` (or pydantic's ``ValidationError``) on bad input."""
    envelope = EventEnvelope.model_validate_json(data)
    return registry.upcast(envelope)


def envelope_to_document(envelope: EventEnvelope) -> dict[str, Any]:
    return envelope.model_dump(mode="json")


def envelope_from_document(
    document: dict[str, Any], registry: EventRegistry = EVENTS
) -> EventEnvelope:
    return registry.upcast(EventEnvelope.model_validate(document))
