"""The funnel and the year's figures, computed from the facts documents (pure functions).

collected → admitted → longlisted → on stage → intents → signed → landed → industrialised, each a
number of distinct achievements, with the amounts (万元). Filters: province, year, field, host.

- collected/admitted are the library's figures (by the year the result was submitted/admitted);
  the library is the province's, not a host's, so with a host filter they are ``None``;
- longlisted: in the longlist of a screening round for a roadshow in scope;
- on stage: pitched at a concluded roadshow in scope;
- intents: an intent declared (on stage, at a meeting, online) or a case at 意向洽谈 or beyond;
- signed, landed, industrialised: a case in scope that reached the stage (even if it ended later).

A case is in scope by its own year, host, province and field (the roadshow that opened it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tracking.application.facts import (
    ACHIEVEMENT,
    CASE,
    MEETINGS,
    ONLINE,
    ROADSHOW,
    ROUND,
)
from ztc_shared.contracts.tracking import SummaryFigures

STAGES = (
    "collected",
    "admitted",
    "longlisted",
    "on_stage",
    "intents",
    "signed",
    "landed",
    "industrialised",
)
STAGE_LABELS = {
    "collected": "征集",
    "admitted": "入库",
    "longlisted": "初筛入围",
    "on_stage": "现场路演",
    "intents": "对接意向",
    "signed": "签约",
    "landed": "落地",
    "industrialised": "产业化",
}
DIMENSIONS = ("province", "year", "field", "host")


@dataclass(frozen=True)
class Scope:
    province: str | None = None
    year: int | None = None
    field: str | None = None
    host: str | None = None

    def admits(
        self, *, province: str | None, year: int | None, host: str | None, field: str | None
    ) -> bool:
        return (
            (self.province is None or province == self.province)
            and (self.year is None or year == self.year)
            and (self.host is None or host == self.host)
            and (self.field is None or field == self.field)
        )


class Facts:
    """The facts documents, indexed for the figures."""

    def __init__(self, documents: Iterable[dict[str, Any]]) -> None:
        self.by_kind: dict[str, list[dict[str, Any]]] = {}
        for doc in documents:
            self.by_kind.setdefault(str(doc.get("kind")), []).append(doc)
        self.roadshows = {d["_id"]: d for d in self.of(ROADSHOW)}
        self.field_of: dict[str, str] = {}
        for doc in self.of(ROUND):
            for candidate in doc.get("candidates", []):
                if candidate.get("field"):
                    self.field_of.setdefault(candidate["achievement_id"], candidate["field"])
        for doc in self.of(ROADSHOW):
            for pitch in doc.get("pitch_fields", []):
                if pitch.get("field"):
                    self.field_of.setdefault(pitch["achievement_id"], pitch["field"])
        for doc in self.of(CASE):
            if doc.get("field"):
                self.field_of.setdefault(doc["achievement_id"], doc["field"])
        for doc in self.of(ACHIEVEMENT):
            if doc.get("field"):
                self.field_of[doc["_id"]] = doc["field"]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return self.by_kind.get(kind, [])

    def about(
        self, *, achievement_id: str | None = None, company_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The documents concerning one achievement (or one company): what ``MongoFacts.about``
        asks the live collection, asked of these documents."""
        field, value = (
            ("achievement_ids", achievement_id) if achievement_id else ("company_ids", company_id)
        )
        return [d for docs in self.by_kind.values() for d in docs if value in d.get(field, [])]

    def roadshow_key(self, roadshow_id: str, fallback: dict[str, Any]) -> tuple[int | None, str]:
        roadshow = self.roadshows.get(roadshow_id, {})
        year = roadshow.get("year", fallback.get("year"))
        host = roadshow.get("host_id") or fallback.get("host_id") or ""
        return year, host

    def _admits(self, scope: Scope, doc: dict[str, Any], roadshow_id: str, aid: str) -> bool:
        year, host = self.roadshow_key(roadshow_id, doc)
        return scope.admits(
            province=doc.get("province"), year=year, host=host, field=self.field_of.get(aid)
        )

    def roadshows_in(self, scope: Scope) -> list[dict[str, Any]]:
        return [
            d
            for d in self.of(ROADSHOW)
            if scope.admits(
                province=d.get("province"),
                year=d.get("year"),
                host=d.get("host_id", ""),
                field=None,
            )
        ]

    def cases_in(self, scope: Scope) -> list[dict[str, Any]]:
        return [
            d
            for d in self.of(CASE)
            if "achievement_id" in d
            and scope.admits(
                province=d.get("province"),
                year=d.get("year"),
                host=d.get("host_id", ""),
                field=self.field_of.get(d["achievement_id"]),
            )
        ]

    def intent_pairs(self, scope: Scope) -> set[tuple[str, str]]:
        pairs: set[tuple[str, str]] = set()
        for doc in [*self.of(ROADSHOW), *self.of(ONLINE)]:
            roadshow_id = doc.get("roadshow_id") or doc["_id"]
            for pair in doc.get("intents", []):
                if self._admits(scope, doc, roadshow_id, pair["achievement_id"]):
                    pairs.add((pair["achievement_id"], pair["company_id"]))
        for case in self.cases_in(scope):
            if case.get("case_kind") == "intent" and case.get("company_id"):
                pairs.add((case["achievement_id"], case["company_id"]))
        return pairs


