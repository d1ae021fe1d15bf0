"""One envelope for every event, and the base class of every event payload."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

REGION_PATTERN = re.compile(r"^\d{6}$")


class DomainEvent(BaseModel):
    """The payload of an event: what was decided, in the past tense.

    Subclasses declare ``event_type`` (e.g. ``AchievementSubmitted``), ``schema_version`` and the
    ``stream_type`` of the aggregate that records them. They are frozen: an event is a fact.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    stream_type: ClassVar[str]


class EventEnvelope(BaseModel):
    """The published form of an event, identical on Kafka and in the event store.

    ``payload`` is the JSON form of the event's payload model (Decimals as strings, datetimes as ISO
    8601 with an offset), so that encoding and decoding round-trip exactly.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    event_type: str = Field(min_length=1)
    schema_version: int = Field(ge=1)
    stream_id: str = Field(min_length=1)
    stream_type: str = Field(min_length=1)
    stream_version: int = Field(ge=1)
    occurred_at: datetime
    region: str
    actor: str
    correlation_id: str
    causation_id: str | None = None
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a time zone")
        return value.astimezone(UTC)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not REGION_PATTERN.match(value):
            raise ValueError("region must be a six-digit GB/T 2260 code")
        return value


def new_envelope(
    event: DomainEvent,
    *,
    stream_id: str,
    stream_version: int,
    occurred_at: datetime,
    region: str,
    actor: str,
    correlation_id: str,
    causation_id: str | None = None,
    event_id: uuid.UUID | None = None,
) -> EventEnvelope:
    """Wrap a payload model in its envelope."""
    return EventEnvelope(
        event_id=event_id or uuid.uuid4(),
        event_type=event.event_type,
        schema_version=event.schema_version,
        stream_id=stream_id,
        stream_type=event.stream_type,
        stream_version=stream_version,
        occurred_at=occurred_at,
        region=region,
        actor=actor,
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=event.model_dump(mode="json"),
    )
