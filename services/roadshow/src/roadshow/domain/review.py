"""The experts' review of one roadshow's pitches (专家评议), its own stream beside the roadshow.

Experts are assigned once the shortlist is known; an expert from the same institution as a pitch
recuses from it at once, and any expert may declare a conflict and recuse. While the roadshow is
live, each expert scores each pitch on the weighted criteria with a comment, or abstains with the
reason. Closing the window computes the results and opens them to the host; until then nobody sees
them.

Normalisation: experts differ in how harsh they are and how widely they spread their marks. Each
expert's weighted scores are turned into z-scores over the pitches that expert scored (mean 0,
spread 1), and a pitch's normalised score is the mean of its z-scores, so every expert counts alike.
An expert who scored one pitch only, or gave every pitch the same mark, expresses no preference
(z = 0). Ranks follow the normalised score, then the raw score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from roadshow.domain.access import (
    ORGANISERS,
    Actor,
    experts_only,
    forbidden,
    not_your_roadshow,
    organisers_only,
)
from roadshow.domain.commands import (
    AssignExpert,
    CloseReviewWindow,
    DeclareConflict,
    ScorePitch,
    SetCriteria,
)
from roadshow.domain.roadshow_event import STATUS_NAMES, EventStatus, RoadshowFacts
from ztc_shared.auth import Role
from ztc_shared.contracts.roadshow import (
    DEFAULT_CRITERIA,
    ROADSHOW_REVIEW,
    Criterion,
    ExpertAssigned,
    ExpertComment,
    ExpertRecused,
    PitchResult,
    PitchScored,
    RecusalGround,
    ReviewCriteriaSet,
    ReviewWindowClosed,
)
from ztc_shared.domain import Aggregate, DomainError, StateConflict

ASSIGNABLE = frozenset({EventStatus.SHORTLIST_RECEIVED, EventStatus.COACHING, EventStatus.LIVE})
CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")


def _same_institution(a: str, b: str) -> bool:
    return bool(a.strip()) and a.strip().casefold() == b.strip().casefold()


class Review(Aggregate):
    stream_type = ROADSHOW_REVIEW

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.criteria: list[Criterion] = list(DEFAULT_CRITERIA)
        self.experts: dict[str, ExpertAssigned] = {}
        self.recusals: dict[tuple[str, str], ExpertRecused] = {}
        self.scores: dict[tuple[str, str], PitchScored] = {}  # (expert, pitch) → latest
        self.closed: ReviewWindowClosed | None = None

    # the host

    def set_criteria(self, command: SetCriteria, facts: RoadshowFacts, actor: Actor) -> None:
        self._require_organiser(actor, facts)
        self._require_open()
        if self.scores:
            raise StateConflict(
                "scoring_started",
                "专家已开始评分，评议指标不能再修改",
                "Scoring has started; the criteria are fixed",
            )
        codes = {c.code for c in command.criteria}
        missing = [c.name for c in DEFAULT_CRITERIA if c.code not in codes]
        if missing:
            raise DomainError(
                "default_criteria_required",
                f"评议指标须包含：{'、'.join(missing)}（可增加其他指标）",
                "The three default criteria stay; others may be added",
            )
        self._record(ReviewCriteriaSet(roadshow_id=facts.roadshow_id, criteria=command.criteria))

    def assign_expert(self, command: AssignExpert, facts: RoadshowFacts, actor: Actor) -> None:
        self._require_organiser(actor, facts)
        self._require_open()
        if facts.status not in ASSIGNABLE:
            raise _wrong_state(
                "shortlist_first",
                facts.status,
                "确定路演项目后才能指派评议专家",
                "Experts are assigned once the shortlist is known",
            )
        if command.expert_id in self.experts:
            raise StateConflict(
                "already_assigned", "该专家已被指派", "This expert is assigned already"
            )
        self._record(ExpertAssigned(**command.model_dump(), roadshow_id=facts.roadshow_id))
        for pitch in facts.pitches.values():
            if _same_institution(command.institution, pitch.institution):
                self._record(
                    ExpertRecused(
                        expert_id=command.expert_id,
                        achievement_id=pitch.achievement_id,
                        ground=RecusalGround.SAME_INSTITUTION,
                        reason=f"与项目完成单位同属{pitch.institution}，依规回避",
                    )
                )

    def close(self, command: CloseReviewWindow, facts: RoadshowFacts, actor: Actor) -> None:
        self._require_organiser(actor, facts)
        self._require_open()
        if facts.status is not EventStatus.LIVE:
            raise _wrong_state(
                "not_live", facts.status, "路演进行中才能结束评议", "The roadshow is not live"
            )
        self._record(
            ReviewWindowClosed(criteria=self.criteria, results=compute_results(self, facts))
        )

    # experts

    def declare_conflict(
        self, command: DeclareConflict, facts: RoadshowFacts, actor: Actor
    ) -> None:
        self._require_assigned_expert(actor)
        self._require_open()
        if command.achievement_id not in facts.pitches:
            raise _not_a_pitch()
        if (actor.id, command.achievement_id) in self.recusals:
            raise StateConflict("already_recused", "已申报回避", "Recused already")
        self._record(
            ExpertRecused(
                expert_id=actor.id,
                achievement_id=command.achievement_id,
                ground=RecusalGround.DECLARED,
                reason=command.reason,
            )
        )

    def score(self, command: ScorePitch, facts: RoadshowFacts, actor: Actor) -> None:
        self._require_assigned_expert(actor)
        self._require_open()
        if facts.status is not EventStatus.LIVE:
            raise _wrong_state(
                "not_live", facts.status, "路演进行中才能评分", "Pitches are scored live"
            )
        if command.achievement_id not in facts.pitches:
            raise _not_a_pitch()
        recusal = self.recusals.get((actor.id, command.achievement_id))
        if recusal is not None:
            raise forbidden(
                "recused",
                f"您已对该项目回避（{recusal.reason}），不能评分",
                "You recused from this pitch and do not score it",
            )
        if len(command.comment) < 2:
            raise DomainError(
                "comment_required",
                "请填写评议意见（弃权时请说明理由）",
                "A comment is required (the reason, when abstaining)",
            )
        if command.abstain:
            if command.scores:
                raise DomainError(
                    "abstain_without_scores", "弃权时不打分", "An abstention carries no scores"
                )
            weighted = None
        else:
            codes = {c.code for c in self.criteria}
            missing = [c.name for c in self.criteria if c.code not in command.scores]
            unknown = sorted(set(command.scores) - codes)
            if missing or unknown:
                raise DomainError(
                    "scores_incomplete",
                    f"请按评议指标逐项打分；缺少：{'、'.join(missing) or '无'}，"
                    f"多余：{'、'.join(unknown) or '无'}",
                    f"Score every criterion and only those; missing {len(missing)}, "
                    f"unknown {', '.join(unknown) or 'none'}",
                )
            weighted = weighted_score(self.criteria, command.scores)
        self._record(
            PitchScored(
                expert_id=actor.id,
                achievement_id=command.achievement_id,
                scores=command.scores,
                weighted=weighted,
                abstained=command.abstain,
                comment=command.comment,
            )
        )

    # reading

    def results_for(self, actor: Actor, facts: RoadshowFacts) -> list[PitchResult]:
        """The results, to the host and the organisers, once the window has closed."""
        self._require_organiser(actor, facts)
        if self.closed is None:
            raise StateConflict(
                "results_hidden",
                "评议尚未结束，结果暂不公开",
                "The results open when the review window closes",
            )
        return list(self.closed.results)

    # guards

    def _require_organiser(self, actor: Actor, facts: RoadshowFacts) -> None:
        if actor.role not in ORGANISERS:
            raise organisers_only()
        if actor.is_host and actor.id != facts.host_id:
            raise not_your_roadshow()

    def _require_assigned_expert(self, actor: Actor) -> None:
        if actor.role != Role.EXPERT.value:
            raise experts_only()
        if actor.id not in self.experts:
            raise forbidden(
                "not_assigned", "您不是本场路演的评议专家", "You are not assigned to this review"
            )

    def _require_open(self) -> None:
        if self.closed is not None:
            raise StateConflict(
                "review_closed", "评议已结束，不能再修改", "The review window has closed"
            )

    # state

    def _when_ReviewCriteriaSet(self, event: ReviewCriteriaSet) -> None:  # noqa: N802
        self.criteria = list(event.criteria)

    def _when_ExpertAssigned(self, event: ExpertAssigned) -> None:  # noqa: N802
        self.experts[event.expert_id] = event

    def _when_ExpertRecused(self, event: ExpertRecused) -> None:  # noqa: N802
        key = (event.expert_id, event.achievement_id)
        self.recusals[key] = event
        self.scores.pop(key, None)

    def _when_PitchScored(self, event: PitchScored) -> None:  # noqa: N802
        self.scores[(event.expert_id, event.achievement_id)] = event

    def _when_ReviewWindowClosed(self, event: ReviewWindowClosed) -> None:  # noqa: N802
        self.closed = event


def weighted_score(criteria: Sequence[Criterion], scores: dict[str, Decimal]) -> Decimal:
    total_weight = sum((c.weight for c in criteria), Decimal(0))
    total = sum((c.weight * scores[c.code] for c in criteria), Decimal(0))
    return (total / total_weight).quantize(CENT, rounding=ROUND_HALF_UP)


def z_scores(marks: dict[str, Decimal]) -> dict[str, float]:
    """One expert's marks per pitch as z-scores (0 for all when there is no spread)."""
    values = [float(v) for v in marks.values()]
    if len(values) < 2:
        return dict.fromkeys(marks, 0.0)
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    if spread < 1e-9:
        return dict.fromkeys(marks, 0.0)
    return {pitch: (float(v) - mean) / spread for pitch, v in marks.items()}


