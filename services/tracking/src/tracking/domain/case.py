"""A tracking case (跟踪案例): one project followed until it lands, or until it ends.

The ladder is 路演完成 → 意向洽谈 → 签约 → 落地 → 产业化; a step may be skipped upward (a deal can be
signed straight after the stage) but never taken downward, and nothing but policy support and notes
is recorded on a case that ended (终止) — except that an ended case stays ended.

Follow-up rules: every case has a next follow-up date, set when it opens (quarterly by default) and
moved by every report. The worker's timer flags a case whose date passed (``FollowUpOverdue``) once
per date, and a case without progress for a configurable time (``CaseStalled``) once per stretch
without progress: the aggregate keeps what it flagged, so a timer that fires every minute, two
workers at once, or a replay never announce the same thing twice.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar

from tracking.domain.commands import (
    GrantPolicySupport,
    OpenCase,
    RecordIndustrialisation,
    RecordLanding,
    ReportProgress,
    SignDeal,
    TerminateCase,
)
from ztc_shared.contracts.tracking import (
    LADDER,
    STAGE_NAMES,
    TRACKING_CASE,
    CaseCause,
    CaseKind,
    CaseStage,
    CaseStalled,
    CaseTerminated,
    DealSigned,
    FollowUpOverdue,
    PolicySupportGranted,
    ProgressReported,
    ProjectIndustrialised,
    ProjectLanded,
    TrackingCaseOpened,
)
from ztc_shared.domain import Aggregate, DomainError, StateConflict
from ztc_shared.events import DomainEvent


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rank(stage: CaseStage) -> int:
    return LADDER.index(stage) if stage in LADDER else -1


class TrackingCase(Aggregate):
    stream_type: ClassVar[str] = TRACKING_CASE

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.opened: TrackingCaseOpened | None = None
        self.stage = CaseStage.PITCHED
        self.reached: list[CaseStage] = []
        self.next_follow_up: date | None = None
        self.last_progress_on: date | None = None
        self.deals: list[DealSigned] = []
        self.landing: ProjectLanded | None = None
        self.industrialisation: ProjectIndustrialised | None = None
        self.support: list[PolicySupportGranted] = []
        self.reports: list[ProgressReported] = []
        self.termination: CaseTerminated | None = None
        self.overdue_flagged_for: date | None = None
        self.stalled_flagged_for: date | None = None
        # The deployment's default interval between follow-ups; the handler sets it.
        self.follow_up_months = 3

    # --- facts -----------------------------------------------------------------------------

    @property
    def region(self) -> str:
        assert self.opened is not None
        return self.opened.region

    @property
    def achievement_id(self) -> str:
        assert self.opened is not None
        return self.opened.achievement_id

    @property
    def is_open(self) -> bool:
        return self.stage is not CaseStage.TERMINATED

    @property
    def deal_amount_wan(self) -> Decimal:
        return sum((d.amount_wan for d in self.deals), Decimal(0))

    # --- commands --------------------------------------------------------------------------

    def open(self, command: OpenCase, *, today: date) -> None:
        """Open the case; a case that exists already is left as it is (the cause came again)."""
        if self.exists:
            return
        stage = CaseStage.NEGOTIATING if command.kind is CaseKind.INTENT else command.stage
        if stage not in (CaseStage.PITCHED, CaseStage.NEGOTIATING):
            raise DomainError(
                "case.open_stage",
                "跟踪案例只能从“路演完成”或“意向洽谈”阶段开始",
                "A case opens at 'pitched' or 'negotiating'",
            )
        if command.kind is CaseKind.INTENT and command.company_id is None:
            raise DomainError(
                "case.intent_company",
                "对接意向跟踪须注明意向企业",
                "An intent case needs the company that declared the intent",
            )
        self._record(
            TrackingCaseOpened(
                kind=command.kind,
                cause=command.cause,
                cause_event_id=command.cause_event_id,
                region=command.region,
                achievement_id=command.achievement_id,
                title=command.title,
                institution=command.institution,
                field=command.field,
                company_id=command.company_id,
                roadshow_id=command.roadshow_id,
                host_id=command.host_id,
                year=command.year,
                stage=stage,
                opened_on=today,
                next_follow_up=add_months(today, self.follow_up_months),
            )
        )

    def report_progress(self, command: ReportProgress, *, today: date) -> None:
        self._must_be_open()
        stage = self.stage
        if command.negotiating:
            if rank(self.stage) > rank(CaseStage.NEGOTIATING):
                raise StateConflict(
                    "case.backwards",
                    f"案例已处于“{STAGE_NAMES[self.stage]}”阶段，不能回到“意向洽谈”",
                    f"The case is at {self.stage.value}; it cannot go back to negotiating",
                )
            stage = CaseStage.NEGOTIATING
        self._record(
            ProgressReported(
                region=self.region,
                achievement_id=self.achievement_id,
                stage=stage,
                note=command.note,
                reported_on=today,
                next_follow_up=self._next(command.next_follow_up, today),
            )
        )

    def sign_deal(self, command: SignDeal, *, today: date) -> None:
        self._must_be_open()
        self._not_in_future(command.signed_on, today)
        self._record(
            DealSigned(
                region=self.region,
                achievement_id=self.achievement_id,
                deal_type=command.deal_type,
                amount_wan=command.amount_wan,
                counterpart_id=command.counterpart_id,
                counterpart_name=command.counterpart_name,
                signed_on=command.signed_on,
                contract_no=command.contract_no,
                note=command.note,
                next_follow_up=self._next(command.next_follow_up, today),
            )
        )

    def record_landing(self, command: RecordLanding, *, today: date) -> None:
        self._must_be_open()
        self._not_in_future(command.landed_on, today)
        if not self.deals:
            raise StateConflict(
                "case.landing_before_deal",
                "项目尚未签约，不能登记落地；请先登记签约信息",
                "Record the deal before the landing",
            )
        if self.landing is not None:
            raise StateConflict(
                "case.landed_already",
                "该项目已登记落地",
                "The landing is already recorded",
            )
        if command.company_founded_locally and command.company_id is None:
            raise DomainError(
                "case.landing_company",
                "在本地新设企业的，须填写该企业的统一社会信用代码",
                "A company founded locally needs its unified social credit code",
            )
        self._record(
            ProjectLanded(
                region=self.region,
                achievement_id=self.achievement_id,
                landed_on=command.landed_on,
                company_founded_locally=command.company_founded_locally,
                company_id=command.company_id,
                company_name=command.company_name,
                investment_wan=command.investment_wan,
                jobs=command.jobs,
                production_started=command.production_started,
                note=command.note,
                next_follow_up=self._next(command.next_follow_up, today),
            )
        )

    def record_industrialisation(self, command: RecordIndustrialisation, *, today: date) -> None:
        self._must_be_open()
        self._not_in_future(command.reached_on, today)
        if self.landing is None:
            raise StateConflict(
                "case.industrialisation_before_landing",
                "项目尚未落地，不能登记产业化；请先登记落地情况",
                "Record the landing before industrialisation",
            )
        if self.industrialisation is not None:
            raise StateConflict(
                "case.industrialised_already",
                "该项目已登记产业化",
                "Industrialisation is already recorded",
            )
        self._record(
            ProjectIndustrialised(
                region=self.region,
                achievement_id=self.achievement_id,
                reached_on=command.reached_on,
                annual_revenue_wan=command.annual_revenue_wan,
                note=command.note,
                next_follow_up=self._next(command.next_follow_up, today),
            )
        )

    def grant_support(self, command: GrantPolicySupport, *, today: date) -> None:
        self._must_be_open()
        self._not_in_future(command.granted_on, today)
        self._record(
            PolicySupportGranted(
                region=self.region,
                achievement_id=self.achievement_id,
                kind=command.kind,
                amount_wan=command.amount_wan,
                granted_by=command.granted_by,
                granted_on=command.granted_on,
                description=command.description,
            )
        )

    def terminate(self, command: TerminateCase, *, today: date) -> None:
        self._must_be_open()
        self._record(
            CaseTerminated(
                region=self.region,
                achievement_id=self.achievement_id,
                stage_before=self.stage,
                reason=command.reason,
                explanation=command.explanation,
                terminated_on=today,
            )
        )

    def flag_overdue(self, *, today: date) -> None:
        """Announce a passed follow-up date, once per date; nothing when it is not due."""
        due = self.next_follow_up
        if not self.is_open or due is None or today <= due or self.overdue_flagged_for == due:
            return
        assert self.opened is not None
        self._record(
            FollowUpOverdue(
                region=self.region,
                achievement_id=self.achievement_id,
                title=self.opened.title,
                company_id=self.opened.company_id,
                host_id=self.opened.host_id,
                stage=self.stage,
                due_on=due,
                detected_on=today,
                days_overdue=(today - due).days,
            )
        )

    def flag_stalled(self, *, today: date, threshold_days: int) -> None:
        """Announce a stretch without progress, once per stretch; nothing when there is progress."""
        last = self.last_progress_on
        if not self.is_open or last is None or self.stalled_flagged_for == last:
            return
        if self.stage is CaseStage.INDUSTRIALISED:
            return  # the ladder's end: nothing left to stall on
        if (today - last).days < threshold_days:
            return
        assert self.opened is not None
        self._record(
            CaseStalled(
                region=self.region,
                achievement_id=self.achievement_id,
                title=self.opened.title,
                company_id=self.opened.company_id,
                host_id=self.opened.host_id,
                stage=self.stage,
                last_progress_on=last,
                detected_on=today,
                threshold_days=threshold_days,
            )
        )

    # --- rules -----------------------------------------------------------------------------

    def _must_be_open(self) -> None:
        if self.termination is not None:
            raise StateConflict(
                "case.terminated",
                "该跟踪案例已终止，不能再登记进展",
                "The case was terminated; nothing more can be recorded",
            )

    @staticmethod
    def _not_in_future(day: date, today: date) -> None:
        if day > today:
            raise DomainError(
                "case.future_date",
                f"日期 {day.isoformat()} 晚于今天，不能登记尚未发生的事项",
                f"{day.isoformat()} is in the future",
            )

    def _next(self, requested: date | None, today: date) -> date:
        if requested is None:
            return add_months(today, self.follow_up_months)
        if requested <= today:
            raise DomainError(
                "case.follow_up_past",
                "下次跟踪日期应晚于今天",
                "The next follow-up date must be after today",
            )
        if requested > today + timedelta(days=366):
            raise DomainError(
                "case.follow_up_far",
                "下次跟踪日期不应晚于一年之后",
                "The next follow-up must be within a year",
            )
        return requested

    # --- state -----------------------------------------------------------------------------

    def _climb(self, stage: CaseStage) -> None:
        if rank(stage) > rank(self.stage):
            self.stage = stage
        if stage not in self.reached:
            self.reached.append(stage)

    def _progress(self, day: date, next_follow_up: date) -> None:
        self.last_progress_on = day
        self.next_follow_up = next_follow_up

    def _when_TrackingCaseOpened(self, event: TrackingCaseOpened) -> None:  # noqa: N802
        self.opened = event
        self.stage = event.stage
        self.reached = list(LADDER[: rank(event.stage) + 1])
        self._progress(event.opened_on, event.next_follow_up)

    def _when_ProgressReported(self, event: ProgressReported) -> None:  # noqa: N802
        self.reports.append(event)
        self._climb(event.stage)
        self._progress(event.reported_on, event.next_follow_up)

    def _when_DealSigned(self, event: DealSigned) -> None:  # noqa: N802
        self.deals.append(event)
        self._climb(CaseStage.NEGOTIATING)
        self._climb(CaseStage.SIGNED)
        self._progress(
            max(event.signed_on, self.last_progress_on or event.signed_on), event.next_follow_up
        )

    def _when_ProjectLanded(self, event: ProjectLanded) -> None:  # noqa: N802
        self.landing = event
        self._climb(CaseStage.LANDED)
        self._progress(
            max(event.landed_on, self.last_progress_on or event.landed_on), event.next_follow_up
        )

    def _when_ProjectIndustrialised(self, event: ProjectIndustrialised) -> None:  # noqa: N802
        self.industrialisation = event
        self._climb(CaseStage.INDUSTRIALISED)
        self._progress(
            max(event.reached_on, self.last_progress_on or event.reached_on), event.next_follow_up
        )

    def _when_PolicySupportGranted(self, event: PolicySupportGranted) -> None:  # noqa: N802
        self.support.append(event)

    def _when_CaseTerminated(self, event: CaseTerminated) -> None:  # noqa: N802
        self.termination = event
        self.stage = CaseStage.TERMINATED
        self.next_follow_up = None

    def _when_FollowUpOverdue(self, event: FollowUpOverdue) -> None:  # noqa: N802
        self.overdue_flagged_for = event.due_on

    def _when_CaseStalled(self, event: CaseStalled) -> None:  # noqa: N802
        self.stalled_flagged_for = event.last_progress_on


CASE_EVENTS: tuple[type[DomainEvent], ...] = (
    TrackingCaseOpened,
    ProgressReported,
    DealSigned,
    ProjectLanded,
    ProjectIndustrialised,
    PolicySupportGranted,
    CaseTerminated,
    FollowUpOverdue,
    CaseStalled,
)
__all__ = ["CASE_EVENTS", "CaseCause", "TrackingCase", "add_months"]
