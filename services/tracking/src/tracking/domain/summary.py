"""A host's year-end summary (工作总结): drafted from the year's figures and the host's words,
submitted to Torch Center by 31 December, accepted or returned with comments.

Reminders before the deadline and the flag after it are announced by the worker's timer, once per
threshold (30, 7 and 1 days left; overdue): the aggregate keeps which it announced.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from ztc_shared.contracts.tracking import (
    YEAR_SUMMARY,
    SummaryAccepted,
    SummaryDrafted,
    SummaryDue,
    SummaryFigures,
    SummaryNarrative,
    SummaryReturned,
    SummarySubmitted,
)
from ztc_shared.domain import Aggregate, DomainError, StateConflict

REMINDER_DAYS = (30, 7, 1)


class SummaryStatus(StrEnum):
    NOT_STARTED = "not_started"  # 未起草
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交
    RETURNED = "returned"  # 已退回
    ACCEPTED = "accepted"  # 已通过


SUMMARY_STATUS_NAMES = {
    SummaryStatus.NOT_STARTED: "未起草",
    SummaryStatus.DRAFT: "草稿",
    SummaryStatus.SUBMITTED: "已提交",
    SummaryStatus.RETURNED: "已退回修改",
    SummaryStatus.ACCEPTED: "已审核通过",
}


def deadline_of(year: int) -> date:
    """Summaries are due by the end of the year (每年年底前)."""
    return date(year, 12, 31)


class YearSummary(Aggregate):
    stream_type: ClassVar[str] = YEAR_SUMMARY

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.status = SummaryStatus.NOT_STARTED
        self.draft: SummaryDrafted | None = None
        self.submitted: SummarySubmitted | None = None
        self.returned: list[SummaryReturned] = []
        self.accepted: SummaryAccepted | None = None
        self.reminded: set[int] = set()
        self.overdue_flagged = False

    def draft_summary(
        self,
        *,
        region: str,
        year: int,
        host_id: str,
        host_name: str,
        figures: SummaryFigures,
        narrative: SummaryNarrative,
    ) -> None:
        if self.status in (SummaryStatus.SUBMITTED, SummaryStatus.ACCEPTED):
            raise StateConflict(
                "summary.locked",
                "工作总结已提交，退回修改前不能再编辑",
                "The summary was submitted; it can be edited only after it is returned",
            )
        self._record(
            SummaryDrafted(
                region=region,
                year=year,
                host_id=host_id,
                host_name=host_name,
                figures=figures,
                narrative=narrative,
                deadline=deadline_of(year),
            )
        )

    def submit(self, *, today: date) -> None:
        draft = self._draft_or_refuse()
        if self.status not in (SummaryStatus.DRAFT, SummaryStatus.RETURNED):
            raise StateConflict(
                "summary.not_draft",
                "工作总结已提交或已通过，不能重复提交",
                "The summary was already submitted",
            )
        narrative = draft.narrative
        missing = [
            name
            for name, text in (
                ("工作经验", narrative.experience),
                ("工作成效", narrative.results),
                ("存在不足", narrative.shortfalls),
                ("意见建议", narrative.suggestions),
            )
            if len(text.strip()) < 2
        ]
        if missing:
            raise DomainError(
                "summary.incomplete",
                f"工作总结尚缺以下内容：{'、'.join(missing)}",
                "The summary needs experience, results, shortfalls and suggestions",
            )
        self._record(
            SummarySubmitted(
                region=draft.region,
                year=draft.year,
                host_id=draft.host_id,
                submitted_on=today,
                late=today > draft.deadline,
            )
        )

    def accept(self, comment: str) -> None:
        draft = self._draft_or_refuse()
        self._must_be_submitted()
        self._record(
            SummaryAccepted(
                region=draft.region, year=draft.year, host_id=draft.host_id, comment=comment
            )
        )

    def return_with(self, comments: str) -> None:
        draft = self._draft_or_refuse()
        self._must_be_submitted()
        self._record(
            SummaryReturned(
                region=draft.region, year=draft.year, host_id=draft.host_id, comments=comments
            )
        )

    def remind(self, *, region: str, year: int, host_id: str, today: date) -> None:
        """Announce the next reminder threshold reached (or the deadline passed), once each."""
        if self.status in (SummaryStatus.SUBMITTED, SummaryStatus.ACCEPTED):
            return
        deadline = deadline_of(year)
        days_left = (deadline - today).days
        if days_left < 0:
            if self.overdue_flagged:
                return
            self._record(
                SummaryDue(
                    region=region,
                    year=year,
                    host_id=host_id,
                    deadline=deadline,
                    days_left=days_left,
                    overdue=True,
                )
            )
            return
        due = [t for t in REMINDER_DAYS if days_left <= t and t not in self.reminded]
        if not due:
            return
        self._record(
            SummaryDue(
                region=region, year=year, host_id=host_id, deadline=deadline, days_left=days_left
            )
        )

    def _draft_or_refuse(self) -> SummaryDrafted:
        if self.draft is None:
            raise StateConflict(
                "summary.no_draft", "尚未起草工作总结", "There is no draft of the summary yet"
            )
        return self.draft

    def _must_be_submitted(self) -> None:
        if self.status is not SummaryStatus.SUBMITTED:
            raise StateConflict(
                "summary.not_submitted",
                "只能审核已提交的工作总结",
                "Only a submitted summary can be accepted or returned",
            )

    def _when_SummaryDrafted(self, event: SummaryDrafted) -> None:  # noqa: N802
        self.draft = event
        self.status = SummaryStatus.DRAFT

    def _when_SummaryDue(self, event: SummaryDue) -> None:  # noqa: N802
        if event.overdue:
            self.overdue_flagged = True
        else:
            self.reminded.update(t for t in REMINDER_DAYS if event.days_left <= t)

    def _when_SummarySubmitted(self, event: SummarySubmitted) -> None:  # noqa: N802
        self.submitted = event
        self.status = SummaryStatus.SUBMITTED

    def _when_SummaryAccepted(self, event: SummaryAccepted) -> None:  # noqa: N802
        self.accepted = event
        self.status = SummaryStatus.ACCEPTED

    def _when_SummaryReturned(self, event: SummaryReturned) -> None:  # noqa: N802
        self.returned.append(event)
        self.status = SummaryStatus.RETURNED
