"""One roadshow (路演活动), from its plan to its outcomes.

    planned ─open registration→ registration_open ─shortlist received→ shortlist_received
        ─coaching→ coaching ─start→ live ─conclude→ concluded
    (coaching may be skipped: shortlist_received ─start→ live)

Registration (企业报名) is open from registration_open until the roadshow goes live. Each
registration is pending until the host approves or declines it; an approval takes a seat while the
capacity lasts, and after that puts the company on the waiting list (候补). When a company holding a
seat cancels, the first on the waiting list takes it (递补), in the same event.

Questions (问答) and intents (对接意向) are recorded while the roadshow is live; concluding it
emits its outcomes with the review's results, which the handler reads from the review.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from roadshow.domain.access import (
    COACHES,
    ORGANISERS,
    Actor,
    coaches_only,
    forbidden,
    not_your_roadshow,
    organisers_only,
)
from roadshow.domain.commands import (
    ApproveRegistration,
    AskQuestion,
    CancelRegistration,
    ConcludeRoadshow,
    DeclareIntent,
    DeclineRegistration,
    OpenRegistration,
    PlanRoadshow,
    ReceiveShortlist,
    RecordCoachingSession,
    RegisterCompany,
    StartRoadshow,
)
from ztc_shared.contracts.roadshow import (
    ROADSHOW_EVENT,
    AgendaKind,
    CoachingSessionHeld,
    CompanyRegistered,
    EventFormat,
    IntentDeclared,
    ParticipantKind,
    Pitch,
    PitchOutcome,
    PitchResult,
    QuestionAsked,
    RegistrationApproved,
    RegistrationCancelled,
    RegistrationDeclined,
    RegistrationOpened,
    RoadshowConcluded,
    RoadshowPlanned,
    RoadshowStarted,
    ShortlistReceived,
)
from ztc_shared.domain import Aggregate, DomainError, StateConflict
from ztc_shared.personal import SealedPersonalData


class EventStatus(StrEnum):
    PLANNED = "planned"  # 方案已制定
    REGISTRATION_OPEN = "registration_open"  # 报名中
    SHORTLIST_RECEIVED = "shortlist_received"  # 已确定路演项目
    COACHING = "coaching"  # 路演辅导中
    LIVE = "live"  # 路演进行中
    CONCLUDED = "concluded"  # 已结束


STATUS_NAMES = {
    EventStatus.PLANNED: "方案已制定",
    EventStatus.REGISTRATION_OPEN: "报名中",
    EventStatus.SHORTLIST_RECEIVED: "已确定路演项目",
    EventStatus.COACHING: "路演辅导中",
    EventStatus.LIVE: "路演进行中",
    EventStatus.CONCLUDED: "已结束",
}

REGISTRABLE = frozenset(
    {EventStatus.REGISTRATION_OPEN, EventStatus.SHORTLIST_RECEIVED, EventStatus.COACHING}
)
BEFORE_LIVE = frozenset({EventStatus.SHORTLIST_RECEIVED, EventStatus.COACHING})


class Seat(StrEnum):
    PENDING = "pending"  # 待审核
    CONFIRMED = "confirmed"  # 已通过
    WAITLISTED = "waitlisted"  # 候补
    DECLINED = "declined"  # 未通过
    CANCELLED = "cancelled"  # 已取消


SEAT_NAMES = {
    Seat.PENDING: "待审核",
    Seat.CONFIRMED: "已通过",
    Seat.WAITLISTED: "候补",
    Seat.DECLINED: "未通过",
    Seat.CANCELLED: "已取消",
}


@dataclass
class Registration:
    registered: CompanyRegistered
    seat: Seat = Seat.PENDING
    note: str = ""


@dataclass(frozen=True)
class RoadshowFacts:
    """What the review needs to know of its roadshow (read by the handler)."""

    roadshow_id: str
    host_id: str
    status: EventStatus
    pitches: Mapping[str, Pitch]
    confirmed: frozenset[str] = field(default_factory=frozenset)
    online: tuple[str, ...] = ()  # the longlisted projects not on stage (线上对接渠道)


class RoadshowEvent(Aggregate):
    stream_type = ROADSHOW_EVENT

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.status: EventStatus | None = None
        self.planned: RoadshowPlanned | None = None
        self.registrations: dict[str, Registration] = {}
        self.waitlist: list[str] = []
        self.shortlist: ShortlistReceived | None = None
        self.pitches: dict[str, Pitch] = {}
        self.coaching: dict[str, list[CoachingSessionHeld]] = {}
        self.questions: list[QuestionAsked] = []
        self.intents: list[IntentDeclared] = []
        self.concluded: RoadshowConcluded | None = None

    # reading

    @property
    def host_id(self) -> str:
        return self.planned.host_id if self.planned else ""

    @property
    def confirmed(self) -> list[str]:
        return [c for c, r in self.registrations.items() if r.seat is Seat.CONFIRMED]

    @property
    def seats_left(self) -> int:
        capacity = self.planned.capacity if self.planned else 0
        return max(capacity - len(self.confirmed), 0)

    def facts(self) -> RoadshowFacts:
        if self.status is None:
            raise StateConflict("not_planned", "该路演活动不存在", "No such roadshow")
        return RoadshowFacts(
            roadshow_id=self.id,
            host_id=self.host_id,
            status=self.status,
            pitches=dict(self.pitches),
            confirmed=frozenset(self.confirmed),
            online=tuple(self.shortlist.not_selected) if self.shortlist else (),
        )

    # the host

    def plan(self, command: PlanRoadshow, programme_hosts: set[str] | None, actor: Actor) -> None:
        """``programme_hosts`` are the launched programme's hosts of the year, None before launch."""
        if not actor.is_host:
            raise forbidden(
                "hosts_only", "只有承办单位可以制定路演方案", "Only a host plans a roadshow"
            )
        if self.exists:
            raise StateConflict("already_planned", "该路演已制定方案", "Planned already")
        if programme_hosts is None:
            raise StateConflict(
                "programme_not_launched",
                f"{command.year}年度科技成果直通车尚未正式启动",
                f"The {command.year} programme has not been launched",
            )
        if actor.id not in programme_hosts:
            raise forbidden(
                "not_a_host_this_year",
                f"贵单位不在{command.year}年度承办单位名单中",
                f"You are not on the {command.year} host list",
            )
        online = command.format in (EventFormat.ONLINE, EventFormat.HYBRID)
        if online and not command.livestream_url:
            raise DomainError(
                "livestream_required",
                "线上或线上线下结合的路演须提供直播链接",
                "An online or hybrid roadshow needs a livestream link",
            )
        if command.format is not EventFormat.ONLINE and not command.venue:
            raise DomainError(
                "venue_required", "线下路演须填写活动地点", "An on-site roadshow needs a venue"
            )
        if command.format is EventFormat.ON_SITE and command.livestream_url:
            raise DomainError(
                "livestream_not_allowed",
                "纯线下路演不填写直播链接；如需直播，请选择线上线下结合",
                "An on-site roadshow has no livestream; choose hybrid instead",
            )
        if not any(b.kind is AgendaKind.PITCHES for b in command.agenda):
            raise DomainError(
                "pitches_required",
                "议程须包含科技成果持有人现场路演环节",
                "The agenda needs a block of pitches",
            )
        stray = [b.title for b in command.agenda if b.starts_at.date() != command.event_date]
        if stray:
            raise DomainError(
                "agenda_off_date",
                f"以下议程不在活动当天：{'、'.join(stray)}",
                f"Agenda blocks not on the event's date: {', '.join(stray)}",
            )
        self._record(RoadshowPlanned(**command.model_dump(), host_id=actor.id))

    def open_registration(self, command: OpenRegistration, actor: Actor) -> None:
        self._require_organiser(actor)
        self._require_status({EventStatus.PLANNED}, "方案制定后才能开放报名", "Plan it first")
        if (
            command.closes_on is not None
            and self.planned
            and command.closes_on > self.planned.event_date
        ):
            raise DomainError(
                "closes_after_event",
                "报名截止日期不能晚于活动日期",
                "Registration cannot close after the roadshow",
            )
        self._record(RegistrationOpened(closes_on=command.closes_on))

    def receive_shortlist(self, command: ReceiveShortlist, actor: Actor) -> None:
        self._require_organiser(actor)
        self._require_status(
            {EventStatus.REGISTRATION_OPEN},
            "开放报名后、路演辅导前才能接收路演项目名单",
            "The shortlist is received once registration is open and before coaching",
        )
        ids = [p.achievement_id for p in command.pitches]
        if len(set(ids)) != len(ids):
            raise DomainError("duplicate_pitch", "路演项目有重复", "A project is listed twice")
        both = sorted(set(ids) & set(command.not_selected))
        if both:
            raise DomainError(
                "selected_and_not",
                f"以下项目同时出现在入选与未入选名单中：{'、'.join(both)}",
                f"Both selected and not selected: {', '.join(both)}",
            )
        self._record(ShortlistReceived(**command.model_dump()))

    def record_coaching(self, command: RecordCoachingSession, actor: Actor) -> None:
        if actor.role not in COACHES:
            raise coaches_only()
        self._require_own(actor)
        self._require_status(
            BEFORE_LIVE,
            "确定路演项目后、路演开始前进行路演辅导",
            "Coaching happens after the shortlist and before the roadshow goes live",
        )
        self._require_pitch(command.achievement_id)
        self._record(CoachingSessionHeld(**command.model_dump(), recorded_by=actor.id))

    def start(self, command: StartRoadshow, actor: Actor) -> None:
        self._require_organiser(actor)
        self._require_status(
            BEFORE_LIVE, "确定路演项目后才能开始路演", "The shortlist must be received first"
        )
        self._record(RoadshowStarted())

    def conclude(
        self,
        command: ConcludeRoadshow,
        results: list[PitchResult] | None,
        actor: Actor,
        held: Collection[tuple[str, str]] = (),
    ) -> None:
        """``results`` are the closed review's, or None while the review window is open;
        ``held`` the one-to-one meetings that took place, as (company, achievement) pairs."""
        self._require_organiser(actor)
        self._require_status({EventStatus.LIVE}, "路演进行中才能结束", "Only a live roadshow ends")
        if results is None:
            raise StateConflict(
                "review_open",
                "专家评议尚未结束，请先结束评议",
                "Close the expert review before concluding",
            )
        by_pitch = {r.achievement_id: r for r in results}
        outcomes = []
        for pitch in self.pitches.values():
            result = by_pitch.get(pitch.achievement_id)
            outcomes.append(
                PitchOutcome(
                    achievement_id=pitch.achievement_id,
                    title=pitch.title,
                    institution=pitch.institution,
                    raw_score=result.raw_score if result else None,
                    normalised_score=result.normalised_score if result else None,
                    rank=result.rank if result else None,
                    questions=sum(
                        1 for q in self.questions if q.achievement_id == pitch.achievement_id
                    ),
                    intents=sorted(
                        {
                            i.company_id
                            for i in self.intents
                            if i.achievement_id == pitch.achievement_id
                        }
                    ),
                    meetings_held=sum(1 for _, a in held if a == pitch.achievement_id),
                )
            )
        confirmed = [self.registrations[c] for c in self.confirmed]
        self._record(
            RoadshowConcluded(
                pitches=outcomes,
                online_channel=list(self.shortlist.not_selected) if self.shortlist else [],
                attendees=len(confirmed),
                szse_invited_attendees=sum(1 for r in confirmed if r.registered.invited_by_szse),
                summary=command.summary,
            )
        )

    # registration

    def register(
        self,
        command: RegisterCompany,
        actor: Actor,
        contact: SealedPersonalData | None = None,
    ) -> None:
        """``contact`` is the command's contact person sealed under the company's registrant key
        (None once that person was erased: the registration goes on without them)."""
        invited = False
        if actor.is_company:
            if command.company_id != actor.id:
                raise forbidden(
                    "register_yourself",
                    "企业只能以本单位统一社会信用代码报名",
                    "A company registers only itself, under its own credit code",
                )
        elif actor.is_szse:
            if command.kind is not ParticipantKind.LISTED_COMPANY:
                raise DomainError(
                    "szse_invites_listed",
                    "深交所邀请的应为上市企业",
                    "SZSE invites listed companies",
                )
            invited = True
        elif actor.is_host:
            self._require_own(actor)
        else:
            raise forbidden(
                "registrars_only",
                "报名须由企业本身、深交所（邀请上市企业）或承办单位办理",
                "Companies register themselves; SZSE and the host may register for them",
            )
        if self.status not in REGISTRABLE:
            raise _wrong_state(
                "registration_closed",
                self.status,
                "当前不在报名期",
                "Registration is not open",
            )
        existing = self.registrations.get(command.company_id)
        if existing is not None and existing.seat is not Seat.CANCELLED:
            raise StateConflict(
                "already_registered",
                f"该单位已报名（{SEAT_NAMES[existing.seat]}）",
                f"This company has registered already ({existing.seat})",
            )
        self._record(
            CompanyRegistered(
                **command.model_dump(exclude={"contact_name", "contact_phone"}),
                contact=contact,
                invited_by_szse=invited,
                registered_by=actor.id,
            )
        )

    def approve_registration(self, command: ApproveRegistration, actor: Actor) -> None:
        self._require_organiser(actor)
        registration = self._registration(command.company_id)
        if registration.seat is not Seat.PENDING:
            raise StateConflict(
                "not_pending",
                f"该报名不是待审核状态（{SEAT_NAMES[registration.seat]}）",
                f"The registration is not pending ({registration.seat})",
            )
        self._require_not_over()
        if self.seats_left > 0:
            self._record(RegistrationApproved(company_id=command.company_id))
        else:
            self._record(
                RegistrationApproved(
                    company_id=command.company_id,
                    waitlisted=True,
                    waitlist_position=len(self.waitlist) + 1,
                )
            )

    def decline_registration(self, command: DeclineRegistration, actor: Actor) -> None:
        self._require_organiser(actor)
        registration = self._registration(command.company_id)
        if registration.seat not in (Seat.PENDING, Seat.WAITLISTED):
            raise StateConflict(
                "cannot_decline",
                f"只能拒绝待审核或候补的报名（当前：{SEAT_NAMES[registration.seat]}）",
                f"Only a pending or waitlisted registration can be declined ({registration.seat})",
            )
        self._record(RegistrationDeclined(company_id=command.company_id, reason=command.reason))

    def cancel_registration(self, command: CancelRegistration, actor: Actor) -> None:
        if actor.is_company:
            if command.company_id != actor.id:
                raise forbidden(
                    "not_your_registration",
                    "只能取消本单位的报名",
                    "A company cancels only its own registration",
                )
        else:
            self._require_organiser(actor)
        registration = self._registration(command.company_id)
        if registration.seat in (Seat.DECLINED, Seat.CANCELLED):
            raise StateConflict(
                "not_active",
                f"该报名已{SEAT_NAMES[registration.seat]}",
                f"The registration is {registration.seat} already",
            )
        self._require_not_over()
        promoted = None
        if registration.seat is Seat.CONFIRMED and self.waitlist:
            promoted = self.waitlist[0]
        self._record(
            RegistrationCancelled(
                company_id=command.company_id, reason=command.reason, promoted=promoted
            )
        )

    # the live roadshow

    def ask_question(self, command: AskQuestion, actor: Actor) -> None:
        if actor.is_company:
            if command.company_id not in (None, actor.id):
                raise forbidden(
                    "ask_for_yourself", "只能以本单位名义提问", "A company asks in its own name"
                )
            company_id = actor.id
        else:
            self._require_organiser(actor)
            if command.company_id is None:
                raise DomainError(
                    "company_required", "代录提问须填写提问单位", "Name the company that asked"
                )
            company_id = command.company_id
        self._require_live()
        self._require_pitch(command.achievement_id)
        self._require_attending(company_id)
        self._record(
            QuestionAsked(
                achievement_id=command.achievement_id,
                company_id=company_id,
                question=command.question,
            )
        )

    def declare_intent(self, command: DeclareIntent, actor: Actor) -> None:
        if not actor.is_company:
            raise forbidden(
                "companies_only", "只有企业可以提出对接意向", "Only companies declare intents"
            )
        self._require_live()
        offered = set(self.pitches) | set(self.shortlist.not_selected if self.shortlist else [])
        if command.achievement_id not in offered:
            raise DomainError(
                "not_offered",
                "该项目不在本场路演的项目中",
                "This project is not offered at this roadshow",
            )
        self._require_attending(actor.id)
        self._record(IntentDeclared(**command.model_dump(), company_id=actor.id))

    # guards

    def _require_organiser(self, actor: Actor) -> None:
        if actor.role not in ORGANISERS:
            raise organisers_only()
        self._require_own(actor)

    def _require_own(self, actor: Actor) -> None:
        if self.status is None:
            raise StateConflict("not_planned", "该路演活动不存在", "No such roadshow")
        if actor.is_host and actor.id != self.host_id:
            raise not_your_roadshow()

    def _require_status(
        self, allowed: set[EventStatus] | frozenset[EventStatus], zh: str, en: str
    ) -> None:
        if self.status not in allowed:
            raise _wrong_state("wrong_status", self.status, zh, en)

    def _require_live(self) -> None:
        self._require_status({EventStatus.LIVE}, "路演进行中才能记录", "The roadshow is not live")

    def _require_not_over(self) -> None:
        if self.status in (EventStatus.LIVE, EventStatus.CONCLUDED):
            raise _wrong_state(
                "registration_closed",
                self.status,
                "路演已开始，报名不能再变更",
                "The roadshow has started; registrations are settled",
            )

    def _require_pitch(self, achievement_id: str) -> None:
        if achievement_id not in self.pitches:
            raise DomainError(
                "not_a_pitch", "该项目不在本场路演项目中", "This project is not pitched here"
            )

    def _require_attending(self, company_id: str) -> None:
        registration = self.registrations.get(company_id)
        if registration is None or registration.seat is not Seat.CONFIRMED:
            raise forbidden(
                "not_attending",
                "只有报名审核通过的单位可以参与问答和对接",
                "Only companies whose registration was approved take part",
            )

    def _registration(self, company_id: str) -> Registration:
        registration = self.registrations.get(company_id)
        if registration is None:
            raise DomainError("not_registered", "该单位未报名", "This company has not registered")
        return registration

    # state

    def _when_RoadshowPlanned(self, event: RoadshowPlanned) -> None:  # noqa: N802
        self.status = EventStatus.PLANNED
        self.planned = event

    def _when_RegistrationOpened(self, event: RegistrationOpened) -> None:  # noqa: N802
        self.status = EventStatus.REGISTRATION_OPEN

    def _when_CompanyRegistered(self, event: CompanyRegistered) -> None:  # noqa: N802
        self.registrations[event.company_id] = Registration(registered=event)

    def _when_RegistrationApproved(self, event: RegistrationApproved) -> None:  # noqa: N802
        registration = self.registrations[event.company_id]
        if event.waitlisted:
            registration.seat = Seat.WAITLISTED
            self.waitlist.append(event.company_id)
        else:
            registration.seat = Seat.CONFIRMED

    def _when_RegistrationDeclined(self, event: RegistrationDeclined) -> None:  # noqa: N802
        registration = self.registrations[event.company_id]
        registration.seat = Seat.DECLINED
        registration.note = event.reason
        if event.company_id in self.waitlist:
            self.waitlist.remove(event.company_id)

    def _when_RegistrationCancelled(self, event: RegistrationCancelled) -> None:  # noqa: N802
        registration = self.registrations[event.company_id]
        registration.seat = Seat.CANCELLED
        registration.note = event.reason
        if event.company_id in self.waitlist:
            self.waitlist.remove(event.company_id)
        if event.promoted is not None:
            self.registrations[event.promoted].seat = Seat.CONFIRMED
            self.waitlist.remove(event.promoted)

    def _when_ShortlistReceived(self, event: ShortlistReceived) -> None:  # noqa: N802
        self.status = EventStatus.SHORTLIST_RECEIVED
        self.shortlist = event
        self.pitches = {p.achievement_id: p for p in event.pitches}

    def _when_CoachingSessionHeld(self, event: CoachingSessionHeld) -> None:  # noqa: N802
        self.status = EventStatus.COACHING
        self.coaching.setdefault(event.achievement_id, []).append(event)

    def _when_RoadshowStarted(self, event: RoadshowStarted) -> None:  # noqa: N802
        self.status = EventStatus.LIVE

    def _when_QuestionAsked(self, event: QuestionAsked) -> None:  # noqa: N802
        self.questions.append(event)

    def _when_IntentDeclared(self, event: IntentDeclared) -> None:  # noqa: N802
        self.intents.append(event)

    def _when_RoadshowConcluded(self, event: RoadshowConcluded) -> None:  # noqa: N802
        self.status = EventStatus.CONCLUDED
        self.concluded = event


def _wrong_state(code: str, status: EventStatus | None, zh: str, en: str) -> StateConflict:
    now = STATUS_NAMES[status] if status else "不存在"
    return StateConflict(code, f"{zh}（当前状态：{now}）", f"{en} (it is {status or 'absent'})")
