"""The screening round (项目筛选) of one roadshow event: longlist, company interest, shortlist.

    open ─(agencies and the host add and remove candidates)─ publish → published ─finalise→ finalised
                                                   companies answer and state demands ↺

Before publication the longlist changes freely; after it, candidates may still be removed (a holder
withdrew, say) but not added, since the companies were asked about the list as pushed. The longlist
may be pushed again to companies registered since. Once finalised, the round changes no more.

Every command is one method that checks the state and who asks, and records its events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from screening.domain.access import (
    CURATORS,
    ORGANISERS,
    Actor,
    companies_only,
    curators_only,
    not_pushed_to_you,
    not_your_round,
    organisers_only,
)
from screening.domain.commands import (
    FinalizeShortlist,
    LonglistCandidate,
    OpenScreeningRound,
    PublishLonglist,
    RecordInterest,
    RemoveCandidate,
    StateDemand,
)
from screening.domain.shortlist import Candidate, Suggestion, Tally, suggest_shortlist, tally
from ztc_shared.contracts.screening import (
    LONGLIST_RANGE,
    SCREENING_ROUND,
    SHORTLIST_RANGE,
    SIZE_NAMES,
    CandidateLonglisted,
    CandidateRemoved,
    CompanyDemandStated,
    CompanyInterestRecorded,
    InterestAnswer,
    InterestLevel,
    InterestReason,
    LonglistPublished,
    ScreeningRoundOpened,
    ShortlistFinalized,
    SizeName,
)
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.domain import Aggregate, DomainError, StateConflict


class RoundStatus(StrEnum):
    OPEN = "open"  # 初筛中
    PUBLISHED = "published"  # 已推送企业，征求意愿
    FINALIZED = "finalized"  # 已确定路演项目


STATUS_NAMES = {
    RoundStatus.OPEN: "初筛中",
    RoundStatus.PUBLISHED: "已推送企业",
    RoundStatus.FINALIZED: "已确定路演项目",
}

# Only these library statuses may be longlisted: evaluated and admitted (已入库) or disclosed (已公开).
LONGLISTABLE = frozenset({"admitted", "published"})


@dataclass(frozen=True)
class LibraryFacts:
    """What the library shows of an achievement when it is longlisted (read by the handler)."""

    achievement_id: str
    title: str
    field: IndustryField
    combined_score: Decimal | None
    status: str


class ScreeningRound(Aggregate):
    stream_type = SCREENING_ROUND

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.status: RoundStatus | None = None
        self.opened: ScreeningRoundOpened | None = None
        self.longlist: dict[str, CandidateLonglisted] = {}  # in the order added
        self.removed: dict[str, str] = {}  # achievement → why it was removed
        self.published_ids: list[str] = []
        self.companies: list[str] = []  # pushed to, in order
        self.answers: dict[str, dict[str, InterestAnswer]] = {}  # company → achievement → answer
        self.demands: list[CompanyDemandStated] = []
        self.finalized: ShortlistFinalized | None = None

    # reading

    @property
    def theme_fields(self) -> list[IndustryField]:
        return list(self.opened.fields) if self.opened else []

    @property
    def shortlist_range(self) -> tuple[int, int]:
        if self.opened is None:
            return SHORTLIST_RANGE
        return self.opened.shortlist_min, self.opened.shortlist_max

    def candidates(self) -> list[Candidate]:
        return [
            Candidate(c.achievement_id, c.title, c.field, c.combined_score)
            for c in self.longlist.values()
        ]

    def tally(self) -> dict[str, Tally]:
        """The live tally: every company's latest answer on each candidate still on the longlist."""
        current = [
            answer
            for answers in self.answers.values()
            for answer in answers.values()
            if answer.achievement_id in self.longlist
        ]
        return tally(current)

    def suggestions(self) -> list[Suggestion]:
        return suggest_shortlist(
            self.candidates(), self.tally(), self.theme_fields, self.shortlist_range[1]
        )

    # organisers

    def open(self, command: OpenScreeningRound, actor: Actor) -> None:
        if actor.role not in ORGANISERS:
            raise organisers_only()
        if self.exists:
            raise StateConflict(
                "already_opened", "该筛选轮次已经启动", "This round is open already"
            )
        _check_sizes(command)
        host_id = actor.id if actor.is_host else command.host_id
        self._record(
            ScreeningRoundOpened(**command.model_dump(exclude={"host_id"}), host_id=host_id)
        )

    def publish(self, command: PublishLonglist, actor: Actor) -> None:
        self._require_organiser(actor)
        self._require_not_finalized()
        if not command.company_ids:
            raise DomainError(
                "no_companies",
                "没有可推送的企业：该路演尚无审核通过的报名企业，也未指定企业",
                "No companies to push to: no registration for the roadshow is approved yet, "
                "and none is named",
            )
        if len(set(command.company_ids)) != len(command.company_ids):
            raise DomainError(
                "duplicate_company", "企业名单中有重复的企业", "A company is named twice"
            )
        minimum = self.shortlist_range[0]
        if len(self.longlist) < minimum:
            raise DomainError(
                "longlist_too_short",
                f"初筛名单只有 {len(self.longlist)} 项，至少需要 {minimum} 项才能推送企业"
                f"（路演项目不少于 {minimum} 个）",
                f"The longlist has {len(self.longlist)} candidates; at least {minimum} are needed",
            )
        new = [c for c in command.company_ids if c not in self.companies]
        if not new and self.published_ids == list(self.longlist):
            return  # pushed to all of them already: a retry
        self._record(
            LonglistPublished(
                candidate_ids=list(self.longlist), company_ids=new or list(self.companies)
            )
        )

    def finalize(self, command: FinalizeShortlist, actor: Actor) -> None:
        self._require_organiser(actor)
        self._require_not_finalized()
        if self.status is not RoundStatus.PUBLISHED:
            raise _wrong_state(
                "not_published",
                self.status,
                "初筛名单推送企业、征求意愿后才能确定路演项目",
                "The longlist must be pushed to companies before the shortlist is decided",
            )
        selected = command.selected
        if len(set(selected)) != len(selected):
            raise DomainError(
                "duplicate_selection", "入选项目中有重复的项目", "A project is selected twice"
            )
        unknown = [a for a in selected if a not in self.longlist]
        if unknown:
            raise DomainError(
                "not_on_longlist",
                f"以下项目不在初筛名单中：{'、'.join(unknown)}",
                f"Not on the longlist: {', '.join(unknown)}",
            )
        low, high = self.shortlist_range
        if not low <= len(selected) <= high:
            raise DomainError(
                "shortlist_size",
                f"拟路演项目应为 {low}–{high} 个，当前选择了 {len(selected)} 个",
                f"Select {low} to {high} projects for the stage; {len(selected)} were selected",
            )
        stray = sorted(set(command.reasons) - set(selected))
        if stray:
            raise DomainError(
                "reason_for_unselected",
                f"以下项目未入选，不应填写入选理由：{'、'.join(stray)}",
                f"Reasons given for projects not selected: {', '.join(stray)}",
            )
        suggested = {s.achievement_id: s.reason_zh for s in self.suggestions()}
        reasons = {
            a: command.reasons.get(a) or suggested.get(a) or "承办单位选定" for a in selected
        }
        self._record(
            ShortlistFinalized(
                selected=list(selected),
                not_selected=[a for a in self.longlist if a not in selected],
                reasons=reasons,
                note=command.note,
            )
        )

    # agencies and the host

    def add_candidate(self, command: LonglistCandidate, facts: LibraryFacts, actor: Actor) -> None:
        self._require_curator(actor)
        self._require_not_finalized()
        if self.status is RoundStatus.PUBLISHED:
            raise _wrong_state(
                "longlist_published",
                self.status,
                "初筛名单已推送企业，不能再增加项目",
                "The longlist was pushed to companies; no candidate can be added now",
            )
        if command.achievement_id in self.longlist:
            raise StateConflict(
                "already_longlisted",
                f"“{self.longlist[command.achievement_id].title}”已在初筛名单中",
                "This achievement is on the longlist already",
            )
        if facts.status not in LONGLISTABLE:
            raise DomainError(
                "not_in_library",
                "只有已入库或已公开的科技成果可以列入初筛名单",
                "Only admitted or published achievements can be longlisted",
            )
        self._record(
            CandidateLonglisted(
                achievement_id=command.achievement_id,
                title=facts.title,
                field=facts.field,
                combined_score=facts.combined_score,
                reason=command.reason,
                recommended_rank=command.recommended_rank,
                recommendation_score=command.recommendation_score,
            )
        )

    def remove_candidate(self, command: RemoveCandidate, actor: Actor) -> None:
        self._require_curator(actor)
        self._require_not_finalized()
        if command.achievement_id not in self.longlist:
            raise DomainError(
                "not_on_longlist",
                "该项目不在初筛名单中",
                "This achievement is not on the longlist",
            )
        self._record(CandidateRemoved(achievement_id=command.achievement_id, reason=command.reason))

    # companies

    def record_interest(self, command: RecordInterest, actor: Actor) -> None:
        self._require_pushed_company(actor)
        ids = [a.achievement_id for a in command.answers]
        if len(set(ids)) != len(ids):
            raise DomainError(
                "duplicate_answer", "同一项目只能填写一次意愿", "One answer per candidate"
            )
        unknown = [a for a in ids if a not in self.published_ids or a not in self.longlist]
        if unknown:
            raise DomainError(
                "not_on_pushed_longlist",
                f"以下项目不在推送的初筛名单中：{'、'.join(unknown)}",
                f"Not on the longlist pushed to you: {', '.join(unknown)}",
            )
        for answer in command.answers:
            if answer.level is InterestLevel.NOT_INTERESTED and answer.reason is None:
                raise DomainError(
                    "reason_required",
                    "选择“不感兴趣”时请选择原因",
                    "Say why, when not interested",
                )
            if answer.reason is InterestReason.OTHER and not answer.suggestion:
                raise DomainError(
                    "suggestion_required",
                    "原因选择“其他”时请填写具体意见",
                    "Describe the reason when it is 'other'",
                )
        self._record(CompanyInterestRecorded(company_id=actor.id, answers=command.answers))

    def state_demand(self, command: StateDemand, actor: Actor) -> None:
        self._require_pushed_company(actor)
        self._record(
            CompanyDemandStated(company_id=actor.id, demand=command.demand, fields=command.fields)
        )

    # guards

    def _require_organiser(self, actor: Actor) -> None:
        if actor.role not in ORGANISERS:
            raise organisers_only()
        self._require_own_round(actor)

    def _require_curator(self, actor: Actor) -> None:
        if actor.role not in CURATORS:
            raise curators_only()
        self._require_own_round(actor)

    def _require_own_round(self, actor: Actor) -> None:
        host_id = self.opened.host_id if self.opened else None
        if actor.is_host and host_id is not None and host_id != actor.id:
            raise not_your_round()

    def _require_not_finalized(self) -> None:
        if self.status is RoundStatus.FINALIZED:
            raise _wrong_state(
                "round_finalized",
                self.status,
                "路演项目已确定，本轮筛选不能再修改",
                "The shortlist is final; this round changes no more",
            )

    def _require_pushed_company(self, actor: Actor) -> None:
        if not actor.is_company:
            raise companies_only()
        if self.status is RoundStatus.OPEN:
            raise _wrong_state(
                "not_published",
                self.status,
                "初筛名单尚未推送企业，暂不能填写意愿",
                "The longlist has not been pushed to companies yet",
            )
        self._require_not_finalized()
        if actor.id not in self.companies:
            raise not_pushed_to_you()

    # state

    def _when_ScreeningRoundOpened(self, event: ScreeningRoundOpened) -> None:  # noqa: N802
        self.status = RoundStatus.OPEN
        self.opened = event

    def _when_CandidateLonglisted(self, event: CandidateLonglisted) -> None:  # noqa: N802
        self.longlist[event.achievement_id] = event
        self.removed.pop(event.achievement_id, None)

    def _when_CandidateRemoved(self, event: CandidateRemoved) -> None:  # noqa: N802
        self.longlist.pop(event.achievement_id, None)
        self.removed[event.achievement_id] = event.reason

    def _when_LonglistPublished(self, event: LonglistPublished) -> None:  # noqa: N802
        self.status = RoundStatus.PUBLISHED
        self.published_ids = list(event.candidate_ids)
        self.companies += [c for c in event.company_ids if c not in self.companies]

    def _when_CompanyInterestRecorded(self, event: CompanyInterestRecorded) -> None:  # noqa: N802
        answers = self.answers.setdefault(event.company_id, {})
        for answer in event.answers:
            answers[answer.achievement_id] = answer

    def _when_CompanyDemandStated(self, event: CompanyDemandStated) -> None:  # noqa: N802
        self.demands.append(event)

    def _when_ShortlistFinalized(self, event: ShortlistFinalized) -> None:  # noqa: N802
        self.status = RoundStatus.FINALIZED
        self.finalized = event


