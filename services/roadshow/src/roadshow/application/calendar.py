"""The roadshow calendar (路演日历): one document per roadshow, from roadshow's own topic.

What hosts, companies and the public look for across roadshows — title, host, region, date, venue,
format, capacity and agenda, the status and its Chinese name, seats taken and the waiting list, the
projects on stage and, once concluded, the outcome figures — without loading every roadshow's
stream. The projector is pure; the runner guards versions and writes. Events of other streams (the
review, the meetings, the online channel, the year's programme) are not its business.
"""

from __future__ import annotations

from typing import Any

from roadshow.domain.roadshow_event import STATUS_NAMES, EventStatus
from ztc_shared.contracts.roadshow import (
    FORMAT_NAMES,
    ROADSHOW_EVENT,
    CoachingSessionHeld,
    CompanyRegistered,
    IntentDeclared,
    RegistrationApproved,
    RegistrationCancelled,
    RegistrationDeclined,
    RegistrationOpened,
    RoadshowConcluded,
    RoadshowPlanned,
    RoadshowStarted,
    ShortlistReceived,
)
from ztc_shared.events import EVENTS, EventEnvelope
from ztc_shared.kafka import service_topic
from ztc_shared.projections import ProjectionDefinition

CALENDAR = "calendar"

# Fields anyone may read (the plan is public: 信息公开); seats are counts, never who.
PUBLIC_KEYS = (
    "_id",
    "year",
    "title",
    "host_id",
    "region",
    "fields",
    "industry_needs",
    "event_date",
    "venue",
    "format",
    "format_name",
    "livestream_url",
    "capacity",
    "agenda",
    "status",
    "status_name",
    "confirmed",
    "waitlisted",
    "seats_left",
    "pitches",
    "intents",
    "outcome",
    "updated_at",
)


def _status(document: dict[str, Any], status: EventStatus) -> None:
    document["status"] = status.value
    document["status_name"] = STATUS_NAMES[status]


def _count_seats(document: dict[str, Any]) -> None:
    seats: dict[str, str] = document["seats"]
    document["confirmed"] = sum(1 for s in seats.values() if s == "confirmed")
    document["waitlisted"] = sum(1 for s in seats.values() if s == "waitlisted")
    document["seats_left"] = max(document["capacity"] - document["confirmed"], 0)


class CalendarProjector:
    def document_id(self, event: EventEnvelope) -> str | None:
        return event.stream_id if event.stream_type == ROADSHOW_EVENT else None

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        payload = EVENTS.payload(event)
        if isinstance(payload, RoadshowPlanned):
            plan = payload.model_dump(mode="json")
            document = {
                **plan,
                "format_name": FORMAT_NAMES[payload.format],
                "seats": {},
                "pitches": [],
                "intents": 0,
                "outcome": None,
            }
            _status(document, EventStatus.PLANNED)
            _count_seats(document)
        elif document is None:
            raise ValueError(f"{event.event_type} before RoadshowPlanned on {event.stream_id}")
        elif isinstance(payload, RegistrationOpened):
            _status(document, EventStatus.REGISTRATION_OPEN)
        elif isinstance(payload, CompanyRegistered):
            document["seats"][payload.company_id] = "pending"
        elif isinstance(payload, RegistrationApproved):
            seat = "waitlisted" if payload.waitlisted else "confirmed"
            document["seats"][payload.company_id] = seat
        elif isinstance(payload, RegistrationDeclined):
            document["seats"][payload.company_id] = "declined"
        elif isinstance(payload, RegistrationCancelled):
            document["seats"][payload.company_id] = "cancelled"
            if payload.promoted:
                document["seats"][payload.promoted] = "confirmed"
        elif isinstance(payload, ShortlistReceived):
            document["pitches"] = [
                {"achievement_id": p.achievement_id, "title": p.title, "institution": p.institution}
                for p in payload.pitches
            ]
            _status(document, EventStatus.SHORTLIST_RECEIVED)
        elif isinstance(payload, RoadshowStarted):
            _status(document, EventStatus.LIVE)
        elif isinstance(payload, IntentDeclared):
            document["intents"] += 1
        elif isinstance(payload, RoadshowConcluded):
            document["outcome"] = {
                "pitches": len(payload.pitches),
                "attendees": payload.attendees,
                "szse_invited_attendees": payload.szse_invited_attendees,
                "intents": sum(len(p.intents) for p in payload.pitches),
                "meetings_held": sum(p.meetings_held for p in payload.pitches),
                "online_channel": len(payload.online_channel),
            }
            _status(document, EventStatus.CONCLUDED)
        elif isinstance(payload, CoachingSessionHeld):
            _status(document, EventStatus.COACHING)
        _count_seats(document)
        document["updated_at"] = event.occurred_at
        return document


def calendar_definition(topic_prefix: str = "") -> ProjectionDefinition:
    return ProjectionDefinition(
        name=CALENDAR,
        topics=(service_topic("roadshow", topic_prefix),),
        projector=CalendarProjector,
        indexes=(("event_date", 1), ("year", 1), ("status", 1)),
    )


PROJECTIONS = {CALENDAR: calendar_definition}
