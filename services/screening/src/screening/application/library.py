"""The library projection: intake's achievements as screening needs them.

Pure: it turns an event and the current document into the next document. The projection runner
guards versions and writes; this module only knows the domain.
"""

from __future__ import annotations

from typing import Any

from ztc_shared.contracts.intake import (
    ACHIEVEMENT,
    ALWAYS_PUBLIC,
    AchievementAdmitted,
    AchievementDrafted,
    AchievementSubmitted,
    AchievementUpdated,
)
from ztc_shared.contracts.taxonomy import FIELD_NAMES, SUB_FIELDS
from ztc_shared.events import EVENTS, EventEnvelope
from ztc_shared.kafka import service_topic
from ztc_shared.projections import ProjectionDefinition

LIBRARY = "library"
# The status each event leaves the entry in; events not named here change only its version.
STATUS_AFTER = {
    "AchievementSubmitted": "submitted",
    "AchievementResubmitted": "submitted",
    "AchievementReturned": "returned",
    "EvaluationAssigned": "under_evaluation",
    "AchievementAdmitted": "admitted",
    "AchievementRejected": "rejected",
    "AchievementPublished": "published",
    "AchievementWithdrawn": "withdrawn",
    "AchievementArchived": "archived",
}


def _withheld(confidential: list[str]) -> set[str]:
    """The fields whose values the library never holds: those the holder keeps confidential (less
    what a listing cannot do without) and the contact person, which screening has no use for.
    Hosts, agencies and experts read the library; a value it does not hold cannot leak from it.
    A field the holder makes public again is held from its next change on (the value it had is
    not in the event)."""
    return (set(confidential) - ALWAYS_PUBLIC) | {"contact"}


class LibraryProjector:
    """Every event of an achievement moves its entry to that event's version, so a reader waiting
    for the version a command returned is never left waiting by an event the library ignores."""

    def document_id(self, event: EventEnvelope) -> str | None:
        if event.stream_type != ACHIEVEMENT:
            return None
        return event.stream_id

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        payload = EVENTS.payload(event)
        if isinstance(payload, AchievementDrafted):
            data = payload.model_dump(mode="json")
            withheld = _withheld(data.get("confidential", []))
            document = {
                **{k: v for k, v in data.items() if k not in withheld},
                "field_name": FIELD_NAMES[payload.field]["zh"],
                "sub_field_name": SUB_FIELDS[payload.field].get(payload.sub_field or ""),
                "region": event.region,
                "status": "draft",
                "drafted_at": event.occurred_at,
                "submitted_at": None,
            }
        elif document is None:
            raise ValueError(f"{event.event_type} of {event.stream_id}, which was never drafted")
        elif isinstance(payload, AchievementSubmitted):
            document["submitted_at"] = event.occurred_at
            document["call_id"] = payload.call_id
        elif isinstance(payload, AchievementUpdated):
            changes = dict(payload.changes)
            if "confidential" in changes:
                for name in _withheld(changes["confidential"]):
                    document.pop(name, None)
            withheld = _withheld(changes.get("confidential", document.get("confidential", [])))
            document.update({k: v for k, v in changes.items() if k not in withheld})
            if payload.material:
                document["status"] = "submitted"
        elif isinstance(payload, AchievementAdmitted):
            document["combined_score"] = str(payload.combined_score)
        if event.event_type in STATUS_AFTER:
            document["status"] = STATUS_AFTER[event.event_type]
        document["stream_version"] = event.stream_version
        document["updated_at"] = event.occurred_at
        return document


def library_definition(topic_prefix: str = "") -> ProjectionDefinition:
    return ProjectionDefinition(
        name=LIBRARY,
        topics=(service_topic("intake", topic_prefix),),
        projector=LibraryProjector,
        indexes=(("status", 1), ("submitted_at", -1), ("field", 1)),
    )


PROJECTIONS = {LIBRARY: library_definition}