def _check_sizes(command: OpenScreeningRound) -> None:
    """Each size within the guideline's range, or excused with a reason."""
    excused = {e.size for e in command.exceptions}
    named = [e.size for e in command.exceptions]
    if len(set(named)) != len(named):
        raise DomainError(
            "duplicate_exception", "同一数量只能说明一次理由", "One exception per size"
        )
    checks: Sequence[tuple[SizeName, int, tuple[int, int], str]] = (
        (SizeName.LONGLIST_TARGET, command.longlist_target, LONGLIST_RANGE, "（指南为100个左右）"),
        (SizeName.SHORTLIST_MIN, command.shortlist_min, SHORTLIST_RANGE, "（指南为约10–20个）"),
        (SizeName.SHORTLIST_MAX, command.shortlist_max, SHORTLIST_RANGE, "（指南为约10–20个）"),
    )
    for size, value, (low, high), guideline in checks:
        if not low <= value <= high and size not in excused:
            raise DomainError(
                f"{size.value}_out_of_range",
                f"{SIZE_NAMES[size]}应在 {low}–{high} 之间{guideline}，当前为 {value}；"
                "如确需超出，请在例外说明中写明理由",
                f"{size.value} should be {low} to {high} (it is {value}); "
                "give an exception with a reason to go beyond",
            )


def _wrong_state(code: str, status: RoundStatus | None, zh: str, en: str) -> StateConflict:
    now = STATUS_NAMES.get(status, "不存在") if status else "不存在"
    return StateConflict(code, f"{zh}（当前状态：{now}）", f"{en} (it is {status or 'absent'})")
