"""Intake's read side: the catalogue (成果库) and public disclosure (信息公开), from its own topic.

Both projectors are pure: an event and the current document in, the next document out. The
projection runner guards versions and writes; collection-call events are ignored (``document_id``
answers ``None``), and every event of an achievement moves its documents to that event's version, so
a reader waiting for the version a command returned is never left waiting.

``catalogue``
    One document per achievement with everything: every detail field (confidential ones too), the
    status and its Chinese name, holder, institution, region, call, assigned evaluators, combined
    score and times. Only people who may see the achievement read it (holders, institutions,
    evaluators, operators), never the public API.

``public``
    What the public may see, and nothing else. The design keeps leaking structurally impossible:

    * A confidential value is never written to this collection. Every detail value goes through
      :func:`_disclose`, which writes a field only when it is not withheld (named in
      ``confidential``) and removes every field that is; ``holder_id``, evaluators, scores, comments
      and the actor of an event are never copied at all. So even a query that forgot its projection
      could return nothing confidential: it is not there.
    * The projector cannot keep a private copy of the full details to rebuild from, and needs none:
      it keeps the public values of an achievement from its draft on (they are public by the
      holder's choice) with ``visible`` false, and shows them (``visible`` true) only while it is
      published. A material update, withdrawal or archiving hides it again and clears its search
      terms; a non-material update of a published one refreshes it; publishing again shows it.
    * ``withheld`` keeps the *names* of the confidential fields (never their values) so that later
      changes of a withheld field are dropped.
    * A field the holder stops keeping confidential becomes public with its next value:
      ``AchievementUpdated`` carries only changed values, and the value this projection never held is
      not in the event. Such fields are listed in ``pending`` (names only) until a value arrives.
    * Readers (``intake.adapters.queries``) read with an inclusion projection of :data:`PUBLIC_KEYS`
      and the API's response models name their fields: defence in depth on top of the above.

    ``search_tokens`` are jieba's ``cut_for_search`` terms of the public title, keywords, abstract
    and application scenarios, lower-cased and deduplicated; ``search_weights`` (same order) says how
    much a match on each term counts: the sum of the weights of the fields it occurs in (title 8,
    keywords 4, abstract 2, scenarios 1).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from intake.domain.achievement import STATUS_NAMES, AchievementStatus
from ztc_shared.contracts.intake import (
    ACHIEVEMENT,
    ALWAYS_PUBLIC,
    DETAIL_FIELDS,
    AchievementAdmitted,
    AchievementDrafted,
    AchievementEvaluated,
    AchievementRejected,
    AchievementReturned,
    AchievementsMerged,
    AchievementSubmitted,
    AchievementUpdated,
    AchievementWithdrawn,
    ConfidentialAccessGranted,
    DuplicateSuspected,
    EvaluationAssigned,
    EvaluatorRecused,
)
from ztc_shared.contracts.taxonomy import FIELD_NAMES, SUB_FIELDS, IndustryField
from ztc_shared.events import EVENTS, EventEnvelope
from ztc_shared.kafka import service_topic
from ztc_shared.projections import ProjectionDefinition

CATALOGUE = "catalogue"
PUBLIC = "public"

# ---------------------------------------------------------------------------------------------
# Chinese word segmentation


_jieba_lock = threading.Lock()
_jieba_ready = False
# Words that match nearly everything and say nothing.
STOPWORDS = frozenset(
    {
        *("的", "了", "和", "与", "及", "或", "在", "是", "等", "对", "为", "将", "于", "中", "并"),
        *("a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with"),
    }
)


def initialise_segmenter() -> None:
    """Load jieba's dictionary once per process, quietly (it logs to stderr while it builds it)."""
    global _jieba_ready  # one dictionary a process
    if _jieba_ready:
        return
    with _jieba_lock:
        if not _jieba_ready:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True


def segment(text: str) -> list[str]:
    """The search terms of ``text``: jieba ``cut_for_search``, lower-cased, without punctuation,
    blanks and stop words, deduplicated in order of first appearance."""
    if not text:
        return []
    initialise_segmenter()
    import jieba

    terms: dict[str, None] = {}
    for piece in jieba.cut_for_search(text):
        term = piece.strip().lower()
        if term and any(ch.isalnum() for ch in term) and term not in STOPWORDS:
            terms[term] = None
    return list(terms)


# Which public fields are searched, and how much a match in each counts.
SEARCH_WEIGHTS = {"title": 8, "keywords": 4, "abstract": 2, "application_scenarios": 1}


def search_index(document: dict[str, Any]) -> tuple[list[str], list[int]]:
    """Terms and their weights from the searchable fields present in ``document``."""
    weights: dict[str, int] = {}
    for name, weight in SEARCH_WEIGHTS.items():
        value = document.get(name)
        if not value:
            continue
        text = " ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        for term in segment(text):
            weights[term] = weights.get(term, 0) + weight
    return list(weights), list(weights.values())


# ---------------------------------------------------------------------------------------------
# Shared


def _achievement_id(event: EventEnvelope) -> str | None:
    return event.stream_id if event.stream_type == ACHIEVEMENT else None


