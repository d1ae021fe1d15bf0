"""The event envelope, the registry of event types, upcasting and the wire codec."""

from ztc_shared.events.codec import (
    decode_event,
    encode_event,
    envelope_from_document,
    envelope_to_document,
)
from ztc_shared.events.envelope import DomainEvent, EventEnvelope, new_envelope
from ztc_shared.events.registry import EVENTS, EventRegistry, UnknownEventType

__all__ = [
    "EVENTS",
    "DomainEvent",
    "EventEnvelope",
    "EventRegistry",
    "UnknownEventType",
    "decode_event",
    "encode_event",
    "envelope_from_document",
    "envelope_to_document",
    "new_envelope",
]
