"""Scenarios of a tracking case: the ladder, its guards and the follow-up rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tracking_scenarios import (
    HOST,
    OTHER_HOST,
    PROVINCE,
    ROADSHOW,
    Scenario,
    company_id,
    deal,
)

from tracking.application.handlers import flag_case
from tracking.domain.case import add_months
from tracking.domain.commands import (
    GrantPolicySupport,
    OpenCase,
    RecordIndustrialisation,
    RecordLanding,
    ReportProgress,
    TerminateCase,
)
from ztc_shared.contracts.tracking import CaseKind, CaseStage, SupportKind, TerminationReason
from ztc_shared.domain import DomainError, Forbidden, StateConflict

CASE = "case-test-1"


async def opened(stage: CaseStage = CaseStage.PITCHED, **settings: object) -> Scenario:
    """Given a case opened (by the reaction's handler, as roadshow's events open them)."""
    s = Scenario(CASE, **settings)
    command = OpenCase(
        kind=CaseKind.PITCH,
        region="440000",
        achievement_id="a1",
        title="成果a1",
        roadshow_id=ROADSHOW,
        host_id="host-sz",
        year=2026,
        stage=stage,
    )
    await s.tracking.handle(command, PROVINCE, CASE)
    return s


def landing(**overrides: object) -> RecordLanding:
    values: dict[str, object] = {
        "landed_on": date(2026, 6, 20),
        "company_founded_locally": True,
        "company_id": company_id(9),
        "company_name": "深圳新能科技有限公司",
        "investment_wan": Decimal("3000"),
        "jobs": 45,
        "production_started": True,
    }
    values.update(overrides)
    return RecordLanding.model_validate(values)


async def test_a_case_climbs_the_whole_ladder() -> None:
    s = await opened()
    await s.run(ReportProgress(note="双方已开展技术交流", negotiating=True), HOST)
    await s.run(deal("500"), HOST)
    await s.run(landing(), HOST)
    result = await s.run(
        RecordIndustrialisation(reached_on=date(2026, 6, 20), annual_revenue_wan=Decimal("8000")),
        HOST,
    )
    assert result.body["stage"] == "industrialised"
    assert result.body["stage_name"] == "产业化"
    assert await s.types() == [
        "TrackingCaseOpened",
        "ProgressReported",
        "DealSigned",
        "ProjectLanded",
        "ProjectIndustrialised",
    ]
    signed = (await s.payloads())[2]
    assert signed["amount_wan"] == "500"
    assert signed["region"] == "440000"


async def test_the_first_follow_up_is_a_quarter_after_opening_unless_configured() -> None:
    s = await opened()
    opening = (await s.payloads())[0]
    assert opening["next_follow_up"] == add_months(s.clock.now().date(), 3).isoformat()
    s = await opened(follow_up_months=1)
    opening = (await s.payloads())[0]
    assert opening["next_follow_up"] == "2026-07-20"


async def test_a_deal_may_be_signed_straight_after_the_stage_and_again_later() -> None:
    s = await opened()
    assert await s.when(deal("300"), HOST) == ["DealSigned"]
    result = await s.run(deal("200", company=8), HOST)
    assert result.body["stage"] == "signed"
    assert await s.types() == ["TrackingCaseOpened", "DealSigned", "DealSigned"]


async def test_landing_needs_a_deal_and_industrialisation_needs_a_landing() -> None:
    s = await opened()
    refused = await s.refused(landing(), HOST, error=StateConflict, code="case.landing_before_deal")
    assert "签约" in refused.message_zh  # type: ignore[union-attr]
    await s.refused(
        RecordIndustrialisation(reached_on=date(2026, 6, 1), annual_revenue_wan=Decimal(1)),
        HOST,
        error=StateConflict,
        code="case.industrialisation_before_landing",
    )
    assert await s.types() == ["TrackingCaseOpened"]


async def test_a_case_never_goes_back_down_the_ladder() -> None:
    s = await opened()
    await s.run(deal(), HOST)
    await s.refused(
        ReportProgress(note="重新洽谈", negotiating=True),
        HOST,
        error=StateConflict,
        code="case.backwards",
    )
    # A plain report keeps the stage.
    result = await s.run(ReportProgress(note="合同履行中"), HOST)
    assert result.body["stage"] == "signed"


async def test_landing_is_recorded_once_and_a_local_company_needs_its_code() -> None:
    s = await opened()
    await s.run(deal(), HOST)
    await s.refused(landing(company_id=None), HOST, error=DomainError, code="case.landing_company")
    assert await s.when(landing(), HOST) == ["ProjectLanded"]
    await s.refused(landing(), HOST, error=StateConflict)


async def test_a_terminated_case_takes_nothing_more() -> None:
    s = await opened()
    result = await s.run(
        TerminateCase(reason=TerminationReason.PRICE, explanation="双方价格差距过大"), HOST
    )
    assert result.body["stage"] == "terminated"
    assert (await s.payloads())[-1]["stage_before"] == "pitched"
    for command in (ReportProgress(note="再联系"), deal()):
        await s.refused(command, HOST, error=StateConflict, code="case.terminated")
    assert await s.types() == ["TrackingCaseOpened", "CaseTerminated"]


async def test_dates_in_the_future_and_follow_ups_in_the_past_are_refused() -> None:
    s = await opened()
    today = s.clock.now().date()
    tomorrow = today + timedelta(days=1)
    await s.refused(deal(signed_on=tomorrow), HOST, error=DomainError, code="case.future_date")
    await s.refused(
        ReportProgress(note="已沟通", next_follow_up=today),
        HOST,
        error=DomainError,
        code="case.follow_up_past",
    )


async def test_policy_support_is_recorded_with_its_amount() -> None:
    s = await opened()
    granted = await s.when(
        GrantPolicySupport(
            kind=SupportKind.LAND,
            amount_wan=Decimal("200"),
            granted_by="深圳市规划和自然资源局",
            granted_on=date(2026, 6, 19),
            description="优先保障产业用地",
        ),
        HOST,
    )
    assert granted == ["PolicySupportGranted"]
    assert (await s.types())[-1] == "PolicySupportGranted"
    support = (await s.payloads())[-1]
    assert support["kind"] == "land"
    assert support["amount_wan"] == "200"


async def test_another_host_may_not_record_progress_on_the_case() -> None:
    s = await opened()
    await s.refused(ReportProgress(note="越权登记"), OTHER_HOST, error=Forbidden)
    assert await s.types() == ["TrackingCaseOpened"]


async def test_a_retried_report_is_recorded_once() -> None:
    s = await opened()
    keyed = HOST.__class__(**{**HOST.__dict__, "idempotency_key": "k-1"})
    first = await s.run(ReportProgress(note="第一次跟踪"), keyed)
    again = await s.run(ReportProgress(note="第一次跟踪"), keyed)
    assert again.replayed and again.stream_version == first.stream_version
    assert await s.when(ReportProgress(note="第一次跟踪"), keyed) == []
    assert await s.types() == ["TrackingCaseOpened", "ProgressReported"]


async def test_opening_twice_leaves_one_case() -> None:
    s = await opened()
    command = OpenCase(
        kind=CaseKind.PITCH,
        region="440000",
        achievement_id="a1",
        year=2026,
    )
    result = await s.tracking.handle(command, PROVINCE, CASE)
    assert result.events == ()
    assert await s.types() == ["TrackingCaseOpened"]


# --- follow-up rules ------------------------------------------------------------------------


async def test_an_overdue_follow_up_is_flagged_once_per_due_date() -> None:
    s = await opened()
    tracking, clock = s.tracking, s.clock
    due = add_months(clock.now().date(), 3)
    result = await flag_case(tracking.ports, CASE, PROVINCE)
    assert result.events == ()  # not due yet
    clock.advance(timedelta(days=(due - clock.now().date()).days + 2))
    first = await flag_case(tracking.ports, CASE, PROVINCE)
    assert [e.event_type for e in first.events] == ["FollowUpOverdue"]
    assert first.events[0].payload["due_on"] == due.isoformat()
    assert first.events[0].payload["days_overdue"] == 2
    assert first.events[0].payload["host_id"] == "host-sz"
    clock.advance(timedelta(days=1))
    assert (await flag_case(tracking.ports, CASE, PROVINCE)).events == ()
    # A report sets a new date; when that one passes, it is flagged again.
    await s.run(ReportProgress(note="电话回访"), HOST)
    clock.advance(timedelta(days=100))
    again = await flag_case(tracking.ports, CASE, PROVINCE)
    assert "FollowUpOverdue" in [e.event_type for e in again.events]
    assert again.events[0].payload["due_on"] != due.isoformat()


async def test_a_case_without_progress_is_flagged_stalled_once_per_stretch() -> None:
    s = await opened(stall_days=60)
    tracking, clock = s.tracking, s.clock
    clock.advance(timedelta(days=59))
    assert (await flag_case(tracking.ports, CASE, PROVINCE)).events == ()
    clock.advance(timedelta(days=1))
    stalled = await flag_case(tracking.ports, CASE, PROVINCE)
    assert [e.event_type for e in stalled.events] == ["CaseStalled"]
    assert stalled.events[0].payload["threshold_days"] == 60
    clock.advance(timedelta(days=40))
    # The quarter passed as well: only the overdue follow-up is new.
    assert [e.event_type for e in (await flag_case(tracking.ports, CASE, PROVINCE)).events] == [
        "FollowUpOverdue"
    ]
    await s.run(ReportProgress(note="重启洽谈"), HOST)
    clock.advance(timedelta(days=61))
    assert "CaseStalled" in [
        e.event_type for e in (await flag_case(tracking.ports, CASE, PROVINCE)).events
    ]


async def test_a_terminated_case_is_never_flagged() -> None:
    s = await opened(stall_days=30)
    tracking, clock = s.tracking, s.clock
    await s.run(
        TerminateCase(reason=TerminationReason.COMPANY_WITHDREW, explanation="企业放弃"), HOST
    )
    clock.advance(timedelta(days=400))
    assert (await flag_case(tracking.ports, CASE, PROVINCE)).events == ()
    assert company_id(1) != company_id(2)
