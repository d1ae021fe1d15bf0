"""The online channel of a roadshow (线上线下对接渠道).

The longlisted projects that were not put on stage are listed for the roadshow's registered
companies; a company asks to meet one, and the holder accepts or declines. An accepted request is an
intent declared through the online channel, which tracking follows.

Rules: only a company whose registration was approved asks, only for a project of the channel, and
once per project while its request is open or accepted; a declined pair stays declined (the holder
said no). Only the project's holder — or the host or the organisers on the holder's behalf —
answers, and only an open request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from roadshow.domain.access import ORGANISERS, Actor, forbidden, not_your_roadshow
from roadshow.domain.commands import (
    AcceptOnlineMeeting,
    DeclineOnlineMeeting,
    RequestOnlineMeeting,
)
from roadshow.domain.roadshow_event import EventStatus, RoadshowFacts
from ztc_shared.contracts.roadshow import (
    ROADSHOW_ONLINE,
    OnlineMeetingAccepted,
    OnlineMeetingDeclined,
    OnlineMeetingRequested,
)
from ztc_shared.domain import Aggregate, DomainError, StateConflict


class RequestState(StrEnum):
    REQUESTED = "requested"  # 待答复
    ACCEPTED = "accepted"  # 已同意
    DECLINED = "declined"  # 已婉拒


REQUEST_STATE_NAMES = {
    RequestState.REQUESTED: "待答复",
    RequestState.ACCEPTED: "已同意",
    RequestState.DECLINED: "已婉拒",
}


@dataclass
class OnlineRequest:
    requested: OnlineMeetingRequested
    state: RequestState = RequestState.REQUESTED
    answer: str = ""


class OnlineChannel(Aggregate):
    stream_type = ROADSHOW_ONLINE

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.requests: dict[tuple[str, str], OnlineRequest] = {}  # (achievement, company)

    def request(
        self,
        command: RequestOnlineMeeting,
        facts: RoadshowFacts,
        company_name: str,
        actor: Actor,
    ) -> None:
        if not actor.is_company:
            raise forbidden(
                "companies_only", "只有企业可以申请线上对接", "Only companies ask to meet"
            )
        if facts.status is EventStatus.PLANNED or facts.status is EventStatus.REGISTRATION_OPEN:
            raise StateConflict(
                "channel_not_open",
                "路演项目确定后才开放线上对接渠道",
                "The online channel opens once the shortlist is received",
            )
        if command.achievement_id not in facts.online:
            raise DomainError(
                "not_in_channel",
                "该项目不在本场路演的线上对接渠道中",
                "This project is not offered in this roadshow's online channel",
            )
        if actor.id not in facts.confirmed:
            raise forbidden(
                "not_attending",
                "只有报名审核通过的单位可以申请对接",
                "Only companies whose registration was approved may ask",
            )
        existing = self.requests.get((command.achievement_id, actor.id))
        if existing is not None:
            if existing.state is RequestState.DECLINED:
                raise StateConflict(
                    "declined_before",
                    "项目方已婉拒本单位的对接申请",
                    "The holder declined your request for this project",
                )
            if existing.requested.modes == command.modes:
                return  # asked already, the same way: a retry
            raise StateConflict(
                "requested_already",
                "已申请与该项目对接，请等待项目方答复",
                "You asked to meet this project already; wait for the holder's answer",
            )
        self._record(
            OnlineMeetingRequested(
                roadshow_id=facts.roadshow_id,
                achievement_id=command.achievement_id,
                company_id=actor.id,
                company_name=company_name,
                modes=command.modes,
                message=command.message,
            )
        )

    def accept(
        self,
        command: AcceptOnlineMeeting,
        facts: RoadshowFacts,
        holder_id: str | None,
        actor: Actor,
    ) -> None:
        request = self._open_request(
            command.achievement_id, command.company_id, facts, holder_id, actor
        )
        if request is None:
            return
        self._record(
            OnlineMeetingAccepted(
                roadshow_id=facts.roadshow_id,
                achievement_id=command.achievement_id,
                company_id=command.company_id,
                modes=request.requested.modes,
                accepted_by=actor.id,
                note=command.note,
            )
        )

    def decline(
        self,
        command: DeclineOnlineMeeting,
        facts: RoadshowFacts,
        holder_id: str | None,
        actor: Actor,
    ) -> None:
        request = self._open_request(
            command.achievement_id, command.company_id, facts, holder_id, actor, declining=True
        )
        if request is None:
            return
        self._record(
            OnlineMeetingDeclined(
                roadshow_id=facts.roadshow_id,
                achievement_id=command.achievement_id,
                company_id=command.company_id,
                declined_by=actor.id,
                reason=command.reason,
            )
        )

    def _open_request(
        self,
        achievement_id: str,
        company_id: str,
        facts: RoadshowFacts,
        holder_id: str | None,
        actor: Actor,
        *,
        declining: bool = False,
    ) -> OnlineRequest | None:
        """The request to answer, or None when the same answer was given already (a retry)."""
        if actor.role in ORGANISERS:
            if actor.is_host and actor.id != facts.host_id:
                raise not_your_roadshow()
        elif holder_id is None or actor.id != holder_id:
            raise forbidden(
                "not_your_project",
                "只有项目持有人或承办单位可以答复对接申请",
                "Only the project's holder or the host answers a request",
            )
        request = self.requests.get((achievement_id, company_id))
        if request is None:
            raise DomainError(
                "no_request", "该企业没有申请与该项目对接", "This company has not asked to meet"
            )
        wanted = RequestState.DECLINED if declining else RequestState.ACCEPTED
        if request.state is wanted:
            return None
        if request.state is not RequestState.REQUESTED:
            raise StateConflict(
                "answered_already",
                f"该申请已答复（{REQUEST_STATE_NAMES[request.state]}）",
                f"This request was answered already ({request.state.value})",
            )
        return request

    # state

    def _when_OnlineMeetingRequested(self, event: OnlineMeetingRequested) -> None:  # noqa: N802
        self.requests[(event.achievement_id, event.company_id)] = OnlineRequest(event)

    def _when_OnlineMeetingAccepted(self, event: OnlineMeetingAccepted) -> None:  # noqa: N802
        request = self.requests[(event.achievement_id, event.company_id)]
        request.state = RequestState.ACCEPTED
        request.answer = event.note

    def _when_OnlineMeetingDeclined(self, event: OnlineMeetingDeclined) -> None:  # noqa: N802
        request = self.requests[(event.achievement_id, event.company_id)]
        request.state = RequestState.DECLINED
        request.answer = event.reason
