"""Scenarios of a host's year-end summary: draft, reminders, submission, review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracking_scenarios import HOST, OTHER_HOST, PROVINCE, TORCH, Scenario

from tracking.application.handlers import remind_summary
from tracking.domain.commands import AcceptSummary, DraftSummary, ReturnSummary, SubmitSummary
from ztc_shared.clock import FixedClock
from ztc_shared.contracts.tracking import SummaryNarrative, summary_id
from ztc_shared.domain import DomainError, Forbidden, NotFound, StateConflict

SUMMARY = summary_id(2026, "host-sz")
FULL = SummaryNarrative(
    experience="聚焦新能源产业链精准对接",
    results="签约项目3个，金额1200万元",
    shortfalls="企业参与面仍不够广",
    suggestions="建议增加线上对接场次",
)


async def test_draft_submit_return_resubmit_accept() -> None:
    s = Scenario(SUMMARY, FixedClock(datetime(2026, 12, 10, tzinfo=UTC)))
    drafted = await s.run(DraftSummary(host_name="深圳市科技创新局", narrative=FULL), HOST)
    assert drafted.body["status"] == "draft"
    figures = (await s.payloads())[0]["figures"]
    assert figures["roadshows_held"] == 0 and figures["deal_amount_wan"] == "0"
    assert (await s.run(SubmitSummary(), HOST)).body["status"] == "submitted"
    await s.refused(DraftSummary(narrative=FULL), HOST, error=StateConflict)
    returned = await s.run(ReturnSummary(comments="请补充落地项目情况"), TORCH)
    assert returned.body["status_name"] == "已退回修改"
    await s.run(DraftSummary(narrative=FULL), HOST)
    await s.run(SubmitSummary(), HOST)
    accepted = await s.run(AcceptSummary(comment="同意"), TORCH)
    assert accepted.body["status"] == "accepted"
    assert await s.types() == [
        "SummaryDrafted",
        "SummarySubmitted",
        "SummaryReturned",
        "SummaryDrafted",
        "SummarySubmitted",
        "SummaryAccepted",
    ]
    submitted = (await s.payloads())[1]
    assert submitted["late"] is False


async def test_an_incomplete_summary_cannot_be_submitted() -> None:
    s = Scenario(SUMMARY)
    await s.run(DraftSummary(narrative=SummaryNarrative(experience="经验", results="成效")), HOST)
    refused = await s.refused(SubmitSummary(), HOST, error=DomainError)
    assert "存在不足" in refused.message_zh and "意见建议" in refused.message_zh  # type: ignore[union-attr]


async def test_only_the_host_writes_its_own_summary() -> None:
    s = Scenario(SUMMARY)
    await s.refused(DraftSummary(narrative=FULL), OTHER_HOST, error=Forbidden)
    await s.refused(AcceptSummary(), TORCH, error=NotFound)  # nothing to accept yet


async def test_a_submission_after_31_december_is_late() -> None:
    s = Scenario(SUMMARY, FixedClock(datetime(2027, 1, 3, tzinfo=UTC)))
    await s.run(DraftSummary(narrative=FULL), HOST)
    assert await s.when(SubmitSummary(), HOST) == ["SummarySubmitted"]
    assert (await s.payloads())[-1]["late"] is True


async def test_reminders_before_the_deadline_and_one_flag_after_it() -> None:
    s = Scenario(SUMMARY, FixedClock(datetime(2026, 11, 15, tzinfo=UTC)))
    tracking, clock = s.tracking, s.clock

    async def tick() -> list[dict[str, object]]:
        result = await remind_summary(tracking.ports, 2026, "host-sz", PROVINCE)
        return [dict(e.payload) for e in result.events]

    assert await tick() == []  # 46 days left: too early
    clock.advance(timedelta(days=17))  # 2 December: 29 days left
    first = await tick()
    assert [(e["days_left"], e["overdue"]) for e in first] == [(29, False)]
    assert await tick() == []  # once per threshold
    clock.advance(timedelta(days=23))  # 25 December: 6 days left
    assert [e["days_left"] for e in await tick()] == [6]
    clock.advance(timedelta(days=8))  # 2 January: overdue
    assert [e["overdue"] for e in await tick()] == [True]
    clock.advance(timedelta(days=1))
    assert await tick() == []
    assert await s.types() == ["SummaryDue", "SummaryDue", "SummaryDue"]


async def test_no_reminder_once_submitted() -> None:
    s = Scenario(SUMMARY, FixedClock(datetime(2026, 12, 1, tzinfo=UTC)))
    tracking, clock = s.tracking, s.clock
    await s.run(DraftSummary(narrative=FULL), HOST)
    await s.run(SubmitSummary(), HOST)
    clock.advance(timedelta(days=40))
    assert (await remind_summary(tracking.ports, 2026, "host-sz", PROVINCE)).events == ()
