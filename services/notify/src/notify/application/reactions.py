"""Which event tells whom what: the one table of notify's reactions.

Each row names the causing event type, the message template, its topic (what people mute) and
whether it is essential (cannot be muted), and a function that finds the recipients — from the
event itself or from the facts notify keeps (``facts.py``) — with what each of them needs to read.
Events of services not yet published are mapped by type name: the row works once they appear.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from notify.application.facts import (
    Facts,
    achievement_fact,
    meetings_fact,
    roadshow_fact,
    round_fact,
)
from notify.domain.recipients import Topic
from ztc_shared.events import EventEnvelope


@dataclass(frozen=True)
class Audience:
    """Who receives one event's message: named recipients, each with a context of their own, and
    everyone of ``roles`` in ``regions`` from the directory (when either is given)."""

    recipients: dict[str, dict[str, Any]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


Finder = Callable[[EventEnvelope, Facts], Awaitable[Audience]]


@dataclass(frozen=True)
class Reaction:
    template: str
    topic: Topic
    essential: bool | None  # None: the event says (a notice's ``essential``)
    find: Finder


async def _title(facts: Facts, achievement_id: str) -> str:
    fact = await facts.get(achievement_fact(achievement_id))
    return str((fact or {}).get("title") or achievement_id)


async def _roadshow(facts: Facts, roadshow_id: str) -> dict[str, Any]:
    return await facts.get(roadshow_fact(roadshow_id)) or {}


async def returned_to_holder(event: EventEnvelope, facts: Facts) -> Audience:
    fact = await facts.get(achievement_fact(event.stream_id)) or {}
    holder = fact.get("holder_id")
    context = {"title": fact.get("title") or event.stream_id, "reasons": event.payload["reasons"]}
    return Audience(recipients={holder: {}} if holder else {}, context=context)


async def longlist_to_companies(event: EventEnvelope, facts: Facts) -> Audience:
    round_ = await facts.get(round_fact(event.stream_id)) or {}
    context = {
        "round_title": round_.get("title", ""),
        "candidates": len(event.payload["candidate_ids"]),
    }
    return Audience(recipients={c: {} for c in event.payload["company_ids"]}, context=context)


async def shortlist_to_selected_holders(event: EventEnvelope, facts: Facts) -> Audience:
    round_ = await facts.get(round_fact(event.stream_id)) or {}
    recipients: dict[str, dict[str, Any]] = {}
    for achievement_id in event.payload["selected"]:
        fact = await facts.get(achievement_fact(achievement_id)) or {}
        holder = fact.get("holder_id")
        if holder:
            titles = recipients.setdefault(holder, {"titles": []})["titles"]
            titles.append(fact.get("title") or achievement_id)
    return Audience(recipients=recipients, context={"round_title": round_.get("title", "")})


async def registration_to_company(event: EventEnvelope, facts: Facts) -> Audience:
    roadshow = await _roadshow(facts, event.stream_id)
    context = {
        "roadshow_title": roadshow.get("title", ""),
        "event_date": roadshow.get("event_date", ""),
        "venue": roadshow.get("venue", ""),
        "waitlisted": event.payload.get("waitlisted", False),
        "waitlist_position": event.payload.get("waitlist_position"),
        "reason": event.payload.get("reason", ""),
    }
    return Audience(recipients={event.payload["company_id"]: {}}, context=context)


def _clock(starts_at: str, slot_minutes: int, slot: int) -> str:
    hours, minutes = (int(x) for x in starts_at.split(":"))
    start = hours * 60 + minutes + slot * slot_minutes
    end = start + slot_minutes
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


async def schedule_to_each_party(event: EventEnvelope, facts: Facts) -> Audience:
    """Every company and every project holder of the final schedule, each with their agenda."""
    meetings = await facts.get(meetings_fact(event.stream_id)) or {}
    roadshow = await _roadshow(facts, str(meetings.get("roadshow_id", "")))
    companies: dict[str, Any] = roadshow.get("companies", {})
    holders: dict[str, str] = meetings.get("holders", {})
    agendas: dict[str, list[dict[str, Any]]] = {}
    for meeting in sorted(meetings.get("meetings", []), key=lambda m: (m["slot"], m["table"])):
        when = _clock(meetings["starts_at"], meetings["slot_minutes"], meeting["slot"])
        title = await _title(facts, meeting["achievement_id"])
        company = companies.get(meeting["company_id"], {}).get("name") or meeting["company_id"]
        common = {"time": when, "table": meeting["table"]}
        agendas.setdefault(meeting["company_id"], []).append(
            {**common, "counterpart": title, "project": ""}
        )
        holder = holders.get(meeting["achievement_id"])
        if holder:
            agendas.setdefault(holder, []).append(
                {**common, "counterpart": company, "project": title}
            )
    return Audience(
        recipients={party: {"agenda": agenda} for party, agenda in agendas.items()},
        context={
            "roadshow_title": roadshow.get("title", ""),
            "event_date": roadshow.get("event_date", ""),
        },
    )


# Who the launch notice mobilises (组织动员), as roles of the platform.
LAUNCH_AUDIENCE_ROLES = {
    "researchers": ("holder", "support_org"),
    "companies": ("company",),
    "parks": ("company",),
    "agencies": ("support_org",),
}


async def launch_to_audiences(event: EventEnvelope, facts: Facts) -> Audience:
    roles = sorted({r for a in event.payload["audiences"] for r in LAUNCH_AUDIENCE_ROLES[a]})
    hosts: dict[str, dict[str, Any]] = {h["host_id"]: {} for h in event.payload["hosts"]}
    context = {
        "year": event.payload["year"],
        "notice_title": event.payload["notice_title"],
        "notice_body": event.payload["notice_body"],
        "hosts": [h["name"] for h in event.payload["hosts"]],
    }
    return Audience(recipients=hosts, context=context, roles=tuple(roles))


async def notice_to_audience(event: EventEnvelope, facts: Facts) -> Audience:
    audience = event.payload["audience"]
    recipients: dict[str, dict[str, Any]] = {}
    if audience.get("roadshow_id"):
        roadshow = await _roadshow(facts, audience["roadshow_id"])
        for company_id, company in roadshow.get("companies", {}).items():
            if company.get("status") == "approved":
                recipients[company_id] = {}
    p = event.payload
    context = {
        "title": p["title"],
        "body": p["body"],
        "title_en": p.get("title_en") or p["title"],
        "body_en": p.get("body_en") or p["body"],
    }
    return Audience(
        recipients=recipients,
        context=context,
        roles=tuple(audience.get("roles", [])),
        regions=tuple(audience.get("regions", [])),
    )


async def case_to_host(event: EventEnvelope, facts: Facts) -> Audience:
    host = event.payload.get("host_id")
    return Audience(recipients={host: {}} if host else {}, context=dict(event.payload))


REACTIONS: dict[str, Reaction] = {
    # causing event: Reaction(template, topic people mute, essential?, who receives it and what)
    "AchievementReturned": Reaction(
        "achievement_returned", Topic.ACHIEVEMENTS, True, returned_to_holder
    ),
    "LonglistPublished": Reaction(
        "longlist_published", Topic.SCREENING, False, longlist_to_companies
    ),
    "ShortlistFinalized": Reaction(
        "shortlist_selected", Topic.SCREENING, True, shortlist_to_selected_holders
    ),
    "RegistrationApproved": Reaction(
        "registration_approved", Topic.REGISTRATION, True, registration_to_company
    ),
    "RegistrationDeclined": Reaction(
        "registration_declined", Topic.REGISTRATION, True, registration_to_company
    ),
    "MeetingScheduleFinalized": Reaction(
        "meeting_schedule", Topic.MEETINGS, True, schedule_to_each_party
    ),
    "ProgrammeLaunched": Reaction("programme_launched", Topic.NOTICES, False, launch_to_audiences),
    "NoticePublished": Reaction("notice", Topic.NOTICES, None, notice_to_audience),
    # tracking's events (ztc_shared.contracts.tracking)
    "FollowUpOverdue": Reaction("follow_up_overdue", Topic.TRACKING, True, case_to_host),
    "CaseStalled": Reaction("case_stalled", Topic.TRACKING, False, case_to_host),
    "SummaryDue": Reaction("summary_due", Topic.SUMMARIES, True, case_to_host),
    "SummaryReturned": Reaction("summary_returned", Topic.SUMMARIES, True, case_to_host),
}