def _field_names(field: str, sub_field: str | None) -> tuple[str | None, str | None]:
    try:
        industry = IndustryField(field)
    except ValueError:
        return None, None
    return FIELD_NAMES[industry]["zh"], SUB_FIELDS[industry].get(sub_field or "")


def _details(drafted: AchievementDrafted) -> dict[str, Any]:
    data = drafted.model_dump(mode="json")
    return {name: data[name] for name in DETAIL_FIELDS}


def _known(changes: dict[str, Any]) -> dict[str, Any]:
    """Only the detail fields of an update (anything else in it is ignored)."""
    return {name: value for name, value in changes.items() if name in DETAIL_FIELDS}


# ---------------------------------------------------------------------------------------------
# The catalogue: everything, for those who may see it

# The status each event leaves an achievement in, where that does not depend on its evaluators.
STATUS_AFTER = {
    "AchievementDrafted": AchievementStatus.DRAFT,
    "AchievementSubmitted": AchievementStatus.SUBMITTED,
    "AchievementResubmitted": AchievementStatus.SUBMITTED,
    "AchievementReturned": AchievementStatus.RETURNED,
    "AchievementAdmitted": AchievementStatus.ADMITTED,
    "AchievementRejected": AchievementStatus.REJECTED,
    "AchievementPublished": AchievementStatus.PUBLISHED,
    "AchievementWithdrawn": AchievementStatus.WITHDRAWN,
    "AchievementArchived": AchievementStatus.ARCHIVED,
}


def _set_status(document: dict[str, Any], status: AchievementStatus) -> None:
    document["status"] = status.value
    document["status_name"] = STATUS_NAMES[status]


def _new_round(document: dict[str, Any]) -> None:
    """Back to the holder or to a new evaluation: the evaluators of the last round go."""
    document["evaluator_ids"] = []
    document["evaluators"] = []
    document["evaluated_by"] = []


def _settle_evaluation(document: dict[str, Any]) -> None:
    """As the aggregate does: nobody assigned is submitted, everybody done is evaluated."""
    assigned = document["evaluator_ids"]
    if not assigned:
        _set_status(document, AchievementStatus.SUBMITTED)
    elif all(e in document["evaluated_by"] for e in assigned):
        _set_status(document, AchievementStatus.EVALUATED)
    else:
        _set_status(document, AchievementStatus.UNDER_EVALUATION)


class CatalogueProjector:
    def document_id(self, event: EventEnvelope) -> str | None:
        return _achievement_id(event)

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        payload = EVENTS.payload(event)
        if isinstance(payload, AchievementDrafted):
            document = {
                **_details(payload),
                "holder_id": payload.holder_id,
                "organisation_id": payload.organisation_id,
                "region": event.region,
                "call_id": None,
                "evaluator_ids": [],
                "evaluators": [],
                "evaluated_by": [],
                "recused": [],
                "combined_score": None,
                "reasons": [],
                "granted_to": [],
                "duplicates": [],
                "merged_ids": [],
                "merged_into": None,
                "drafted_at": event.occurred_at,
                "submitted_at": None,
                "admitted_at": None,
                "published_at": None,
            }
        elif document is None:
            raise ValueError(f"{event.event_type} of {event.stream_id}, which was never drafted")
        elif isinstance(payload, AchievementSubmitted):
            document["submitted_at"] = event.occurred_at
            document["call_id"] = payload.call_id
        elif isinstance(payload, AchievementUpdated):
            document.update(_known(payload.changes))
            if payload.material:
                _new_round(document)
                _set_status(document, AchievementStatus.SUBMITTED)
        elif isinstance(payload, AchievementReturned):
            _new_round(document)
            document["reasons"] = list(payload.reasons)
        elif isinstance(payload, EvaluationAssigned):
            evaluator = payload.evaluator
            if evaluator.evaluator_id not in document["evaluator_ids"]:
                document["evaluator_ids"].append(evaluator.evaluator_id)
                document["evaluators"].append(evaluator.model_dump(mode="json"))
            _settle_evaluation(document)
        elif isinstance(payload, EvaluatorRecused):
            gone = payload.evaluator.evaluator_id
            document["evaluator_ids"] = [e for e in document["evaluator_ids"] if e != gone]
            document["evaluators"] = [
                e for e in document["evaluators"] if e["evaluator_id"] != gone
            ]
            document["recused"].append({"evaluator_id": gone, "reason": payload.reason})
            _settle_evaluation(document)
        elif isinstance(payload, AchievementEvaluated):
            if payload.evaluator_id not in document["evaluated_by"]:
                document["evaluated_by"].append(payload.evaluator_id)
            _settle_evaluation(document)
        elif isinstance(payload, AchievementAdmitted):
            document["combined_score"] = str(payload.combined_score)
            document["admitted_at"] = event.occurred_at
        elif isinstance(payload, AchievementRejected):
            document["reasons"] = list(payload.reasons)
            if payload.combined_score is not None:
                document["combined_score"] = str(payload.combined_score)
        elif event.event_type == "AchievementPublished":
            document["published_at"] = event.occurred_at
        elif isinstance(payload, ConfidentialAccessGranted):
            if payload.company_id not in document["granted_to"]:
                document["granted_to"].append(payload.company_id)
        elif isinstance(payload, DuplicateSuspected):
            document["duplicates"].append({"other_id": payload.other_id, "reason": payload.reason})
        elif event.event_type == "DuplicateDismissed":  # an operator keeps both
            other = event.payload.get("other_id")
            document["duplicates"] = [d for d in document["duplicates"] if d["other_id"] != other]
        elif isinstance(payload, AchievementsMerged):
            document["merged_ids"].append(payload.merged_id)
        elif isinstance(payload, AchievementWithdrawn):
            document["reasons"] = [payload.reason]
            document["merged_into"] = payload.merged_into
        if event.event_type in STATUS_AFTER:
            _set_status(document, STATUS_AFTER[event.event_type])
        field_name, sub_field_name = _field_names(document["field"], document.get("sub_field"))
        document["field_name"] = field_name
        document["sub_field_name"] = sub_field_name
        document["stream_version"] = event.stream_version
        document["updated_at"] = event.occurred_at
        return document


