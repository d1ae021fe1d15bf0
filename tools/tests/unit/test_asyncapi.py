"""The AsyncAPI event catalogue: generated from the registry, valid, with valid examples."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field, field_validator

from ztc_shared.contracts.identifiers import CREDIT_CODE_PATTERN
from ztc_shared.events import EVENTS, DomainEvent, EventRegistry
from ztc_tools.asyncapi import build_document, published_events, render_html, validate_document
from ztc_tools.asyncapi.__main__ import main as asyncapi_main
from ztc_tools.asyncapi.examples import payload_example, string_for_pattern
from ztc_tools.compat.released import load_released

REPO = Path(__file__).resolve().parents[3]
RELEASED = REPO / "schemas" / "released"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Any]:
    """The document as ``make docs`` builds it (built once: tests that change it copy it)."""
    return build_document(load_released(RELEASED))


def test_every_registered_event_is_a_current_message_with_a_valid_example(
    catalogue: dict[str, Any],
) -> None:
    document = catalogue
    messages = document["components"]["messages"]
    events = published_events()
    assert {"AchievementDrafted", "ScreeningRoundOpened", "RoadshowPlanned"} <= {
        e.event_type for e in events
    }
    for event in events:
        message = messages[f"{event.event_type}.v{event.schema_version}"]
        assert message["x-current"] is True
        assert "x-example-missing" not in message, message["x-example-missing"]
        [example] = message["examples"]
        assert example["payload"]["event_type"] == event.event_type
        assert example["headers"]["schema_version"] == str(event.schema_version)
        event.model.model_validate(example["payload"]["payload"])
        channel = next(c for c in document["channels"].values() if c["address"] == event.topic)
        assert f"{event.event_type}.v{event.schema_version}" in channel["messages"]
    assert validate_document(document) == []


def test_older_released_versions_are_listed_as_superseded(catalogue: dict[str, Any]) -> None:
    document = catalogue
    old = document["components"]["messages"]["AchievementDrafted.v1"]
    assert old["x-current"] is False
    assert "upcasters" in old["description"]
    channel = document["channels"]["intakeEvents"]
    assert {"AchievementDrafted.v1", "AchievementDrafted.v2"} <= set(channel["messages"])


def test_validation_catches_a_broken_document_and_a_wrong_example(
    catalogue: dict[str, Any],
) -> None:
    document = catalogue
    broken = copy.deepcopy(document)
    next(iter(broken["operations"].values()))["action"] = "publish"  # AsyncAPI 2 wording
    assert any("operations" in p for p in validate_document(broken))
    wrong = copy.deepcopy(document)
    message = wrong["components"]["messages"]["AchievementSubmitted.v1"]
    message["examples"][0]["payload"]["schema_version"] = 7
    assert any("AchievementSubmitted.v1 example payload" in p for p in validate_document(wrong))


class GadgetInvented(DomainEvent):
    """A gadget was invented (an event only this test registers)."""

    event_type: ClassVar[str] = "GadgetInvented"
    schema_version: ClassVar[int] = 3
    stream_type: ClassVar[str] = "gadget"

    name: str = Field(min_length=4, max_length=10)
    company: str = Field(pattern=CREDIT_CODE_PATTERN, examples=["91350100M000100Y43"])
    serial: str = Field(pattern=r"^G-\d{4}[A-F]{2}$")
    count: int = Field(ge=5, le=9)


def test_a_newly_registered_event_is_picked_up_without_listing_it() -> None:
    registry = EventRegistry()
    registry.register(GadgetInvented)
    events = published_events(registry)
    assert [e.event_type for e in events] == ["GadgetInvented"]
    document = build_document(events=events)
    message = document["components"]["messages"]["GadgetInvented.v3"]
    payload = message["examples"][0]["payload"]["payload"]
    assert payload["company"] == "91350100M000100Y43"
    assert re.fullmatch(r"G-\d{4}[A-F]{2}", payload["serial"])
    assert 4 <= len(payload["name"]) <= 10 and payload["count"] == 5
    assert validate_document(document) == []


def test_examples_are_deterministic_and_patterns_are_matched() -> None:
    for event in published_events():
        assert payload_example(event.model) == payload_example(event.model)
    code = string_for_pattern(CREDIT_CODE_PATTERN)
    assert re.fullmatch(CREDIT_CODE_PATTERN, code)
    assert re.fullmatch(r"^\d{2}:\d{2}$", string_for_pattern(r"^\d{2}:\d{2}$"))


def test_the_page_shows_every_message_escaped(catalogue: dict[str, Any]) -> None:
    document = catalogue
    page = render_html(document)
    assert page.startswith("<!DOCTYPE html>")
    for key in document["components"]["messages"]:
        assert f'id="{key}"' in page
    assert "<script" not in page


def test_check_fails_on_a_stale_catalogue_and_passes_after_build(tmp_path: Path) -> None:
    out = tmp_path / "asyncapi"
    assert asyncapi_main(["check", "--out", str(out), "--released", str(RELEASED)]) == 1
    assert asyncapi_main(["build", "--out", str(out), "--released", str(RELEASED)]) == 0
    assert asyncapi_main(["check", "--out", str(out), "--released", str(RELEASED)]) == 0
    document = json.loads((out / "asyncapi.json").read_text(encoding="utf-8"))
    document["info"]["version"] = "0.0.0"
    (out / "asyncapi.json").write_text(json.dumps(document), encoding="utf-8")
    assert asyncapi_main(["check", "--out", str(out), "--released", str(RELEASED)]) == 1


def test_the_shared_registry_is_not_touched_by_test_events() -> None:
    assert "GadgetInvented" not in {e.event_type for e in published_events(EVENTS)}


class RiddleSolved(DomainEvent):
    """Its validator wants what no schema says (an event only this test registers)."""

    event_type: ClassVar[str] = "RiddleSolved"
    stream_type: ClassVar[str] = "riddle"

    answer: str = Field(min_length=1)

    @field_validator("answer")
    @classmethod
    def _only_one(cls, value: str) -> str:
        if value != "四十二":
            raise ValueError("wrong answer")
        return value


def test_an_event_without_a_possible_example_is_named_and_the_document_stays_valid() -> None:
    registry = EventRegistry()
    registry.register(RiddleSolved)
    document = build_document(events=published_events(registry))
    message = document["components"]["messages"]["RiddleSolved.v1"]
    assert "examples" not in message
    assert "wrong answer" in message["x-example-missing"]
    assert validate_document(document) == []
