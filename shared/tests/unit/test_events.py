"""The envelope round-trips exactly; old versions are upcast on read."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ztc_shared.contracts.intake import AchievementDrafted
from ztc_shared.events import (
    DomainEvent,
    EventRegistry,
    UnknownEventType,
    decode_event,
    encode_event,
    new_envelope,
)
from ztc_shared.testing.eventstore_contract import drafted


def envelope_of(event: DomainEvent, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "stream_id": "a-1",
        "stream_version": 1,
        "occurred_at": datetime(2026, 5, 4, 9, 15, 30, 654321, tzinfo=UTC),
        "region": "440000",
        "actor": "holder-1",
        "correlation_id": "c-1",
    }
    fields.update(overrides)
    return new_envelope(event, **fields)


def test_round_trip_is_exact_for_chinese_decimals_and_microseconds() -> None:
    envelope = envelope_of(drafted(asking_price_wan=Decimal("1234.5600")))
    data = encode_event(envelope)
    assert "一种高通量单细胞测序芯片".encode() in data  # Chinese kept as itself, not \u escapes
    decoded = decode_event(data)
    assert decoded == envelope
    payload = AchievementDrafted.model_validate(decoded.payload)
    assert payload.asking_price_wan == Decimal("1234.5600")
    assert str(payload.asking_price_wan) == "1234.5600"
    assert decoded.occurred_at.microsecond == 654321


def test_occurred_at_is_normalised_to_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    envelope = envelope_of(drafted(), occurred_at=datetime(2026, 5, 4, 17, 0, tzinfo=beijing))
    assert envelope.occurred_at == datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    assert envelope.occurred_at.utcoffset() == timedelta(0)


def test_naive_times_and_bad_regions_are_refused() -> None:
    with pytest.raises(ValidationError):
        envelope_of(drafted(), occurred_at=datetime(2026, 5, 4, 9, 0))
    with pytest.raises(ValidationError):
        envelope_of(drafted(), region="44")


def test_upcasters_chain_from_old_versions_on_read() -> None:
    registry = EventRegistry()

    @registry.register
    class PitchScored(DomainEvent):
        event_type = "PitchScored"
        schema_version = 3
        stream_type = "roadshow"
        score: Decimal
        dimension: str

    @registry.upcaster("PitchScored", 1)
    def v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
        return {"score": str(Decimal(payload.pop("points")) / 10)}

    @registry.upcaster("PitchScored", 2)
    def v2_to_v3(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "dimension": "技术先进性"}

    old = envelope_of(PitchScored(score=Decimal("0"), dimension="x")).model_copy(
        update={"schema_version": 1, "payload": {"points": 85}}
    )
    upgraded = decode_event(encode_event(old), registry)
    assert upgraded.schema_version == 3
    model = registry.payload(upgraded)
    assert isinstance(model, PitchScored)
    assert model.score == Decimal("8.5")
    assert model.dimension == "技术先进性"


def test_a_newer_version_than_the_reader_knows_is_refused() -> None:
    envelope = envelope_of(drafted())
    newer = envelope.model_copy(update={"schema_version": 9})
    with pytest.raises(UnknownEventType):
        decode_event(encode_event(newer))


def test_unknown_event_types_pass_through_untyped() -> None:
    envelope = envelope_of(drafted()).model_copy(
        update={"event_type": "SomethingNew", "payload": {"x": 1}}
    )
    decoded = decode_event(encode_event(envelope))
    assert decoded.event_type == "SomethingNew"
    with pytest.raises(UnknownEventType):
        EventRegistry().payload(decoded)


def test_registering_two_models_for_one_type_is_refused() -> None:
    registry = EventRegistry()

    class A(DomainEvent):
        event_type = "Same"
        stream_type = "s"

    class B(DomainEvent):
        event_type = "Same"
        stream_type = "s"

    registry.register(A)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(B)
