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

from dashboard.domain.funnel import UNKNOWN, Entry, Fact, Stage
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


SUMMARY_STATES = {
    "SummaryDrafted": "drafted",
    "SummarySubmitted": "submitted",
    "SummaryAccepted": "accepted",
    "SummaryReturned": "returned",
}
CASE_PROGRESS = (
    tracking.ProgressReported,
    tracking.DealSigned,
    tracking.ProjectLanded,
    tracking.ProjectIndustrialised,
    tracking.CaseTerminated,
)


def entries_of(envelope: EventEnvelope, payload: DomainEvent) -> list[Entry]:
    """The rows this event sets in a scope's lists: the roadshow calendar, the year's hosts with
    their summaries, and the tracking cases that need attention."""
    match payload:
        case roadshow.RoadshowPlanned():
            province = province_of(payload.region)
            planned: dict[str, Any] = {
                "id": envelope.stream_id,
                "title": payload.title,
                "event_date": payload.event_date.isoformat(),
                "host_id": payload.host_id,
                "province": province,
                "capacity": payload.capacity,
                "fields": [f.value for f in payload.fields],
            }
            year = str(payload.event_date.year)
            return [Entry("calendar", province, envelope.stream_id, planned, bucket=year)]
        case roadshow.HostApplicationApproved() | roadshow.ProgrammeLaunched():
            hosts = (
                [(h, payload.province) for h in payload.confirmed_hosts]
                if isinstance(payload, roadshow.HostApplicationApproved)
                else [(h, h.province) for h in payload.hosts]
            )
            return [
                Entry(
                    "hosts",
                    province_of(province),
                    f"{payload.year}|{host.host_id}",
                    {
                        "year": payload.year,
                        "host_id": host.host_id,
                        "name": host.name,
                        "kind": host.kind.value,
                        "province": province_of(province),
                    },
                    merge=True,
                    bucket=str(payload.year),
                )
                for host, province in hosts
            ]
        case (
            tracking.SummaryDrafted()
            | tracking.SummarySubmitted()
            | tracking.SummaryAccepted()
            | tracking.SummaryReturned()
            | tracking.SummaryDue()
        ):
            province = province_of(payload.region)
            row: dict[str, Any] = {
                "year": payload.year,
                "host_id": payload.host_id,
                "province": province,
            }
            if isinstance(payload, tracking.SummaryDue):
                row["summary_deadline"] = payload.deadline.isoformat()
                if payload.overdue:
                    row["summary_overdue"] = True
            else:
                row["summary"] = SUMMARY_STATES[envelope.event_type]
            if isinstance(payload, tracking.SummarySubmitted):
                row["summary_overdue"] = payload.late
            if isinstance(payload, tracking.SummaryDrafted) and payload.host_name:
                row["name"] = payload.host_name
            key = f"{payload.year}|{payload.host_id}"
            return [Entry("hosts", province, key, row, merge=True, bucket=str(payload.year))]
        case tracking.FollowUpOverdue() | tracking.CaseStalled():
            province = province_of(payload.region)
            case_row: dict[str, Any] = {
                "case_id": envelope.stream_id,
                "achievement_id": payload.achievement_id,
                "title": payload.title,
                "host_id": payload.host_id,
                "stage": payload.stage.value,
                "province": province,
            }
            if isinstance(payload, tracking.FollowUpOverdue):
                case_row.update(overdue=True, days_overdue=payload.days_overdue)
                case_row["due_on"] = payload.due_on.isoformat()
            else:
                case_row.update(stalled=True)
                case_row["last_progress_on"] = payload.last_progress_on.isoformat()
            return [Entry("attention", province, envelope.stream_id, case_row, merge=True)]
        case _ if isinstance(payload, CASE_PROGRESS):
            # Progress clears the flags until the tracking service raises them again.
            region = str(envelope.payload.get("region") or envelope.region)
            return [Entry("attention", province_of(region), envelope.stream_id, None)]
    return []


def decode_payload(envelope: EventEnvelope) -> DomainEvent:
    return EVENTS.payload(envelope)
