"""From other services' events to funnel facts, and the few references facts need.

Pure. Later events of a project do not repeat what earlier ones said (an intent names the
achievement, not its field; a deal names its case, not its host), so the read model keeps small
*references* — an achievement's field, a round's host, a roadshow's host, a case's field and host —
written from the events that state them and read when a later event needs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from dashboard.domain.funnel import UNKNOWN, Fact, Stage
from dashboard.domain.regions import province_of
from ztc_shared.contracts import intake, roadshow, screening, tracking
from ztc_shared.events import EVENTS, DomainEvent, EventEnvelope

References = Mapping[str, Mapping[str, Any]]


def achievement_ref(achievement_id: str) -> str:
    return f"achievement:{achievement_id}"


def round_ref(round_id: str) -> str:
    return f"round:{round_id}"


def roadshow_ref(roadshow_id: str) -> str:
    return f"roadshow:{roadshow_id}"


def case_ref(case_id: str) -> str:
    return f"case:{case_id}"


def reference_updates(
    envelope: EventEnvelope, payload: DomainEvent
) -> list[tuple[str, dict[str, Any]]]:
    """What this event states that later events will need (each a ``$set``: stating it again is
    harmless)."""
    match payload:
        case intake.AchievementDrafted():
            return [(achievement_ref(envelope.stream_id), {"field": payload.field.value})]
        case intake.AchievementUpdated() if "field" in payload.changes:
            return [(achievement_ref(envelope.stream_id), {"field": str(payload.changes["field"])})]
        case screening.ScreeningRoundOpened():
            return [
                (
                    round_ref(envelope.stream_id),
                    {"host": payload.host_id or "", "roadshow": payload.roadshow_ref},
                )
            ]
        case screening.CandidateLonglisted():
            return [(achievement_ref(payload.achievement_id), {"field": payload.field.value})]
        case roadshow.RoadshowPlanned():
            return [(roadshow_ref(envelope.stream_id), {"host": payload.host_id})]
        case tracking.TrackingCaseOpened():
            return [
                (
                    case_ref(envelope.stream_id),
                    {
                        "host": payload.host_id,
                        "field": payload.field.value if payload.field else "",
                        "achievement": payload.achievement_id,
                    },
                )
            ]
    return []


def references_needed(envelope: EventEnvelope, payload: DomainEvent) -> set[str]:
    match payload:
        case intake.AchievementSubmitted() | intake.AchievementAdmitted():
            return {achievement_ref(envelope.stream_id)}
        case screening.CandidateLonglisted():
            return {round_ref(envelope.stream_id)}
        case screening.CandidateRemoved():
            return {round_ref(envelope.stream_id), achievement_ref(payload.achievement_id)}
        case screening.ShortlistFinalized():
            return {round_ref(envelope.stream_id)} | {achievement_ref(a) for a in payload.selected}
        case roadshow.IntentDeclared():
            return {roadshow_ref(envelope.stream_id), achievement_ref(payload.achievement_id)}
        case tracking.DealSigned() | tracking.ProjectLanded() | tracking.ProjectIndustrialised():
            return {case_ref(envelope.stream_id), achievement_ref(payload.achievement_id)}
    return set()


def _field(references: References, achievement_id: str) -> str:
    return str(references.get(achievement_ref(achievement_id), {}).get("field") or UNKNOWN)


def _case(references: References, envelope: EventEnvelope, achievement_id: str) -> tuple[str, str]:
    case = references.get(case_ref(envelope.stream_id), {})
    field = str(case.get("field") or "") or _field(references, achievement_id)
    return field, str(case.get("host") or "")


def facts_of(envelope: EventEnvelope, payload: DomainEvent, references: References) -> list[Fact]:
    """The funnel steps this event records (most events record none)."""
    region = province_of(envelope.region)
    year = envelope.occurred_at.year

    def fact(stage: Stage, field: str, host: str = "", **more: Any) -> Fact:
        return Fact(stage=stage, region=region, year=year, field=field, host=host, **more)

    match payload:
        case intake.AchievementSubmitted():
            return [fact(Stage.COLLECTED, _field(references, envelope.stream_id))]
        case intake.AchievementAdmitted():
            return [fact(Stage.ADMITTED, _field(references, envelope.stream_id))]
        case screening.CandidateLonglisted():
            host = str(references.get(round_ref(envelope.stream_id), {}).get("host") or "")
            return [fact(Stage.LONGLISTED, payload.field.value, host)]
        case screening.CandidateRemoved():
            host = str(references.get(round_ref(envelope.stream_id), {}).get("host") or "")
            field = _field(references, payload.achievement_id)
            return [fact(Stage.LONGLISTED, field, host, count=-1)]
        case screening.ShortlistFinalized():
            host = str(references.get(round_ref(envelope.stream_id), {}).get("host") or "")
            return [fact(Stage.ON_STAGE, _field(references, a), host) for a in payload.selected]
        case roadshow.IntentDeclared():
            host = str(references.get(roadshow_ref(envelope.stream_id), {}).get("host") or "")
            return [fact(Stage.INTENTS, _field(references, payload.achievement_id), host)]
        case tracking.DealSigned():
            field, host = _case(references, envelope, payload.achievement_id)
            return [fact(Stage.SIGNED, field, host, amount_wan=Decimal(payload.amount_wan))]
        case tracking.ProjectLanded():
            field, host = _case(references, envelope, payload.achievement_id)
            return [fact(Stage.LANDED, field, host, amount_wan=Decimal(payload.investment_wan))]
        case tracking.ProjectIndustrialised():
            field, host = _case(references, envelope, payload.achievement_id)
            amount = Decimal(payload.annual_revenue_wan)
            return [fact(Stage.INDUSTRIALISED, field, host, amount_wan=amount)]
    return []


def decode_payload(envelope: EventEnvelope) -> DomainEvent:
    return EVENTS.payload(envelope)