def funnel(facts: Facts, scope: Scope) -> dict[str, Any]:
    """The funnel and the amounts for one scope."""
    counts: dict[str, int | None] = {}
    if scope.host is None:
        counts["collected"] = sum(
            1
            for d in facts.of(ACHIEVEMENT)
            if d.get("collected_year") is not None
            and scope.admits(
                province=d.get("province"),
                year=d.get("collected_year"),
                host=None,
                field=d.get("field"),
            )
        )
        counts["admitted"] = sum(
            1
            for d in facts.of(ACHIEVEMENT)
            if d.get("admitted_year") is not None
            and scope.admits(
                province=d.get("province"),
                year=d.get("admitted_year"),
                host=None,
                field=d.get("field"),
            )
        )
    else:
        counts["collected"] = counts["admitted"] = None
    longlisted = {
        aid
        for d in facts.of(ROUND)
        for aid in d.get("longlist", [])
        if facts._admits(scope, d, d.get("roadshow_id", ""), aid)
    }
    on_stage = {
        aid
        for d in facts.of(ROADSHOW)
        if d.get("concluded")
        for aid in d.get("on_stage", [])
        if facts._admits(scope, d, d["_id"], aid)
    }
    cases = facts.cases_in(scope)
    intents = {aid for aid, _ in facts.intent_pairs(scope)} | {
        c["achievement_id"] for c in cases if "negotiating" in c.get("reached", [])
    }

    def reached(stage: str) -> set[str]:
        return {c["achievement_id"] for c in cases if stage in c.get("reached", [])}

    counts.update(
        longlisted=len(longlisted),
        on_stage=len(on_stage),
        intents=len(intents),
        signed=len(reached("signed")),
        landed=len(reached("landed")),
        industrialised=len(reached("industrialised")),
    )
    return {
        "scope": {k: v for k, v in scope.__dict__.items() if v is not None},
        "funnel": [
            {"stage": s, "label": STAGE_LABELS[s], "achievements": counts[s]} for s in STAGES
        ],
        "amounts": _amounts(cases),
    }


def _sum(cases: Iterable[dict[str, Any]], key: str) -> Decimal:
    return sum((Decimal(str(c.get(key) or "0")) for c in cases), Decimal(0))


def _amounts(cases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "deals": sum(len(c.get("deals", [])) for c in cases),
        "deal_amount_wan": str(_sum(cases, "deal_amount_wan")),
        "landed_investment_wan": str(_sum(cases, "investment_wan")),
        "jobs": sum(int(c.get("jobs") or 0) for c in cases),
        "annual_revenue_wan": str(_sum(cases, "revenue_wan")),
        "policy_support_wan": str(_sum(cases, "support_wan")),
    }


def dimension_values(facts: Facts, dimension: str) -> list[Any]:
    values: set[Any] = set()
    for doc in [*facts.of(ROADSHOW), *facts.of(CASE), *facts.of(ACHIEVEMENT)]:
        if dimension == "province" and doc.get("province"):
            values.add(doc["province"])
        elif dimension == "year":
            for key in ("year", "collected_year"):
                if doc.get(key):
                    values.add(int(doc[key]))
        elif dimension == "host" and doc.get("host_id"):
            values.add(doc["host_id"])
    if dimension == "field":
        values.update(facts.field_of.values())
    return sorted(values)


def summary_figures(facts: Facts, host_id: str, year: int) -> SummaryFigures:
    """A host's year, for its summary (工作总结)."""
    scope = Scope(year=year, host=host_id)
    roadshows = [d for d in facts.roadshows_in(scope) if d.get("concluded")]
    roadshow_ids = {d["_id"] for d in facts.roadshows_in(scope)}
    rounds = [d for d in facts.of(ROUND) if facts._admits(scope, d, d.get("roadshow_id", ""), "")]
    cases = facts.cases_in(scope)
    figures = funnel(facts, scope)
    stage = {row["stage"]: row["achievements"] for row in figures["funnel"]}
    return SummaryFigures(
        roadshows_held=len(roadshows),
        results_collected=len(
            {c["achievement_id"] for d in rounds for c in d.get("candidates", [])}
        ),
        longlisted=int(stage["longlisted"] or 0),
        on_stage=int(stage["on_stage"] or 0),
        audience=sum(int(d.get("attendees") or 0) for d in roadshows),
        meetings_held=sum(
            int(d.get("held") or 0)
            for d in facts.of(MEETINGS)
            if d.get("roadshow_id") in roadshow_ids
        ),
        intents=len(facts.intent_pairs(scope)),
        deals=sum(len(c.get("deals", [])) for c in cases),
        deal_amount_wan=_sum(cases, "deal_amount_wan"),
        landed=int(stage["landed"] or 0),
        landed_investment_wan=_sum(cases, "investment_wan"),
        industrialised=int(stage["industrialised"] or 0),
    )


def timeline(
    documents: Iterable[dict[str, Any]],
    *,
    achievement_id: str | None = None,
    company_id: str | None = None,
) -> list[dict[str, Any]]:
    """Every recorded step about one achievement or one company, oldest first."""
    entries = [
        entry
        for doc in documents
        for entry in doc.get("timeline", [])
        if (achievement_id is None or entry.get("achievement_id") == achievement_id)
        and (company_id is None or entry.get("company_id") == company_id)
    ]
    entries.sort(key=lambda e: (e["at"], e["stream_id"]))
    return entries
