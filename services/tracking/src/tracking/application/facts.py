"""The facts projection: what the figures, the case lists and the timelines are computed from.

One document per stream that matters to tracking — an achievement (intake), a screening round, a
roadshow, its one-to-one meetings and its online channel (roadshow), a tracking case and a year
summary (tracking) — holding the few facts the figures need and a timeline of its events. The
projection is pure (``apply`` returns the new document), so replaying the topics from the start into
a new generation rebuilds the same documents, and the same figures (``figures.py``).

Every document lists the achievements and companies it concerns (``achievement_ids``,
``company_ids``) so that a timeline is one query; amounts are kept as decimal strings (万元).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ztc_shared.contracts import tracking as tc
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.tracking import STAGE_NAMES, CaseStage
from ztc_shared.events import EventEnvelope
from ztc_shared.kafka import service_topic
from ztc_shared.projections import ProjectionDefinition

NAME = "facts"

ACHIEVEMENT = "achievement"
ROUND = "screening_round"
ROADSHOW = "roadshow_event"
MEETINGS = "roadshow_meetings"
ONLINE = "roadshow_online"
CASE = tc.TRACKING_CASE
SUMMARY = tc.YEAR_SUMMARY
KINDS = {ACHIEVEMENT, ROUND, ROADSHOW, MEETINGS, ONLINE, CASE, SUMMARY}


def province_of(region: str) -> str:
    return f"{region[:2]}0000" if len(region) == 6 else region


def _add(values: list[Any], value: Any) -> None:
    if value is not None and value not in values:
        values.append(value)


def _money(value: Any) -> str:
    return str(Decimal(str(value)))


def _plus(total: Any, value: Any) -> str:
    return str(Decimal(str(total or "0")) + Decimal(str(value or "0")))


class FactsProjector:
    def document_id(self, event: EventEnvelope) -> str | None:
        return event.stream_id if event.stream_type in KINDS else None

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        doc = document or {
            "kind": event.stream_type,
            "province": province_of(event.region),
            "achievement_ids": [],
            "company_ids": [],
            "timeline": [],
        }
        handler = getattr(self, f"_{event.stream_type}", None)
        if handler is not None:
            handler(doc, event, event.payload)
        return doc

    @staticmethod
    def _entry(
        doc: dict[str, Any],
        event: EventEnvelope,
        text: str,
        *,
        achievement_id: str | None = None,
        company_id: str | None = None,
    ) -> None:
        doc["timeline"].append(
            {
                "at": event.occurred_at.isoformat(),
                "event_type": event.event_type,
                "stream_id": event.stream_id,
                "achievement_id": achievement_id,
                "company_id": company_id,
                "text": text,
            }
        )
        _add(doc["achievement_ids"], achievement_id)
        _add(doc["company_ids"], company_id)

    # --- intake ----------------------------------------------------------------------------

    def _achievement(self, doc: dict[str, Any], event: EventEnvelope, p: dict[str, Any]) -> None:
        aid = event.stream_id
        kind = event.event_type
        if kind == "AchievementDrafted":
            doc["title"] = p.get("title", "")
            doc["field"] = p.get("field")
            self._entry(doc, event, f"成果草稿：{doc['title']}", achievement_id=aid)
        elif kind == "AchievementUpdated" and p.get("field"):
            doc["field"] = p["field"]
        elif kind == "AchievementSubmitted":
            doc.setdefault("collected_year", event.occurred_at.year)
            self._entry(doc, event, "提交入库（征集）", achievement_id=aid)
        elif kind == "AchievementAdmitted":
            doc["admitted_year"] = event.occurred_at.year
            self._entry(doc, event, "评价通过，入库", achievement_id=aid)
        elif kind == "AchievementPublished":
            self._entry(doc, event, "信息公开", achievement_id=aid)
        elif kind == "AchievementRejected":
            self._entry(doc, event, "未通过评价", achievement_id=aid)
        elif kind == "AchievementWithdrawn":
            self._entry(doc, event, "撤回", achievement_id=aid)

    # --- screening -------------------------------------------------------------------------

    def _screening_round(
        self, doc: dict[str, Any], event: EventEnvelope, p: dict[str, Any]
    ) -> None:
        kind = event.event_type
        doc.setdefault("candidates", [])
        doc.setdefault("longlist", [])
        doc.setdefault("selected", [])
        if kind == "ScreeningRoundOpened":
            doc.update(
                roadshow_id=p.get("roadshow_ref", ""),
                host_id=p.get("host_id") or "",
                title=p.get("title", ""),
                year=event.occurred_at.year,
            )
        elif kind == "CandidateLonglisted":
            aid = p["achievement_id"]
            if aid not in [c["achievement_id"] for c in doc["candidates"]]:
                doc["candidates"].append(
                    {"achievement_id": aid, "field": p.get("field"), "title": p.get("title", "")}
                )
            _add(doc["longlist"], aid)
            self._entry(doc, event, f"入围初筛名单：{p.get('title', '')}", achievement_id=aid)
        elif kind == "CandidateRemoved":
            aid = p["achievement_id"]
            if aid in doc["longlist"]:
                doc["longlist"].remove(aid)
            self._entry(doc, event, "移出初筛名单", achievement_id=aid)
        elif kind == "ShortlistFinalized":
            doc["selected"] = list(p.get("selected", []))
            for aid in doc["selected"]:
                self._entry(doc, event, "确定为拟路演项目", achievement_id=aid)

    # --- roadshow --------------------------------------------------------------------------

    def _roadshow_event(self, doc: dict[str, Any], event: EventEnvelope, p: dict[str, Any]) -> None:
        kind = event.event_type
        doc.setdefault("intents", [])
        doc.setdefault("pitch_fields", [])
        if kind == "RoadshowPlanned":
            doc.update(
                host_id=p["host_id"],
                year=p["year"],
                title=p["title"],
                event_date=p.get("event_date"),
                roadshow_region=p.get("region"),
            )
        elif kind == "CompanyRegistered":
            self._entry(
                doc, event, f"报名参加路演：{doc.get('title', '')}", company_id=p["company_id"]
            )
        elif kind == "ShortlistReceived":
            doc["pitch_fields"] = [
                {"achievement_id": x["achievement_id"], "field": x.get("field")}
                for x in p.get("pitches", [])
            ]
        elif kind == "IntentDeclared":
            pair = {"achievement_id": p["achievement_id"], "company_id": p["company_id"]}
            if pair not in doc["intents"]:
                doc["intents"].append(pair)
            self._entry(
                doc,
                event,
                f"表达对接意向（{doc.get('title', '')}）",
                achievement_id=p["achievement_id"],
                company_id=p["company_id"],
            )
        elif kind == "RoadshowConcluded":
            doc["concluded"] = True
            doc["concluded_on"] = event.occurred_at.date().isoformat()
            doc["attendees"] = int(p.get("attendees", 0))
            doc["on_stage"] = [x["achievement_id"] for x in p.get("pitches", [])]
            for pitch in p.get("pitches", []):
                aid = pitch["achievement_id"]
                self._entry(doc, event, f"现场路演：{doc.get('title', '')}", achievement_id=aid)
                for company in pitch.get("intents", []):
                    pair = {"achievement_id": aid, "company_id": company}
                    if pair not in doc["intents"]:
                        doc["intents"].append(pair)

    def _roadshow_meetings(
        self, doc: dict[str, Any], event: EventEnvelope, p: dict[str, Any]
    ) -> None:
        doc.setdefault("held", 0)
        doc["roadshow_id"] = p.get("roadshow_id") or event.stream_id.removeprefix("meetings-")
        if event.event_type == "MeetingHeld":
            doc["held"] += 1
            self._entry(
                doc,
                event,
                "一对一对接会面",
                achievement_id=p["achievement_id"],
                company_id=p["company_id"],
            )
        elif event.event_type == "MeetingScheduleFinalized":
            doc["scheduled"] = int(p.get("meetings", 0))

    def _roadshow_online(
        self, doc: dict[str, Any], event: EventEnvelope, p: dict[str, Any]
    ) -> None:
        doc.setdefault("intents", [])
        doc["roadshow_id"] = p.get("roadshow_id") or event.stream_id.removeprefix("online-")
        if event.event_type == "OnlineMeetingAccepted":
            pair = {"achievement_id": p["achievement_id"], "company_id": p["company_id"]}
            if pair not in doc["intents"]:
                doc["intents"].append(pair)
            self._entry(
                doc,
                event,
                "线上对接达成意向",
                achievement_id=p["achievement_id"],
                company_id=p["company_id"],
            )
        elif event.event_type == "OnlineMeetingRequested":
            self._entry(
                doc,
                event,
                "申请线上对接",
                achievement_id=p["achievement_id"],
                company_id=p["company_id"],
            )

    # --- tracking --------------------------------------------------------------------------

    def _tracking_case(self, doc: dict[str, Any], event: EventEnvelope, p: dict[str, Any]) -> None:
        kind = event.event_type
        aid = p.get("achievement_id") or doc.get("achievement_id")
        company = doc.get("company_id")
        if kind == "TrackingCaseOpened":
            stage = CaseStage(p["stage"])
            doc.update(
                case_kind=p["kind"],
                cause=p["cause"],
                achievement_id=aid,
                title=p.get("title", ""),
                institution=p.get("institution", ""),
                field=p.get("field"),
                company_id=p.get("company_id"),
                roadshow_id=p.get("roadshow_id", ""),
                host_id=p.get("host_id", ""),
                year=p["year"],
                stage=stage.value,
                reached=[s.value for s in tc.LADDER[: tc.LADDER.index(stage) + 1]],
                opened_on=p["opened_on"],
                next_follow_up=p["next_follow_up"],
                last_progress_on=p["opened_on"],
                deals=[],
                deal_amount_wan="0",
                landed=None,
                investment_wan="0",
                jobs=0,
                revenue_wan="0",
                support=[],
                support_wan="0",
                terminated=None,
                overdue_for=None,
                stalled_for=None,
            )
            company = p.get("company_id")
            self._entry(
                doc,
                event,
                f"纳入跟踪（{STAGE_NAMES[stage]}）",
                achievement_id=aid,
                company_id=company,
            )
            return
        if kind == "ProgressReported":
            self._climb(doc, p["stage"])
            doc["next_follow_up"] = p["next_follow_up"]
            doc["last_progress_on"] = p["reported_on"]
            self._entry(
                doc, event, f"跟踪记录：{p['note']}", achievement_id=aid, company_id=company
            )
        elif kind == "DealSigned":
            self._climb(doc, CaseStage.SIGNED.value)
            doc["deals"].append(
                {
                    "deal_type": p["deal_type"],
                    "amount_wan": _money(p["amount_wan"]),
                    "counterpart_id": p["counterpart_id"],
                    "counterpart_name": p["counterpart_name"],
                    "signed_on": p["signed_on"],
                }
            )
            doc["deal_amount_wan"] = _plus(doc["deal_amount_wan"], p["amount_wan"])
            doc["next_follow_up"] = p["next_follow_up"]
            doc["last_progress_on"] = max(doc["last_progress_on"], p["signed_on"])
            self._entry(
                doc,
                event,
                f"签约：{tc.DEAL_TYPE_NAMES[TransferMode(p['deal_type'])]} "
                f"{_money(p['amount_wan'])}万元（{p['counterpart_name']}）",
                achievement_id=aid,
                company_id=p["counterpart_id"],
            )
        elif kind == "ProjectLanded":
            self._climb(doc, CaseStage.LANDED.value)
            doc["landed"] = {
                "landed_on": p["landed_on"],
                "company_founded_locally": p["company_founded_locally"],
                "company_id": p.get("company_id"),
                "company_name": p.get("company_name", ""),
                "production_started": p.get("production_started", False),
            }
            doc["investment_wan"] = _money(p["investment_wan"])
            doc["jobs"] = int(p["jobs"])
            doc["next_follow_up"] = p["next_follow_up"]
            doc["last_progress_on"] = max(doc["last_progress_on"], p["landed_on"])
            self._entry(
                doc,
                event,
                f"项目落地：投资{_money(p['investment_wan'])}万元，带动就业{p['jobs']}人",
                achievement_id=aid,
                company_id=p.get("company_id") or company,
            )
        elif kind == "ProjectIndustrialised":
            self._climb(doc, CaseStage.INDUSTRIALISED.value)
            doc["revenue_wan"] = _money(p["annual_revenue_wan"])
            doc["next_follow_up"] = p["next_follow_up"]
            doc["last_progress_on"] = max(doc["last_progress_on"], p["reached_on"])
            self._entry(
                doc,
                event,
                f"实现产业化：年营业收入{_money(p['annual_revenue_wan'])}万元",
                achievement_id=aid,
                company_id=company,
            )
        elif kind == "PolicySupportGranted":
            doc["support"].append(
                {
                    "kind": p["kind"],
                    "amount_wan": p.get("amount_wan"),
                    "granted_on": p["granted_on"],
                    "granted_by": p["granted_by"],
                }
            )
            doc["support_wan"] = _plus(doc["support_wan"], p.get("amount_wan"))
            self._entry(
                doc,
                event,
                f"政策支持：{tc.SUPPORT_NAMES[tc.SupportKind(p['kind'])]}",
                achievement_id=aid,
                company_id=company,
            )
        elif kind == "CaseTerminated":
            doc["stage"] = CaseStage.TERMINATED.value
            doc["terminated"] = {
                "reason": p["reason"],
                "explanation": p["explanation"],
                "terminated_on": p["terminated_on"],
            }
            doc["next_follow_up"] = None
            reason = tc.TERMINATION_NAMES[tc.TerminationReason(p["reason"])]
            self._entry(doc, event, f"终止跟踪：{reason}", achievement_id=aid, company_id=company)
        elif kind == "FollowUpOverdue":
            doc["overdue_for"] = p["due_on"]
            self._entry(
                doc,
                event,
                f"跟踪逾期（应于{p['due_on']}跟踪）",
                achievement_id=aid,
                company_id=company,
            )
        elif kind == "CaseStalled":
            doc["stalled_for"] = p["last_progress_on"]
            self._entry(
                doc,
                event,
                f"进展停滞（自{p['last_progress_on']}无进展）",
                achievement_id=aid,
                company_id=company,
            )

    @staticmethod
    def _climb(doc: dict[str, Any], stage: str) -> None:
        ladder = [s.value for s in tc.LADDER]
        if stage not in ladder:
            return
        for earlier in ladder[: ladder.index(stage) + 1]:
            _add(doc["reached"], earlier)
        if doc["stage"] in ladder and ladder.index(stage) > ladder.index(doc["stage"]):
            doc["stage"] = stage

    def _year_summary(self, doc: dict[str, Any], event: EventEnvelope, p: dict[str, Any]) -> None:
        doc.update(year=p["year"], host_id=p["host_id"])
        status = {
            "SummaryDrafted": "draft",
            "SummarySubmitted": "submitted",
            "SummaryAccepted": "accepted",
            "SummaryReturned": "returned",
        }.get(event.event_type)
        if status is not None:
            doc["status"] = status
        else:
            doc.setdefault("status", "not_started")
        if event.event_type == "SummaryDrafted":
            doc["host_name"] = p.get("host_name", "")


def facts_definition(topic_prefix: str = "") -> ProjectionDefinition:
    return ProjectionDefinition(
        name=NAME,
        topics=tuple(
            service_topic(s, topic_prefix) for s in ("intake", "screening", "roadshow", "tracking")
        ),
        projector=FactsProjector,
        indexes=(("kind", 1), ("achievement_ids", 1), ("company_ids", 1)),
    )