def compute_results(review: Review, facts: RoadshowFacts) -> list[PitchResult]:
    by_expert: dict[str, dict[str, Decimal]] = {}
    for (expert, scored_pitch), mark in review.scores.items():
        if mark.weighted is not None and scored_pitch in facts.pitches:
            by_expert.setdefault(expert, {})[scored_pitch] = mark.weighted
    normalised: dict[str, list[float]] = {}
    for marks in by_expert.values():
        for pitch_id, z in z_scores(marks).items():
            normalised.setdefault(pitch_id, []).append(z)

    rows = []
    for pitch in facts.pitches.values():
        pid = pitch.achievement_id
        raw = [marks[pid] for marks in by_expert.values() if pid in marks]
        zs = normalised.get(pid, [])
        comments = [
            ExpertComment(
                expert_id=expert,
                name=review.experts[expert].name if expert in review.experts else expert,
                weighted=scored.weighted,
                abstained=scored.abstained,
                comment=scored.comment,
            )
            for (expert, p), scored in review.scores.items()
            if p == pid
        ]
        rows.append(
            PitchResult(
                achievement_id=pid,
                title=pitch.title,
                raw_score=(sum(raw, Decimal(0)) / len(raw)).quantize(CENT, ROUND_HALF_UP)
                if raw
                else None,
                normalised_score=Decimal(str(round(sum(zs) / len(zs), 4))).quantize(TEN_THOUSANDTH)
                if zs
                else None,
                rank=None,
                scored_by=len(raw),
                abstentions=sum(1 for c in comments if c.abstained),
                recusals=sorted(e for (e, p) in review.recusals if p == pid),
                comments=comments,
            )
        )
    ranked = sorted(
        (r for r in rows if r.normalised_score is not None),
        key=lambda r: (-(r.normalised_score or 0), -(r.raw_score or 0), r.achievement_id),
    )
    ranks = {r.achievement_id: rank for rank, r in enumerate(ranked, start=1)}
    return [r.model_copy(update={"rank": ranks.get(r.achievement_id)}) for r in rows]


def _not_a_pitch() -> DomainError:
    return DomainError(
        "not_a_pitch", "该项目不在本场路演项目中", "This project is not pitched here"
    )


def _wrong_state(code: str, status: EventStatus, zh: str, en: str) -> StateConflict:
    return StateConflict(
        code, f"{zh}（路演当前状态：{STATUS_NAMES[status]}）", f"{en} (the roadshow is {status})"
    )
