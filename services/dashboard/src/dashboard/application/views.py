"""The dashboard's document projections: roadshows (their public pages and agendas), published
achievements (public fields only) and work notices. The calendar, the hosts and the cases that
need attention are lists in each scope's document, beside the counters (see ``facts``).

Pure: an event and a document in, the next document out; the
kernel's projection runner guards versions and writes.
"""

from __future__ import annotations

import re
from typing import Any

from dashboard.domain.regions import province_of
from ztc_shared.contracts import intake, notify, roadshow
from ztc_shared.contracts.intake import ALWAYS_PUBLIC, DETAIL_FIELDS
from ztc_shared.contracts.taxonomy import FIELD_NAMES, IndustryField
from ztc_shared.events import EVENTS, EventEnvelope
from ztc_shared.kafka import service_topic
from ztc_shared.projections import ProjectionDefinition

# Never shown to the public, whatever the holder marked (contact details, price, files).
NEVER_PUBLIC = frozenset({"contact", "asking_price_wan", "attachments", "confidential"})


def _field_names(field: str | None) -> dict[str, str]:
    try:
        return FIELD_NAMES[IndustryField(field or "")]
    except ValueError:
        return {"zh": field or "", "en": field or ""}


class RoadshowsProjector:
    def document_id(self, event: EventEnvelope) -> str | None:
        return event.stream_id if event.stream_type == roadshow.ROADSHOW_EVENT else None

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        payload = EVENTS.payload(event)
        if isinstance(payload, roadshow.RoadshowPlanned):
            data = payload.model_dump(mode="json")
            document = {
                **{k: data[k] for k in ("year", "host_id", "title", "fields", "venue", "format")},
                "region": payload.region,
                "province": province_of(payload.region),
                "event_date": data["event_date"],
                "capacity": payload.capacity,
                "livestream_url": payload.livestream_url,
                "agenda": data["agenda"],
                "status": "planned",
                "registration_open": False,
                "registered": 0,
                "pitches": [],
            }
        elif document is None:
            document = {"status": "unknown", "registered": 0, "pitches": [], "agenda": []}
        if isinstance(payload, roadshow.RegistrationOpened):
            document["registration_open"] = True
            document["closes_on"] = payload.closes_on.isoformat() if payload.closes_on else None
        elif isinstance(payload, roadshow.CompanyRegistered):
            document["registered"] = int(document.get("registered", 0)) + 1
        elif isinstance(payload, roadshow.RegistrationCancelled) and payload.promoted is None:
            document["registered"] = max(0, int(document.get("registered", 0)) - 1)
        elif isinstance(payload, roadshow.ShortlistReceived):
            document["pitches"] = [
                {"title": p.title, "institution": p.institution} for p in payload.pitches
            ]
        elif isinstance(payload, roadshow.RoadshowStarted):
            document["status"] = "live"
            document["registration_open"] = False
        elif isinstance(payload, roadshow.RoadshowConcluded):
            document["status"] = "concluded"
            document["registration_open"] = False
            document["attendees"] = payload.attendees
        document["updated_at"] = event.occurred_at
        return document


class PublicAchievementsProjector:
    """Only what may be disclosed is ever written here (信息公开): the always-public fields and the
    details the holder did not mark confidential; contacts, prices and files never."""

    def document_id(self, event: EventEnvelope) -> str | None:
        return event.stream_id if event.stream_type == intake.ACHIEVEMENT else None

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        payload = EVENTS.payload(event)
        if isinstance(payload, intake.AchievementDrafted):
            data = payload.model_dump(mode="json")
            hidden = set(payload.confidential) - ALWAYS_PUBLIC
            document = {
                "details": {
                    k: data[k]
                    for k in DETAIL_FIELDS
                    if k in data and k not in hidden and k not in NEVER_PUBLIC
                },
                "hidden": sorted(hidden),
                "region": province_of(event.region),
                "published": False,
            }
        elif document is None:
            raise ValueError(f"{event.event_type} of {event.stream_id}, which was never drafted")
        elif isinstance(payload, intake.AchievementUpdated):
            changes = dict(payload.changes)
            if "confidential" in changes:
                hidden = set(changes["confidential"] or []) - ALWAYS_PUBLIC
                document["hidden"] = sorted(hidden)
                for key in hidden:
                    document["details"].pop(key, None)
            for key, value in changes.items():
                if (
                    key in DETAIL_FIELDS
                    and key not in NEVER_PUBLIC
                    and key not in document.get("hidden", [])
                ):
                    document["details"][key] = value
            if payload.material:
                document["published"] = False  # back to evaluation until published again
        elif isinstance(payload, intake.AchievementPublished):
            document["published"] = True
            document["published_at"] = event.occurred_at
        elif isinstance(payload, intake.AchievementWithdrawn | intake.AchievementArchived):
            document["published"] = False
        details = document["details"]
        names = _field_names(details.get("field"))
        document["field_zh"], document["field_en"] = names["zh"], names["en"]
        # One lower-cased text to search in: the title, keywords, abstract and institution.
        document["search_text"] = " ".join(
            str(details.get(k) or "") if k != "keywords" else " ".join(details.get(k) or [])
            for k in ("title", "keywords", "abstract", "institution")
        ).lower()
        return document


class NoticesProjector:
    """Work notices (工作通知); the portal shows those meant for the public and companies."""

    def document_id(self, event: EventEnvelope) -> str | None:
        return event.stream_id if event.stream_type == notify.NOTICE else None

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        payload = EVENTS.payload(event)
        if not isinstance(payload, notify.NoticePublished):
            return document or {}
        audience = payload.audience
        return {
            "title": payload.title,
            "body": payload.body,
            "title_en": payload.title_en,
            "body_en": payload.body_en,
            "province": province_of(event.region),
            "published_at": event.occurred_at,
            "public": audience.roadshow_id is None
            and (not audience.roles or "company" in audience.roles),
        }


SERVICES = ("intake", "screening", "roadshow", "tracking", "notify")


def views(topics: tuple[str, ...]) -> dict[str, ProjectionDefinition]:
    """The document projections, all fed by the dashboard's one consumer of ``topics``."""
    return {
        "roadshows": ProjectionDefinition(
            "roadshows", topics, RoadshowsProjector, (("event_date", 1), ("province", 1))
        ),
        "achievements": ProjectionDefinition(
            "achievements", topics, PublicAchievementsProjector, (("published", 1),)
        ),
        "notices": ProjectionDefinition("notices", topics, NoticesProjector, (("public", 1),)),
    }


def province_topics(prefix: str) -> tuple[str, ...]:
    return tuple(service_topic(s, prefix) for s in SERVICES)


def national_pattern(prefix: str) -> str:
    """MirrorMaker 2 names a mirrored topic ``<source alias>.<topic>``: ``gd.ztc.intake.events``."""
    services = "|".join(SERVICES)
    return rf"^[a-z0-9_-]+\.{re.escape(prefix)}ztc\.({services})\.events$"
