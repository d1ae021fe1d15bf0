"""One roadshow's one-to-one meetings (一对一对接), a stream of their own beside the roadshow.

Companies (confirmed registrations) and projects (the shortlist's pitches) mark each other 必须见 /
愿意见 / 不必了, and each declares the slots it is free. The host sets the session up: start, slot
length and count, tables per slot, caps, and which holder account speaks for each project. The host
proposes a provisional schedule (the scheduler's fast solver, run by the handler; the event keeps
its answer, so replaying never solves again), may propose again while wishes change, and finalises
it. After that only the day's records: moves, cancellations, held meetings and no-shows; the
scheduler's functions re-check every rule and a refusal becomes a 422 with their Chinese message.

Who may act: a company for itself about a pitch; a holder for the projects the setup names it for,
about a confirmed company; the host of the roadshow (or the organisers above it) for anyone. What
the roadshow knows (its host, status, pitches and confirmed companies) is read by the handler and
handed in as :class:`MeetingFacts`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from roadshow.domain.access import ORGANISERS, Actor, forbidden, not_your_roadshow, organisers_only
from roadshow.domain.commands import (
    CancelMeeting,
    DeclareAvailability,
    FinalizeMeetingSchedule,
    MoveMeeting,
    ProposeMeetingSchedule,
    RecordMeetingHeld,
    RecordMeetingMissed,
    SetUpMeetings,
    StateMeetingPreference,
)
from roadshow.domain.roadshow_event import STATUS_NAMES, EventStatus, RoadshowEvent, Seat
from roadshow.domain.scheduling import (
    Change,
    Company,
    Meeting,
    MeetingStatus,
    Preference,
    Priority,
    Problem,
    Project,
    Reason,
    Schedule,
    ScheduleError,
    Side,
    Stage,
    Unplaced,
    cancel_meeting,
    finalize,
    make_slots,
    move_meeting,
    record_no_show,
)
from ztc_shared.auth import Role
from ztc_shared.contracts.roadshow import (
    ROADSHOW_MEETINGS,
    AvailabilityDeclared,
    MeetingCancelled,
    MeetingHeld,
    MeetingLevel,
    MeetingMissed,
    MeetingMoved,
    MeetingPreferenceStated,
    MeetingScheduleFinalized,
    MeetingScheduleProposed,
    MeetingSide,
    MeetingSlotsDeclared,
    Pitch,
    PlannedMeeting,
    UnplacedPair,
)
from ztc_shared.domain import Aggregate, DomainError, StateConflict

# the shortlist is known and the roadshow is not over
OPEN_FOR_MEETINGS = frozenset(
    {EventStatus.SHORTLIST_RECEIVED, EventStatus.COACHING, EventStatus.LIVE}
)


class MeetingsStatus(StrEnum):
    COLLECTING = "collecting"  # 征集意愿中
    PROPOSED = "proposed"  # 暂定日程
    FINAL = "final"  # 正式日程


MEETINGS_STATUS_NAMES = {
    MeetingsStatus.COLLECTING: "征集意愿中",
    MeetingsStatus.PROPOSED: "暂定日程",
    MeetingsStatus.FINAL: "正式日程",
}


@dataclass(frozen=True)
class MeetingFacts:
    """What the meetings need to know of their roadshow (read by the handler)."""

    roadshow_id: str
    host_id: str
    status: EventStatus
    pitches: Mapping[str, Pitch]
    confirmed: Mapping[str, str]  # credit code → name, approved registrations with a seat
    names: Mapping[str, str] = field(default_factory=dict)  # every registered company's name


def meeting_facts(event: RoadshowEvent) -> MeetingFacts:
    if event.status is None:
        raise StateConflict("not_planned", "该路演活动不存在", "No such roadshow")
    names = {c: r.registered.name for c, r in event.registrations.items()}
    return MeetingFacts(
        roadshow_id=event.id,
        host_id=event.host_id,
        status=event.status,
        pitches=dict(event.pitches),
        confirmed={c: names[c] for c, r in event.registrations.items() if r.seat is Seat.CONFIRMED},
        names=names,
    )


def _refused(error: ScheduleError) -> DomainError:
    return DomainError("schedule_rule", str(error), "The change would break a scheduling rule")


class OneToOneMeetings(Aggregate):
    stream_type = ROADSHOW_MEETINGS

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.setup: MeetingSlotsDeclared | None = None
        self.free: dict[tuple[MeetingSide, str], frozenset[int]] = {}
        # (side, company, project) → the side's wish about the pair
        self.wishes: dict[tuple[MeetingSide, str, str], MeetingLevel] = {}
        self.schedule: Schedule | None = None
        self.held: set[tuple[str, str]] = set()

    # reading

    @property
    def status(self) -> MeetingsStatus:
        if self.schedule is None:
            return MeetingsStatus.COLLECTING
        return (
            MeetingsStatus.FINAL if self.schedule.stage is Stage.FINAL else MeetingsStatus.PROPOSED
        )

    def problem(self, facts: MeetingFacts) -> Problem:
        """The scheduler's instance: confirmed companies and pitches (and anyone already in the
        schedule), their free slots, and the wishes between parties both present."""
        setup = self.setup
        if setup is None:
            raise StateConflict(
                "not_set_up", "承办单位尚未设置对接时段", "Set the session up first"
            )
        in_schedule = self.schedule.meetings if self.schedule else ()
        company_ids = list(facts.confirmed) + sorted(
            {m.company for m in in_schedule} - set(facts.confirmed)
        )
        project_ids = list(facts.pitches) + sorted(
            {m.project for m in in_schedule} - set(facts.pitches)
        )
        companies = tuple(
            Company(
                c,
                facts.names.get(c, c),
                self.free.get((MeetingSide.COMPANY, c), frozenset()),
            )
            for c in company_ids
        )
        projects = tuple(
            Project(
                p,
                facts.pitches[p].title if p in facts.pitches else p,
                self.free.get((MeetingSide.PROJECT, p), frozenset()),
            )
            for p in project_ids
        )
        known_c, known_p = set(company_ids), set(project_ids)
        company_wishes: dict[tuple[str, str], Preference] = {}
        project_wishes: dict[tuple[str, str], Preference] = {}
        for (side, c, p), level in self.wishes.items():
            if c in known_c and p in known_p:
                target = company_wishes if side is MeetingSide.COMPANY else project_wishes
                target[(c, p)] = Preference(level.value)
        return Problem(
            slots=tuple(setup.slots),
            tables=setup.tables,
            max_per_company=setup.max_per_company,
            max_per_project=setup.max_per_project,
            companies=companies,
            projects=projects,
            company_wishes=company_wishes,
            project_wishes=project_wishes,
        )

    def projects_of(self, holder_id: str) -> list[str]:
        holders = self.setup.holders if self.setup else {}
        return [p for p, h in holders.items() if h == holder_id]

    def require_reader(self, actor: Actor, facts: MeetingFacts) -> None:
        """The whole schedule is for the host of the roadshow and the organisers above it."""
        if actor.role not in ORGANISERS:
            raise organisers_only()
        if actor.is_host and actor.id != facts.host_id:
            raise not_your_roadshow()

    # the host

    def set_up(self, command: SetUpMeetings, facts: MeetingFacts, actor: Actor) -> None:
        self._require_organiser(actor, facts)
        self._require_open(facts)
        self._require_not_final()
        stray = sorted(set(command.holders) - set(facts.pitches))
        if stray:
            raise DomainError(
                "not_a_pitch",
                f"以下项目不在本场路演项目中：{'、'.join(stray)}",
                f"Not pitched here: {', '.join(stray)}",
            )
        in_use = [m for m in self.schedule.meetings if m.active] if self.schedule else []
        if any(m.slot >= command.slot_count or m.table > command.tables for m in in_use):
            raise DomainError(
                "slots_in_use",
                "暂定日程已用到的时段或桌位不能删减",
                "The provisional schedule uses slots or tables this setup would remove",
            )
        self._record(
            MeetingSlotsDeclared(
                roadshow_id=facts.roadshow_id,
                starts_at=command.starts_at,
                slot_minutes=command.slot_minutes,
                slots=list(make_slots(command.starts_at, command.slot_minutes, command.slot_count)),
                tables=command.tables,
                max_per_company=command.max_per_company,
                max_per_project=command.max_per_project,
                holders=dict(command.holders),
            )
        )

    def propose(
        self,
        command: ProposeMeetingSchedule,
        facts: MeetingFacts,
        actor: Actor,
        solve: Callable[[Problem], Schedule],
    ) -> None:
        """``solve`` is the scheduler's fast solver; the event records what it placed."""
        self._require_organiser(actor, facts)
        self._require_open(facts)
        self._require_not_final()
        try:
            schedule = solve(self.problem(facts))
        except ScheduleError as error:
            raise _refused(error) from error
        self._record(
            MeetingScheduleProposed(
                meetings=[
                    PlannedMeeting(
                        company_id=m.company,
                        achievement_id=m.project,
                        slot=m.slot,
                        table=m.table,
                        priority=int(m.priority),
                    )
                    for m in schedule.meetings
                ],
                unplaced=[
                    UnplacedPair(
                        company_id=u.company,
                        achievement_id=u.project,
                        priority=int(u.priority),
                        reason=u.reason.value,
                        detail=u.detail,
                    )
                    for u in schedule.unplaced
                ],
                solver=schedule.solver,
            )
        )

    def finalize(self, command: FinalizeMeetingSchedule, facts: MeetingFacts, actor: Actor) -> None:
        self._require_organiser(actor, facts)
        schedule = self._require_schedule()
        try:
            final = finalize(self.problem(facts), schedule)
        except ScheduleError as error:
            raise _refused(error) from error
        self._record(MeetingScheduleFinalized(meetings=sum(1 for m in final.meetings if m.active)))

    # the parties

    def declare_availability(
        self, command: DeclareAvailability, facts: MeetingFacts, actor: Actor
    ) -> None:
        self._require_party(actor, facts, command.side, command.party_id)
        self._require_open(facts)
        self._require_not_final()
        if self.setup is None:
            raise StateConflict(
                "not_set_up", "承办单位尚未设置对接时段", "Set the session up first"
            )
        wrong = sorted(s for s in set(command.free_slots) if not 0 <= s < len(self.setup.slots))
        if wrong:
            raise DomainError(
                "no_such_slot",
                f"时段不存在：{'、'.join(str(s) for s in wrong)}",
                f"No such slots: {wrong}",
            )
        self._record(
            AvailabilityDeclared(
                side=command.side,
                party_id=command.party_id,
                free_slots=sorted(set(command.free_slots)),
                declared_by=actor.id,
            )
        )

    def state_preference(
        self, command: StateMeetingPreference, facts: MeetingFacts, actor: Actor
    ) -> None:
        self._require_party(actor, facts, command.side, command.party_id)
        self._require_open(facts)
        self._require_not_final()
        if command.side is MeetingSide.COMPANY and command.counterpart not in facts.pitches:
            raise DomainError(
                "not_a_pitch", "该项目不在本场路演项目中", "This project is not pitched here"
            )
        if command.side is MeetingSide.PROJECT and command.counterpart not in facts.confirmed:
            raise DomainError(
                "not_attending",
                "对方不是报名审核通过的企业",
                "The counterpart is not a confirmed company",
            )
        self._record(
            MeetingPreferenceStated(
                side=command.side,
                party_id=command.party_id,
                counterpart=command.counterpart,
                level=command.level,
                stated_by=actor.id,
            )
        )

    # the day

    def move(self, command: MoveMeeting, facts: MeetingFacts, actor: Actor) -> None:
        self._require_organiser(actor, facts)
        schedule = self._require_schedule()
        old = schedule.meeting(command.company_id, command.achievement_id)
        try:
            moved = move_meeting(
                self.problem(facts),
                schedule,
                command.company_id,
                command.achievement_id,
                command.slot,
                command.table,
            )
        except ScheduleError as error:
            raise _refused(error) from error
        new = moved.meeting(command.company_id, command.achievement_id)
        assert old is not None and new is not None
        self._record(
            MeetingMoved(
                company_id=command.company_id,
                achievement_id=command.achievement_id,
                from_slot=old.slot,
                to_slot=new.slot,
                table=new.table,
                note=command.note,
            )
        )

    def cancel(self, command: CancelMeeting, facts: MeetingFacts, actor: Actor) -> None:
        self._require_organiser(actor, facts)
        schedule = self._require_schedule()
        self._require_not_held(command.company_id, command.achievement_id)
        try:
            cancel_meeting(schedule, command.company_id, command.achievement_id, command.note)
        except ScheduleError as error:
            raise _refused(error) from error
        self._record(
            MeetingCancelled(
                company_id=command.company_id,
                achievement_id=command.achievement_id,
                note=command.note,
            )
        )

    def record_held(self, command: RecordMeetingHeld, facts: MeetingFacts, actor: Actor) -> None:
        self._require_organiser(actor, facts)
        schedule = self._require_schedule()
        if schedule.stage is not Stage.FINAL:
            raise DomainError(
                "not_final", "只有正式日程才能登记会面", "Finalise the schedule first"
            )
        meeting = schedule.meeting(command.company_id, command.achievement_id)
        if meeting is None:
            raise DomainError(
                "schedule_rule",
                f"没有 {command.company_id} 与 {command.achievement_id} 的会面",
                "No such meeting",
            )
        if meeting.status is not MeetingStatus.SCHEDULED:
            raise DomainError(
                "schedule_rule", "该会面已取消或已登记缺席", "The meeting is cancelled or missed"
            )
        self._require_not_held(command.company_id, command.achievement_id)
        self._record(
            MeetingHeld(company_id=command.company_id, achievement_id=command.achievement_id)
        )

    def record_missed(
        self, command: RecordMeetingMissed, facts: MeetingFacts, actor: Actor
    ) -> None:
        self._require_organiser(actor, facts)
        schedule = self._require_schedule()
        self._require_not_held(command.company_id, command.achievement_id)
        try:
            record_no_show(
                schedule,
                command.company_id,
                command.achievement_id,
                [Side(s.value) for s in command.absent],
                command.note,
            )
        except ScheduleError as error:
            raise _refused(error) from error
        self._record(
            MeetingMissed(
                company_id=command.company_id,
                achievement_id=command.achievement_id,
                absent=sorted(set(command.absent)),
                note=command.note,
            )
        )

    # guards

    def _require_organiser(self, actor: Actor, facts: MeetingFacts) -> None:
        if actor.role not in ORGANISERS:
            raise organisers_only()
        if actor.is_host and actor.id != facts.host_id:
            raise not_your_roadshow()

    def _require_party(
        self, actor: Actor, facts: MeetingFacts, side: MeetingSide, party_id: str
    ) -> None:
        if actor.role in ORGANISERS:
            self._require_organiser(actor, facts)
        elif side is MeetingSide.COMPANY and actor.is_company:
            if party_id != actor.id:
                raise forbidden(
                    "for_yourself",
                    "企业只能以本单位名义填写对接意愿",
                    "A company speaks only for itself",
                )
        elif side is MeetingSide.PROJECT and actor.role == Role.HOLDER.value:
            if party_id not in self.projects_of(actor.id):
                raise forbidden(
                    "not_your_project",
                    "您不是该项目的对接人",
                    "You do not speak for this project",
                )
        else:
            raise forbidden(
                "parties_only",
                "企业为本单位、项目对接人为本项目填写，或由承办单位代为填写",
                "Companies speak for themselves, holders for their projects, or the host for them",
            )
        if side is MeetingSide.COMPANY and party_id not in facts.confirmed:
            raise forbidden(
                "not_attending",
                "只有报名审核通过的单位可以参与对接",
                "Only companies whose registration was approved take part",
            )
        if side is MeetingSide.PROJECT and party_id not in facts.pitches:
            raise DomainError(
                "not_a_pitch", "该项目不在本场路演项目中", "This project is not pitched here"
            )

    def _require_open(self, facts: MeetingFacts) -> None:
        if facts.status not in OPEN_FOR_MEETINGS:
            raise StateConflict(
                "wrong_status",
                f"确定路演项目后、路演结束前安排对接（当前状态：{STATUS_NAMES[facts.status]}）",
                f"Meetings are arranged between the shortlist and the end ({facts.status})",
            )

    def _require_not_final(self) -> None:
        if self.status is MeetingsStatus.FINAL:
            raise StateConflict(
                "schedule_final",
                "日程已是正式版，只能登记当天的调整、会面与缺席",
                "The schedule is final; only the day's changes are recorded",
            )

    def _require_schedule(self) -> Schedule:
        if self.schedule is None:
            raise StateConflict("no_schedule", "尚未生成对接日程", "No schedule has been proposed")
        return self.schedule

    def _require_not_held(self, company_id: str, achievement_id: str) -> None:
        if (company_id, achievement_id) in self.held:
            raise DomainError("schedule_rule", "该会面已登记为已会面", "The meeting was held")

    # state

    def _when_MeetingSlotsDeclared(self, event: MeetingSlotsDeclared) -> None:  # noqa: N802
        self.setup = event

    def _when_AvailabilityDeclared(self, event: AvailabilityDeclared) -> None:  # noqa: N802
        self.free[(event.side, event.party_id)] = frozenset(event.free_slots)

    def _when_MeetingPreferenceStated(self, event: MeetingPreferenceStated) -> None:  # noqa: N802
        company, project = event.party_id, event.counterpart
        if event.side is MeetingSide.PROJECT:
            company, project = project, company
        self.wishes[(event.side, company, project)] = event.level

    def _when_MeetingScheduleProposed(self, event: MeetingScheduleProposed) -> None:  # noqa: N802
        self.schedule = Schedule(
            stage=Stage.PROVISIONAL,
            meetings=tuple(
                sorted(
                    Meeting(m.slot, m.table, m.company_id, m.achievement_id, Priority(m.priority))
                    for m in event.meetings
                )
            ),
            unplaced=tuple(
                Unplaced(
                    u.company_id, u.achievement_id, Priority(u.priority), Reason(u.reason), u.detail
                )
                for u in event.unplaced
            ),
            solver=event.solver,
        )
        self.held = set()

    def _when_MeetingScheduleFinalized(self, event: MeetingScheduleFinalized) -> None:  # noqa: N802
        assert self.schedule is not None
        self.schedule = replace(self.schedule, stage=Stage.FINAL)

    def _when_MeetingMoved(self, event: MeetingMoved) -> None:  # noqa: N802
        schedule = self.schedule
        assert schedule is not None
        old = schedule.meeting(event.company_id, event.achievement_id)
        assert old is not None
        new = replace(old, slot=event.to_slot, table=event.table)
        change = Change(
            "move",
            event.company_id,
            event.achievement_id,
            event.from_slot,
            event.to_slot,
            event.note,
        )
        self.schedule = replace(
            schedule,
            meetings=tuple(sorted(new if m is old else m for m in schedule.meetings)),
            changes=(*schedule.changes, change),
        )

    def _when_MeetingCancelled(self, event: MeetingCancelled) -> None:  # noqa: N802
        assert self.schedule is not None
        self.schedule = cancel_meeting(
            self.schedule, event.company_id, event.achievement_id, event.note
        )

    def _when_MeetingHeld(self, event: MeetingHeld) -> None:  # noqa: N802
        self.held.add((event.company_id, event.achievement_id))

    def _when_MeetingMissed(self, event: MeetingMissed) -> None:  # noqa: N802
        assert self.schedule is not None
        self.schedule = record_no_show(
            self.schedule,
            event.company_id,
            event.achievement_id,
            [Side(s.value) for s in event.absent],
            event.note,
        )
