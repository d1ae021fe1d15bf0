"""The year: provinces apply (提出申请), Torch Center decides (确定名单) and launches (正式启动).

    HostApplication:  submitted ─approve→ approved
                                ─reject (reason)→ rejected ─resubmit→ submitted
    Programme:        (nothing) ─launch (approved applications' hosts, notice)→ launched

One application per province and year (``host-application-{year}-{province}``); while it is still
undecided the province may submit it again to correct it. The programme of a year is launched once,
from the hosts of the approved applications, which the handler reads and hands in.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from roadshow.domain.access import Actor, provinces_only, torch_center_only
from roadshow.domain.commands import (
    ApproveHostApplication,
    LaunchProgramme,
    RejectHostApplication,
    SubmitHostApplication,
)
from ztc_shared.auth import Role
from ztc_shared.contracts.roadshow import (
    HOST_APPLICATION,
    PROGRAMME,
    ConfirmedHost,
    HostApplicationApproved,
    HostApplicationRejected,
    HostApplicationSubmitted,
    ProgrammeLaunched,
)
from ztc_shared.domain import Aggregate, DomainError, Forbidden, StateConflict


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"  # 待审核
    APPROVED = "approved"  # 已列入名单
    REJECTED = "rejected"  # 未列入名单


APPLICATION_STATUS_NAMES = {
    ApplicationStatus.SUBMITTED: "待审核",
    ApplicationStatus.APPROVED: "已列入年度名单",
    ApplicationStatus.REJECTED: "未列入年度名单",
}


class HostApplication(Aggregate):
    stream_type = HOST_APPLICATION

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.status: ApplicationStatus | None = None
        self.submitted: HostApplicationSubmitted | None = None
        self.approved: HostApplicationApproved | None = None
        self.rejection: str | None = None

    def submit(self, command: SubmitHostApplication, actor: Actor) -> None:
        if actor.role != Role.PROVINCE.value:
            raise provinces_only()
        if actor.region is None or actor.region[2:] != "0000":
            raise Forbidden(
                "not_a_province",
                "申请单位须为省级科技管理部门（省级行政区划代码）",
                "The applicant must be a provincial department (a province's region code)",
            )
        if self.submitted is not None and self.submitted.applicant_id != actor.id:
            raise Forbidden(
                "not_your_application", "这不是贵单位的申请", "This is not your application"
            )
        if self.status is ApplicationStatus.APPROVED:
            raise StateConflict(
                "already_approved",
                "该申请已列入年度承办名单，不能再修改",
                "The application was approved; it changes no more",
            )
        host_ids = [h.host_id for h in command.proposed_hosts]
        if len(set(host_ids)) != len(host_ids):
            raise DomainError(
                "duplicate_host", "拟推荐承办单位有重复", "A proposed host is named twice"
            )
        self._record(
            HostApplicationSubmitted(
                **command.model_dump(), province=actor.region, applicant_id=actor.id
            )
        )

    def approve(self, command: ApproveHostApplication, actor: Actor) -> None:
        if actor.role != Role.TORCH_CENTER.value:
            raise torch_center_only()
        submitted = self._require_undecided()
        proposed = {h.host_id: h for h in submitted.proposed_hosts}
        unknown = [h for h in command.host_ids if h not in proposed]
        if unknown:
            raise DomainError(
                "host_not_proposed",
                f"以下单位不在申请的拟推荐承办单位中：{'、'.join(unknown)}",
                f"Not proposed in the application: {', '.join(unknown)}",
            )
        confirmed = [proposed[h] for h in command.host_ids] or list(submitted.proposed_hosts)
        self._record(
            HostApplicationApproved(
                year=submitted.year,
                province=submitted.province,
                confirmed_hosts=confirmed,
                note=command.note,
            )
        )

    def reject(self, command: RejectHostApplication, actor: Actor) -> None:
        if actor.role != Role.TORCH_CENTER.value:
            raise torch_center_only()
        submitted = self._require_undecided()
        self._record(
            HostApplicationRejected(
                year=submitted.year, province=submitted.province, reason=command.reason
            )
        )

    def _require_undecided(self) -> HostApplicationSubmitted:
        if self.submitted is None:
            raise StateConflict("not_submitted", "尚未提交申请", "Nothing was submitted")
        if self.status is not ApplicationStatus.SUBMITTED:
            raise StateConflict(
                "already_decided",
                f"该申请已审核（{APPLICATION_STATUS_NAMES[self.status]}）"
                if self.status
                else "该申请已审核",
                f"The application was decided already ({self.status})",
            )
        return self.submitted

    def _when_HostApplicationSubmitted(self, event: HostApplicationSubmitted) -> None:  # noqa: N802
        self.status = ApplicationStatus.SUBMITTED
        self.submitted = event
        self.rejection = None

    def _when_HostApplicationApproved(self, event: HostApplicationApproved) -> None:  # noqa: N802
        self.status = ApplicationStatus.APPROVED
        self.approved = event

    def _when_HostApplicationRejected(self, event: HostApplicationRejected) -> None:  # noqa: N802
        self.status = ApplicationStatus.REJECTED
        self.rejection = event.reason


class Programme(Aggregate):
    stream_type = PROGRAMME

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.launched: ProgrammeLaunched | None = None

    @property
    def host_ids(self) -> set[str]:
        return {h.host_id for h in self.launched.hosts} if self.launched else set()

    def launch(
        self,
        command: LaunchProgramme,
        year: int,
        approved: Sequence[HostApplicationApproved],
        actor: Actor,
    ) -> None:
        if actor.role != Role.TORCH_CENTER.value:
            raise torch_center_only()
        if self.launched is not None:
            raise StateConflict(
                "already_launched", f"{year}年度已正式启动", f"The {year} programme was launched"
            )
        hosts: dict[str, ConfirmedHost] = {}
        for application in approved:
            if application.year != year:
                continue
            for host in application.confirmed_hosts:
                hosts.setdefault(
                    host.host_id, ConfirmedHost(**host.model_dump(), province=application.province)
                )
        if not hosts:
            raise DomainError(
                "no_hosts",
                f"{year}年度尚无经审核同意的承办单位，不能启动",
                f"No application for {year} was approved; there is no host to launch with",
            )
        self._record(
            ProgrammeLaunched(
                year=year,
                hosts=list(hosts.values()),
                notice_title=command.notice_title,
                notice_body=command.notice_body,
                audiences=command.audiences,
            )
        )

    def _when_ProgrammeLaunched(self, event: ProgrammeLaunched) -> None:  # noqa: N802
        self.launched = event
