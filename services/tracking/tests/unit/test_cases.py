"""Scenarios of a tracking case: the ladder, its guards and the follow-up rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from tracking_scenarios import (
    HOST,
    OTHER_HOST,
    PROVINCE,
    ROADSHOW,
    company_id,
    deal,
    service,
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


async def opened(stage: CaseStage = CaseStage.PITCHED, **settings: object):  # type: ignore[no-untyped-def]
    tracking, store, clock = service(**settings)
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
    await tracking.handle(command, PROVINCE, CASE)
    return tracking, store, clock


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


async def types(store, stream_id: str = CASE) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.event_type for e in (await store.load(stream_id)).events]


async def test_a_case_climbs_the_whole_ladder() -> None:
    tracking, store, _ = await opened()
    await tracking.handle(ReportProgress(note="双方已开展技术交流", negotiating=True), HOST, CASE)
    await tracking.handle(deal("500"), HOST, CASE)
    await tracking.handle(landing(), HOST, CASE)
    result = await tracking.handle(
        RecordIndustrialisation(reached_on=date(2026, 6, 20), annual_revenue_wan=Decimal("8000")),
        HOST,
        CASE,
    )
    assert result.body["stage"] == "industrialised"
    assert result.body["stage_name"] == "产业化"
    assert await types(store) == [
        "TrackingCaseOpened",
        "ProgressReported",
        "DealSigned",
        "ProjectLanded",
        "ProjectIndustrialised",
    ]
    signed = (await store.load(CASE)).events[2]
    assert signed.payload["amount_wan"] == "500"
    assert signed.payload["region"] == "440000"


async def test_the_first_follow_up_is_a_quarter_after_opening_unless_configured() -> None:
    _, store, clock = await opened()
    event = (await store.load(CASE)).events[0]
    assert event.payload["next_follow_up"] == add_months(clock.now().date(), 3).isoformat()
    _, store, clock = await opened(follow_up_months=1)
    event = (await store.load(CASE)).events[0]
    assert event.payload["next_follow_up"] == "2026-07-20"


async def test_a_deal_may_be_signed_straight_after_the_stage_and_again_later() -> None:
    tracking, store, _ = await opened()
    await tracking.handle(deal("300"), HOST, CASE)
    result = await tracking.handle(deal("200", company=8), HOST, CASE)
    assert result.body["stage"] == "signed"
    assert await types(store) == ["TrackingCaseOpened", "DealSigned", "DealSigned"]


async def test_landing_needs_a_deal_and_industrialisation_needs_a_landing() -> None:
    tracking, store, _ = await opened()
    with pytest.raises(StateConflict) as refused:
        await tracking.handle(landing(), HOST, CASE)
    assert refused.value.code == "case.landing_before_deal"
    assert "签约" in refused.value.message_zh
    with pytest.raises(StateConflict) as refused:
        await tracking.handle(
            RecordIndustrialisation(reached_on=date(2026, 6, 1), annual_revenue_wan=Decimal(1)),
            HOST,
            CASE,
        )
    assert refused.value.code == "case.industrialisation_before_landing"
    assert await types(store) == ["TrackingCaseOpened"]


async def test_a_case_never_goes_back_down_the_ladder() -> None:
    tracking, _, _ = await opened()
    await tracking.handle(deal(), HOST, CASE)
    with pytest.raises(StateConflict) as refused:
        await tracking.handle(ReportProgress(note="重新洽谈", negotiating=True), HOST, CASE)
    assert refused.value.code == "case.backwards"
    # A plain report keeps the stage.
    result = await tracking.handle(ReportProgress(note="合同履行中"), HOST, CASE)
    assert result.body["stage"] == "signed"


async def test_landing_is_recorded_once_and_a_local_company_needs_its_code() -> None:
    tracking, _, _ = await opened()
    await tracking.handle(deal(), HOST, CASE)
    with pytest.raises(DomainError) as refused:
        await tracking.handle(landing(company_id=None), HOST, CASE)
    assert refused.value.code == "case.landing_company"
    await tracking.handle(landing(), HOST, CASE)
    with pytest.raises(StateConflict):
        await tracking.handle(landing(), HOST, CASE)


async def test_a_terminated_case_takes_nothing_more() -> None:
    tracking, store, _ = await opened()
    result = await tracking.handle(
        TerminateCase(reason=TerminationReason.PRICE, explanation="双方价格差距过大"), HOST, CASE
    )
    assert result.body["stage"] == "terminated"
    terminated = (await store.load(CASE)).events[-1]
    assert terminated.payload["stage_before"] == "pitched"
    for command in (ReportProgress(note="再联系"), deal()):
        with pytest.raises(StateConflict) as refused:
            await tracking.handle(command, HOST, CASE)
        assert refused.value.code == "case.terminated"
    assert await types(store) == ["TrackingCaseOpened", "CaseTerminated"]


async def test_dates_in_the_future_and_follow_ups_in_the_past_are_refused() -> None:
    tracking, _, clock = await opened()
    with pytest.raises(DomainError) as refused:
        await tracking.handle(deal(signed_on=clock.now().date() + timedelta(days=1)), HOST, CASE)
    assert refused.value.code == "case.future_date"
    with pytest.raises(DomainError) as refused:
        await tracking.handle(
            ReportProgress(note="已沟通", next_follow_up=clock.now().date()), HOST, CASE
        )
    assert refused.value.code == "case.follow_up_past"


async def test_policy_support_is_recorded_with_its_amount() -> None:
    tracking, store, _ = await opened()
    await tracking.handle(
        GrantPolicySupport(
            kind=SupportKind.LAND,
            amount_wan=Decimal("200"),
            granted_by="深圳市规划和自然资源局",
            granted_on=date(2026, 6, 19),
            description="优先保障产业用地",
        ),
        HOST,
        CASE,
    )
    granted = (await store.load(CASE)).events[-1]
    assert granted.event_type == "PolicySupportGranted"
    assert granted.payload["kind"] == "land"
    assert granted.payload["amount_wan"] == "200"


async def test_another_host_may_not_record_progress_on_the_case() -> None:
    tracking, store, _ = await opened()
    with pytest.raises(Forbidden):
        await tracking.handle(ReportProgress(note="越权登记"), OTHER_HOST, CASE)
    assert await types(store) == ["TrackingCaseOpened"]


async def test_a_retried_report_is_recorded_once() -> None:
    tracking, store, _ = await opened()
    keyed = HOST.__class__(**{**HOST.__dict__, "idempotency_key": "k-1"})
    first = await tracking.handle(ReportProgress(note="第一次跟踪"), keyed, CASE)
    again = await tracking.handle(ReportProgress(note="第一次跟踪"), keyed, CASE)
    assert again.replayed and again.stream_version == first.stream_version
    assert await types(store) == ["TrackingCaseOpened", "ProgressReported"]


async def test_opening_twice_leaves_one_case() -> None:
    tracking, store, _ = await opened()
    command = OpenCase(
        kind=CaseKind.PITCH,
        region="440000",
        achievement_id="a1",
        year=2026,
    )
    result = await tracking.handle(command, PROVINCE, CASE)
    assert result.events == ()
    assert await types(store) == ["TrackingCaseOpened"]


# --- follow-up rules ------------------------------------------------------------------------


async def test_an_overdue_follow_up_is_flagged_once_per_due_date() -> None:
    tracking, _store, clock = await opened()
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
    await tracking.handle(ReportProgress(note="电话回访"), HOST, CASE)
    clock.advance(timedelta(days=100))
    again = await flag_case(tracking.ports, CASE, PROVINCE)
    assert "FollowUpOverdue" in [e.event_type for e in again.events]
    assert again.events[0].payload["due_on"] != due.isoformat()


async def test_a_case_without_progress_is_flagged_stalled_once_per_stretch() -> None:
    tracking, _store, clock = await opened(stall_days=60)
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
    await tracking.handle(ReportProgress(note="重启洽谈"), HOST, CASE)
    clock.advance(timedelta(days=61))
    assert "CaseStalled" in [
        e.event_type for e in (await flag_case(tracking.ports, CASE, PROVINCE)).events
    ]


async def test_a_terminated_case_is_never_flagged() -> None:
    tracking, _store, clock = await opened(stall_days=30)
    await tracking.handle(
        TerminateCase(reason=TerminationReason.COMPANY_WITHDREW, explanation="企业放弃"), HOST, CASE
    )
    clock.advance(timedelta(days=400))
    assert (await flag_case(tracking.ports, CASE, PROVINCE)).events == ()
    assert company_id(1) != company_id(2)
