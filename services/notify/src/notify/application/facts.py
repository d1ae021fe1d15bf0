"""What notify remembers of other services' events to address its messages (a projection).

Events name accounts only where they were decided: ``AchievementReturned`` says which achievement,
not whose; ``MeetingScheduleFinalized`` says how many meetings, not which. Notify keeps the few
facts it needs — an achievement's holder and title, a roadshow's host, title and registrants, a
screening round's roadshow, a meetings stream's slots, project holders and schedule — as projected
documents, applied idempotently by the kernel's projection runner (one document per stream).
"""

from __future__ import annotations

from typing import Any, Protocol

from ztc_shared.events import EventEnvelope
from ztc_shared.projections.runner import ProjectionStore

FACT_EVENTS = frozenset(
    {
        "AchievementDrafted",
        "AchievementUpdated",
        "RoadshowPlanned",
        "CompanyRegistered",
        "RegistrationApproved",
        "RegistrationDeclined",
        "RegistrationCancelled",
        "ScreeningRoundOpened",
        "MeetingSlotsDeclared",
        "MeetingScheduleProposed",
        "MeetingMoved",
        "MeetingCancelled",
    }
)


def achievement_fact(achievement_id: str) -> str:
    return f"achievement:{achievement_id}"


def roadshow_fact(roadshow_id: str) -> str:
    return f"roadshow:{roadshow_id}"


def round_fact(round_id: str) -> str:
    return f"round:{round_id}"


def meetings_fact(meetings_stream_id: str) -> str:
    return f"meetings:{meetings_stream_id}"


class Facts(Protocol):
    async def get(self, fact_id: str) -> dict[str, Any] | None: ...


class StoredFacts:
    """Facts read from the projection's store (MongoDB, or the kernel's in-memory store)."""

    def __init__(self, store: ProjectionStore) -> None:
        self._store = store

    async def get(self, fact_id: str) -> dict[str, Any] | None:
        return (await self._store.load([fact_id])).get(fact_id)


class FactsProjector:
    def document_id(self, event: EventEnvelope) -> str | None:
        if event.event_type not in FACT_EVENTS:
            return None
        if event.stream_type == "achievement":
            return achievement_fact(event.stream_id)
        if event.stream_type == "roadshow_event":
            return roadshow_fact(event.stream_id)
        if event.stream_type == "screening_round":
            return round_fact(event.stream_id)
        if event.stream_type == "roadshow_meetings":
            return meetings_fact(event.stream_id)
        return None

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        doc = document or {}
        p = event.payload
        match event.event_type:
            case "AchievementDrafted":
                doc.update(
                    holder_id=p.get("holder_id"),
                    title=p["title"],
                    institution=p.get("institution", ""),
                )
            case "AchievementUpdated":
                if "title" in p.get("changes", {}):
                    doc["title"] = p["changes"]["title"]
            case "RoadshowPlanned":
                doc.update(
                    host_id=p["host_id"],
                    title=p["title"],
                    region=p["region"],
                    event_date=p["event_date"],
                    venue=p.get("venue", ""),
                )
            case "CompanyRegistered":
                companies = doc.setdefault("companies", {})
                companies[p["company_id"]] = {
                    "name": p["name"],
                    "registered_by": p["registered_by"],
                    "status": "registered",
                }
            case "RegistrationApproved" | "RegistrationDeclined" | "RegistrationCancelled":
                status = {
                    "RegistrationApproved": "approved",
                    "RegistrationDeclined": "declined",
                    "RegistrationCancelled": "cancelled",
                }[event.event_type]
                companies = doc.setdefault("companies", {})
                companies.setdefault(p["company_id"], {})["status"] = status
                if p.get("waitlisted"):
                    companies[p["company_id"]]["status"] = "waitlisted"
                if p.get("promoted"):
                    companies.setdefault(p["promoted"], {})["status"] = "approved"
            case "ScreeningRoundOpened":
                doc.update(
                    roadshow_id=p["roadshow_ref"], title=p["title"], host_id=p.get("host_id")
                )
            case "MeetingSlotsDeclared":
                doc.update(
                    roadshow_id=p["roadshow_id"],
                    starts_at=p["starts_at"],
                    slot_minutes=p["slot_minutes"],
                    slots=p["slots"],
                    holders=p.get("holders", {}),
                )
            case "MeetingScheduleProposed":
                doc["meetings"] = [
                    {k: m[k] for k in ("company_id", "achievement_id", "slot", "table")}
                    for m in p["meetings"]
                ]
            case "MeetingMoved":
                for meeting in doc.get("meetings", []):
                    if (meeting["company_id"], meeting["achievement_id"]) == (
                        p["company_id"],
                        p["achievement_id"],
                    ):
                        meeting.update(slot=p["to_slot"], table=p["table"])
            case "MeetingCancelled":
                doc["meetings"] = [
                    m
                    for m in doc.get("meetings", [])
                    if (m["company_id"], m["achievement_id"])
                    != (p["company_id"], p["achievement_id"])
                ]
        return doc
