"""The compatibility check: additive changes pass, breaking ones fail unless they come as a new
version whose upcasters read the released one."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field

from ztc_shared.events import DomainEvent, EventRegistry
from ztc_tools.asyncapi import published_events
from ztc_tools.compat import breaking_changes, check, load_released, release, snapshot
from ztc_tools.compat.__main__ import main as compat_main

REPO = Path(__file__).resolve().parents[3]
RELEASED = REPO / "schemas" / "released"


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class ColourMore(StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class ColourLess(StrEnum):
    RED = "red"


def _model(version: int = 1, **fields: Any) -> type[DomainEvent]:
    """A ``ParcelShipped`` payload model of the given version and fields."""
    annotations = {name: spec[0] for name, spec in fields.items()}
    namespace: dict[str, Any] = {
        "__annotations__": {
            "event_type": ClassVar[str],
            "schema_version": ClassVar[int],
            "stream_type": ClassVar[str],
            **annotations,
        },
        "event_type": "ParcelShipped",
        "schema_version": version,
        "stream_type": "parcel",
        **{name: spec[1] for name, spec in fields.items() if len(spec) > 1},
    }
    return type("ParcelShipped", (DomainEvent,), namespace)


RELEASED_V1 = {
    "parcel_id": (str, Field(min_length=1)),
    "weight_kg": (int, Field(ge=0)),
    "colour": (Colour,),
    "note": (str, ""),
}


def _problems(new: type[DomainEvent], upcasters: dict[int, Any] | None = None) -> list[str]:
    old_registry = EventRegistry()
    old_registry.register(_model(**RELEASED_V1))
    released = [snapshot(e) for e in published_events(old_registry)]
    registry = EventRegistry()
    registry.register(new)
    for version, fn in (upcasters or {}).items():
        registry.upcaster("ParcelShipped", version)(fn)
    return [p.message for p in check(released, published_events(registry), registry)]


def test_the_same_schema_and_additive_changes_pass() -> None:
    assert _problems(_model(**RELEASED_V1)) == []
    more = {**RELEASED_V1, "carrier": (str | None, None), "colour": (ColourMore,)}
    assert _problems(_model(**more)) == []
    described = {**RELEASED_V1, "note": (str, Field(default="", description="备注 a note"))}
    assert _problems(_model(**described)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"weight_kg": None}, "payload.weight_kg: removed"),
        ({"weight_kg": (str,)}, "payload.weight_kg: type"),
        ({"carrier": (str,)}, "payload.carrier: new required property"),
        ({"note": (str,)}, "payload.note: optional before, now required"),
        ({"colour": (ColourLess,)}, "enum values removed"),
        ({"weight_kg": (int, Field(ge=1))}, "payload.weight_kg: minimum"),
        ({"note": (str | None, None)}, "payload.note: anyOf alternatives changed"),
    ],
)
def test_a_breaking_change_in_place_fails(change: dict[str, Any], expected: str) -> None:
    fields = {**RELEASED_V1, **change}
    fields = {name: spec for name, spec in fields.items() if spec is not None}
    problems = _problems(_model(**fields))
    assert problems, "the breaking change passed the check"
    assert any(expected in p for p in problems), problems


def test_a_breaking_change_as_a_new_version_needs_a_working_upcaster() -> None:
    v2 = {**RELEASED_V1, "weight_g": (int, Field(ge=0))}
    del v2["weight_kg"]
    [problem] = _problems(_model(version=2, **v2))
    assert "needs an upcaster chain from released v1" in problem

    def wrong(payload: dict[str, Any]) -> dict[str, Any]:
        return payload  # keeps weight_kg, never makes weight_g

    [problem] = _problems(_model(version=2, **v2), {1: wrong})
    assert "refused" in problem

    def grams(payload: dict[str, Any]) -> dict[str, Any]:
        payload["weight_g"] = payload.pop("weight_kg") * 1000
        return payload

    assert _problems(_model(version=2, **v2), {1: grams}) == []


def test_going_back_a_version_or_dropping_a_released_type_fails() -> None:
    old_registry = EventRegistry()
    old_registry.register(_model(version=2, **RELEASED_V1))
    released = [snapshot(e) for e in published_events(old_registry)]
    registry = EventRegistry()
    registry.register(_model(version=1, **RELEASED_V1))
    [problem] = check(released, published_events(registry), registry)
    assert "v2 was released" in problem.message
    [gone] = check(released, [], EventRegistry())
    assert gone.message == "released, but no longer registered"


def test_the_real_catalogue_is_compatible_with_its_release_and_a_real_edit_is_not() -> None:
    released = load_released(RELEASED)
    assert check(released) == []
    drafted = next(e for e in published_events() if e.event_type == "AchievementDrafted")
    assert (
        breaking_changes(
            next(
                r
                for r in released
                if r["event_type"] == "AchievementDrafted" and r["schema_version"] == 2
            )["schema"],
            drafted.payload_schema(),
        )
        == []
    )
    # v1 of AchievementDrafted is read through its upcaster: dropping it would break history.
    v1 = [
        r for r in released if r["event_type"] == "AchievementDrafted" and r["schema_version"] == 1
    ]
    assert v1 and "holder_id" not in v1[0]["schema"]["properties"]


def test_the_command_line_fails_on_a_breaking_snapshot_and_release_refuses(tmp_path: Path) -> None:
    released = tmp_path / "released"
    path = released / "AchievementSubmitted" / "v1.json"
    path.parent.mkdir(parents=True)
    original = json.loads((RELEASED / "AchievementSubmitted" / "v1.json").read_text("utf-8"))
    # As if the released v1 had a required field the current model has since lost.
    original["schema"]["properties"]["round_id"] = {"type": "string"}
    original["schema"]["required"] = ["round_id"]
    original["example"]["round_id"] = "r-1"
    path.write_text(json.dumps(original), encoding="utf-8")
    assert compat_main(["check", "--released", str(released)]) == 1
    assert compat_main(["release", "--released", str(released)]) == 1
    assert json.loads(path.read_text("utf-8")) == original  # nothing written over the release


def test_release_records_new_types_and_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    written = release(tmp_path)
    assert len(written) == len(published_events())
    assert release(tmp_path) == []
    assert check(load_released(tmp_path)) == []
