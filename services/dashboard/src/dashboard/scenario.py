"""A province's history as the other services would publish it: events for tests, demos and the
benchmark. Each method returns the envelopes of one step, ready for their service's topic."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ztc_shared.contracts import intake, notify, roadshow, screening, tracking
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import DomainEvent, EventEnvelope, new_envelope

Step = list[tuple[str, EventEnvelope]]  # (service, envelope)


def credit_code(region: str, number: int) -> str:
    """A valid unified social credit code of a company in ``region``."""
    return sample_credit_code(number, series="", region=region)


@dataclass
class Scenario:
    region: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    _versions: dict[str, int] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _event(self, service: str, stream_id: str, event: DomainEvent) -> tuple[str, EventEnvelope]:
        version = self._versions.get(stream_id, 0) + 1
        self._versions[stream_id] = version
        return service, new_envelope(
            event,
            stream_id=stream_id,
            stream_version=version,
            occurred_at=self.at,
            region=self.region,
            actor="scenario",
            correlation_id=str(uuid.uuid4()),
        )

    def achievement(
        self,
        field_: str = "next_gen_it",
        *,
        title: str | None = None,
        admitted: bool = True,
        published: bool = True,
        confidential: tuple[str, ...] = (),
    ) -> tuple[str, Step]:
        achievement_id = f"ach-{uuid.uuid4().hex[:12]}"
        number = next(self._numbers)
        drafted = intake.AchievementDrafted(
            title=title or f"面向工业质检的视觉检测技术 第{number}号",
            abstract="基于自监督预训练的工业视觉检测模型，缺陷检出率高，可在边缘设备部署。",
            field=IndustryField(field_),
            keywords=["机器视觉", "缺陷检测"],
            trl=6,
            holder_name="王五",
            institution="华南理工大学",
            channel=intake.Channel.OPEN_CALL,
            asking_price_wan=Decimal("120"),
            contact=intake.Contact(name="王五", phone="020-12345678"),
            confidential=list(confidential),
        )
        steps: Step = [
            self._event("intake", achievement_id, drafted),
            self._event("intake", achievement_id, intake.AchievementSubmitted()),
        ]
        if admitted:
            scores = intake.Scores(
                advancement=4,
                maturity=4,
                industrial_prospects=4,
                intellectual_property=3,
                team_willingness=5,
            )
            summary = intake.EvaluationSummary(
                evaluator_id="expert-1",
                scores=scores,
                mean=scores.mean(),
                recommendation=intake.Recommendation.ADMIT,
            )
            steps.append(
                self._event(
                    "intake",
                    achievement_id,
                    intake.AchievementAdmitted(
                        evaluations=[summary], combined_score=Decimal("4.00")
                    ),
                )
            )
            if published:
                steps.append(self._event("intake", achievement_id, intake.AchievementPublished()))
        return achievement_id, steps

    def screening_round(
        self, host_id: str, roadshow_id: str, fields: list[str]
    ) -> tuple[str, Step]:
        round_id = f"round-{uuid.uuid4().hex[:12]}"
        opened = screening.ScreeningRoundOpened(
            roadshow_ref=roadshow_id,
            title="筛选轮次",
            fields=[IndustryField(f) for f in fields],
            region=self.region,
            longlist_target=100,
            shortlist_min=10,
            shortlist_max=20,
            host_id=host_id,
        )
        return round_id, [self._event("screening", round_id, opened)]

    def longlist(self, round_id: str, achievement_id: str, field_: str) -> Step:
        event = screening.CandidateLonglisted(
            achievement_id=achievement_id,
            title="候选成果",
            field=IndustryField(field_),
            reason="契合承办单位的产业需求",
        )
        return [self._event("screening", round_id, event)]

    def shortlist(self, round_id: str, selected: list[str]) -> Step:
        event = screening.ShortlistFinalized(selected=selected)
        return [self._event("screening", round_id, event)]

    def roadshow(
        self,
        host_id: str,
        *,
        title: str = "生物医药专场路演",
        on: date | None = None,
        fields: tuple[str, ...] = ("biotech",),
        open_registration: bool = True,
    ) -> tuple[str, Step]:
        roadshow_id = f"rs-{uuid.uuid4().hex[:12]}"
        day = on or (self.at.date() + timedelta(days=30))
        start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
        agenda = [
            roadshow.AgendaBlock(
                kind=roadshow.AgendaKind.KEYNOTE, title="主旨演讲", starts_at=start, minutes=30
            ),
            roadshow.AgendaBlock(
                kind=roadshow.AgendaKind.PITCHES,
                title="项目路演",
                starts_at=start + timedelta(minutes=30),
                minutes=120,
            ),
        ]
        planned = roadshow.RoadshowPlanned(
            year=day.year,
            host_id=host_id,
            title=title,
            fields=[IndustryField(f) for f in fields],
            region=self.region,
            event_date=day,
            venue="国际会展中心",
            format=roadshow.EventFormat.ON_SITE,
            capacity=200,
            agenda=agenda,
            plan_text="围绕本地产业需求组织专场路演。",
        )
        steps = [self._event("roadshow", roadshow_id, planned)]
        if open_registration:
            steps.append(self._event("roadshow", roadshow_id, roadshow.RegistrationOpened()))
        return roadshow_id, steps

    def intent(self, roadshow_id: str, achievement_id: str, company_number: int) -> Step:
        event = roadshow.IntentDeclared(
            achievement_id=achievement_id,
            company_id=credit_code(self.region, company_number),
            modes=[TransferMode.LICENSE],
        )
        return [self._event("roadshow", roadshow_id, event)]

    def programme(self, year: int, hosts: list[tuple[str, str]]) -> Step:
        """The year's host list; ``hosts`` are (host id, name) of this province."""
        launched = roadshow.ProgrammeLaunched(
            year=year,
            hosts=[
                roadshow.ConfirmedHost(
                    host_id=host_id,
                    name=name,
                    kind=roadshow.HostKind.MUNICIPAL_DEPARTMENT,
                    region=self.region,
                    province=self.region,
                )
                for host_id, name in hosts
            ],
            notice_title="关于开展科技成果直通车的通知",
            notice_body="各有关单位：现启动本年度科技成果直通车工作。",
            audiences=[roadshow.Audience.RESEARCHERS],
        )
        return [self._event("roadshow", f"programme-{year}-{self.region}", launched)]

    def summary_submitted(self, year: int, host_id: str, late: bool = False) -> Step:
        stream = f"summary-{year}-{host_id}"
        return [
            self._event(
                "tracking",
                stream,
                tracking.SummarySubmitted(
                    region=self.region,
                    year=year,
                    host_id=host_id,
                    submitted_on=self.at.date(),
                    late=late,
                ),
            )
        ]

    def case(self, achievement_id: str, host_id: str, field_: str) -> tuple[str, Step]:
        case_id = f"case-{uuid.uuid4().hex[:12]}"
        opened = tracking.TrackingCaseOpened(
            kind=tracking.CaseKind.PITCH,
            cause=tracking.CaseCause.ON_STAGE,
            region=self.region,
            achievement_id=achievement_id,
            title="跟踪项目",
            field=IndustryField(field_),
            host_id=host_id,
            year=self.at.year,
            stage=tracking.CaseStage.PITCHED,
            opened_on=self.at.date(),
            next_follow_up=self.at.date() + timedelta(days=30),
        )
        return case_id, [self._event("tracking", case_id, opened)]

    def deal(self, case_id: str, achievement_id: str, amount_wan: str, company: int) -> Step:
        event = tracking.DealSigned(
            region=self.region,
            achievement_id=achievement_id,
            deal_type=TransferMode.LICENSE,
            amount_wan=Decimal(amount_wan),
            counterpart_id=credit_code(self.region, company),
            counterpart_name="某科技有限公司",
            signed_on=self.at.date(),
            next_follow_up=self.at.date() + timedelta(days=60),
        )
        return [self._event("tracking", case_id, event)]

    def landed(self, case_id: str, achievement_id: str, investment_wan: str) -> Step:
        event = tracking.ProjectLanded(
            region=self.region,
            achievement_id=achievement_id,
            landed_on=self.at.date(),
            company_founded_locally=True,
            investment_wan=Decimal(investment_wan),
            jobs=12,
            next_follow_up=self.at.date() + timedelta(days=90),
        )
        return [self._event("tracking", case_id, event)]

    def overdue(self, case_id: str, achievement_id: str, days: int = 12) -> Step:
        event = tracking.FollowUpOverdue(
            region=self.region,
            achievement_id=achievement_id,
            title="跟踪项目",
            stage=tracking.CaseStage.SIGNED,
            due_on=self.at.date() - timedelta(days=days),
            detected_on=self.at.date(),
            days_overdue=days,
        )
        return [self._event("tracking", case_id, event)]

    def notice(self, title: str, roles: tuple[str, ...] = ("company",)) -> Step:
        event = notify.NoticePublished(
            title=title,
            body="各有关单位：\n请按通知要求做好相关工作。",
            title_en="Notice",
            body_en="Please see the notice.",
            audience=notify.NoticeAudience(roles=list(roles), regions=[self.region]),
            publisher="gd-dept",
            publisher_role="province",
        )
        return [self._event("notify", f"notice-{uuid.uuid4().hex[:12]}", event)]
