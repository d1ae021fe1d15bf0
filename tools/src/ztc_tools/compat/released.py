"""The released-schema snapshot and the compatibility check against it.

"Released" means committed under ``schemas/released/<EventType>/v<N>.json`` by
``make release-schemas`` (``python -m ztc_tools.compat release``): each file holds the event type,
its version, stream type, topic, the payload's JSON Schema and a valid example payload of that
version. The check compares what the registry reads now with the newest released version of every
event type:

* an event type not released yet: fine (new types are additive);
* the same version: the schema change must be compatible (:mod:`ztc_tools.compat.rules`);
* a newer version: every released older version's example must upcast, through the registry's
  upcasters, to a payload the current model accepts;
* an older version, or a released type no longer registered: breaking.

Releasing runs the check first and refuses to write over a release with a breaking change.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ztc_shared.events import EVENTS, EventEnvelope, EventRegistry, UnknownEventType
from ztc_tools.asyncapi.catalogue import PublishedEvent, published_events
from ztc_tools.asyncapi.examples import payload_example
from ztc_tools.compat.rules import breaking_changes

RELEASED_DIR = Path("schemas/released")


@dataclass(frozen=True)
class Problem:
    event_type: str
    message: str

    def __str__(self) -> str:
        return f"{self.event_type}: {self.message}"


def snapshot(event: PublishedEvent) -> dict[str, Any]:
    """What a release records of the event type's current version."""
    return {
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        "stream_type": event.stream_type,
        "topic": event.topic,
        "summary": event.summary,
        "schema": event.payload_schema(),
        "example": payload_example(event.model),
    }


def snapshot_path(directory: Path, event_type: str, version: int) -> Path:
    return directory / event_type / f"v{version}.json"


def render_snapshot(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def load_released(directory: Path = RELEASED_DIR) -> list[dict[str, Any]]:
    """Every released snapshot, by event type and version."""
    if not directory.is_dir():
        return []
    found: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*/v*.json")):
        found.append(json.loads(path.read_text(encoding="utf-8")))
    return sorted(found, key=lambda s: (s["event_type"], int(s["schema_version"])))


def _upcasts(
    registry: EventRegistry, event: PublishedEvent, released: Mapping[str, Any]
) -> str | None:
    """Why the released version's example does not become a current payload (None: it does)."""
    envelope = EventEnvelope(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"compat:{event.event_type}"),
        event_type=event.event_type,
        schema_version=int(released["schema_version"]),
        stream_id="compat-check",
        stream_type=event.stream_type,
        stream_version=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        region="110000",
        actor="compat-check",
        correlation_id="compat-check",
        payload=dict(released["example"]),
    )
    try:
        registry.payload(envelope)
    except UnknownEventType as error:
        return str(error)
    except (ValidationError, ValueError) as error:
        return f"the upcast v{released['schema_version']} example is refused: {error}"
    return None


def check(
    released: list[dict[str, Any]],
    events: list[PublishedEvent] | None = None,
    registry: EventRegistry = EVENTS,
) -> list[Problem]:
    """Every breaking difference between the released snapshots and the registry now."""
    events = published_events(registry) if events is None else events
    current = {e.event_type: e for e in events}
    by_type: dict[str, dict[int, dict[str, Any]]] = {}
    for item in released:
        by_type.setdefault(item["event_type"], {})[int(item["schema_version"])] = item
    problems: list[Problem] = []
    for event_type, versions in sorted(by_type.items()):
        event = current.get(event_type)
        if event is None:
            problems.append(Problem(event_type, "released, but no longer registered"))
            continue
        latest = max(versions)
        if event.schema_version < latest:
            problems.append(
                Problem(
                    event_type, f"v{latest} was released; the model is at v{event.schema_version}"
                )
            )
            continue
        if event.schema_version == latest:
            problems.extend(
                Problem(event_type, f"v{latest}: {change}")
                for change in breaking_changes(versions[latest]["schema"], event.payload_schema())
            )
        for version, item in sorted(versions.items()):
            if version < event.schema_version:
                why = _upcasts(registry, event, item)
                if why is not None:
                    problems.append(
                        Problem(
                            event_type,
                            f"v{event.schema_version} needs an upcaster chain from released "
                            f"v{version}: {why}",
                        )
                    )
    return problems


def release(directory: Path = RELEASED_DIR) -> list[Path]:
    """Record the current version of every event type; refuses (``ValueError``) on a breaking
    change. Returns the files written (unchanged ones are left alone)."""
    problems = check(load_released(directory))
    if problems:
        raise ValueError("breaking changes:\n" + "\n".join(str(p) for p in problems))
    written: list[Path] = []
    for event in published_events():
        path = snapshot_path(directory, event.event_type, event.schema_version)
        text = render_snapshot(snapshot(event))
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