# ---------------------------------------------------------------------------------------------
# Public disclosure: public fields of published achievements, nothing else

# Every key a public document may hold besides the public detail fields; readers ask for these and
# the detail fields (:data:`PUBLIC_KEYS`) and nothing else.
PUBLIC_META = (
    "visible",
    "region",
    "field_name",
    "sub_field_name",
    "published_at",
    "updated_at",
    "stream_version",
    "search_tokens",
    "search_weights",
)
# ``confidential`` is the holder's list of names, not a value to show; it is kept as ``withheld``.
DISCLOSABLE = tuple(name for name in DETAIL_FIELDS if name != "confidential")
PUBLIC_KEYS = ("_id", *DISCLOSABLE, *PUBLIC_META)


def _withheld(names: Iterable[str]) -> list[str]:
    """The confidential field names that count: known detail fields that are not always public."""
    return sorted({n for n in names if n in DISCLOSABLE and n not in ALWAYS_PUBLIC})


def _disclose(document: dict[str, Any], values: dict[str, Any]) -> None:
    """The only place detail values enter a public document: public ones are written, withheld
    ones are dropped, and any withheld field already there is removed."""
    withheld = set(document["withheld"])
    for name in DISCLOSABLE:
        if name in withheld:
            document.pop(name, None)
        elif name in values:
            document[name] = values[name]
    document["pending"] = sorted(
        n for n in document["pending"] if n not in withheld and n not in document
    )


def _refresh_index(document: dict[str, Any]) -> None:
    if document["visible"]:
        document["search_tokens"], document["search_weights"] = search_index(document)
    else:
        document["search_tokens"], document["search_weights"] = [], []


class PublicProjector:
    def document_id(self, event: EventEnvelope) -> str | None:
        return _achievement_id(event)

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        payload = EVENTS.payload(event)
        if isinstance(payload, AchievementDrafted):
            details = _details(payload)
            document = {
                "visible": False,
                "withheld": _withheld(details["confidential"]),
                "pending": [],
                "region": event.region,
                "published_at": None,
            }
            _disclose(document, details)
        elif document is None:
            raise ValueError(f"{event.event_type} of {event.stream_id}, which was never drafted")
        elif isinstance(payload, AchievementUpdated):
            changes = _known(payload.changes)
            if "confidential" in changes:
                before = set(document["withheld"])
                document["withheld"] = _withheld(changes["confidential"])
                released = before - set(document["withheld"])
                # A field no longer withheld is public, but its value was never held here.
                document["pending"] = sorted(
                    set(document["pending"]) | {n for n in released if n not in changes}
                )
            _disclose(document, changes)
            if payload.material:
                document["visible"] = False  # back for evaluation: out of public view
        elif event.event_type == "AchievementPublished":
            document["visible"] = True
            document["published_at"] = event.occurred_at
        elif event.event_type in ("AchievementWithdrawn", "AchievementArchived"):
            document["visible"] = False
        field_name, sub_field_name = _field_names(document["field"], document.get("sub_field"))
        document["field_name"] = field_name
        document["sub_field_name"] = sub_field_name
        _refresh_index(document)
        document["stream_version"] = event.stream_version
        document["updated_at"] = event.occurred_at
        return document


# ---------------------------------------------------------------------------------------------
# Definitions


def catalogue_definition(topic_prefix: str = "") -> ProjectionDefinition:
    return ProjectionDefinition(
        name=CATALOGUE,
        topics=(service_topic("intake", topic_prefix),),
        projector=CatalogueProjector,
        indexes=(("status", 1), ("updated_at", -1), ("holder_id", 1), ("organisation_id", 1)),
    )


def public_definition(topic_prefix: str = "") -> ProjectionDefinition:
    return ProjectionDefinition(
        name=PUBLIC,
        topics=(service_topic("intake", topic_prefix),),
        projector=PublicProjector,
        indexes=(("visible", 1), ("published_at", -1), ("search_tokens", 1)),
    )


PROJECTIONS = {CATALOGUE: catalogue_definition, PUBLIC: public_definition}
