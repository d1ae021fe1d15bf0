"""The online channel (线上对接渠道): companies ask to meet the longlisted projects that are not on
stage; the holder accepts or declines."""

from __future__ import annotations

from roadshow.application.directory import InMemoryDirectory
from roadshow.bootstrap import bootstrap
from roadshow.config import RoadshowSettings
from roadshow.domain.commands import (
    AcceptOnlineMeeting,
    DeclineOnlineMeeting,
    RequestOnlineMeeting,
)
from ztc_shared.clock import FixedClock
from ztc_shared.contracts.roadshow import online_channel_id

from .roadshow_scenarios import (
    HOLDER,
    HOST,
    NOW,
    OTHER_HOST,
    Scenario,
    company,
    company_id,
    conflict,
    context,
    shortlist,
)


def request(
    achievement_id: str = "ach-09", modes: tuple[str, ...] = ("license",)
) -> RequestOnlineMeeting:
    return RequestOnlineMeeting.model_validate(
        {"achievement_id": achievement_id, "modes": list(modes), "message": "希望了解许可条件"}
    )


def accept(n: int = 1) -> AcceptOnlineMeeting:
    return AcceptOnlineMeeting(achievement_id="ach-09", company_id=company_id(n), note="下周会谈")


def decline(n: int = 1) -> DeclineOnlineMeeting:
    return DeclineOnlineMeeting(
        achievement_id="ach-09", company_id=company_id(n), reason="已独家许可"
    )


class ChannelScenario(Scenario):
    """A roadshow whose shortlist left ``ach-09`` for the online channel; ``holder-1`` holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = InMemoryDirectory()
        self.app = bootstrap(
            RoadshowSettings(), store=self.store, clock=FixedClock(NOW), directory=self.directory
        )

    async def channel_open(self, *attendees: int) -> str:
        rid = await self.with_attendees(*attendees)
        await self.directory.remember_achievement(
            "ach-09",
            {"title": "钠离子电池正极材料", "holder_id": "holder-1", "holder_name": "李雷"},
        )
        await self.when(shortlist(), HOST, rid)
        return rid


async def test_a_registered_company_asks_and_the_holder_accepts_it_once() -> None:
    s = ChannelScenario()
    rid = await s.channel_open(1)
    assert await s.when(request(), company(1), rid) == ["OnlineMeetingRequested"]
    assert await s.when(request(), company(1), rid) == []  # the same request again: a retry
    assert await s.when(accept(), HOLDER, rid) == ["OnlineMeetingAccepted"]
    assert await s.when(accept(), HOLDER, rid) == []
    accepted = (await s.payloads(online_channel_id(rid)))[-1]
    assert accepted["company_id"] == company_id(1)
    assert accepted["modes"] == ["license"]
    assert accepted["accepted_by"] == "holder-1"
    assert accepted["roadshow_id"] == rid


async def test_the_channel_opens_with_the_shortlist_and_offers_only_the_not_selected() -> None:
    s = ChannelScenario()
    rid = await s.with_attendees(1)
    assert conflict(await s.refused(request(), company(1), rid), "channel_not_open")
    await s.when(shortlist(), HOST, rid)
    on_stage = await s.refused(request("ach-01"), company(1), rid)
    assert getattr(on_stage, "code", "") == "not_in_channel"


async def test_only_approved_registrants_ask() -> None:
    s = ChannelScenario()
    rid = await s.channel_open(1)
    refused = await s.refused(request(), company(2), rid)
    assert getattr(refused, "code", "") == "not_attending"
    refused = await s.refused(request(), HOLDER, rid)
    assert getattr(refused, "code", "") == "companies_only"


async def test_only_the_holder_or_the_roadshows_host_answers() -> None:
    s = ChannelScenario()
    rid = await s.channel_open(1, 2)
    await s.when(request(), company(1), rid)
    await s.when(request(), company(2), rid)
    stranger = context("holder-2", "holder")
    assert getattr(await s.refused(accept(), stranger, rid), "code", "") == "not_your_project"
    assert getattr(await s.refused(accept(), OTHER_HOST, rid), "code", "") == "not_your_roadshow"
    assert await s.when(accept(2), HOST, rid) == ["OnlineMeetingAccepted"]


async def test_a_declined_pair_stays_declined() -> None:
    s = ChannelScenario()
    rid = await s.channel_open(1)
    await s.when(request(), company(1), rid)
    assert await s.when(decline(), HOLDER, rid) == ["OnlineMeetingDeclined"]
    assert conflict(await s.refused(accept(), HOLDER, rid), "answered_already")
    assert conflict(await s.refused(request(), company(1), rid), "declined_before")


async def test_a_second_request_in_other_terms_waits_for_the_answer() -> None:
    s = ChannelScenario()
    rid = await s.channel_open(1)
    await s.when(request(), company(1), rid)
    changed = await s.refused(request(modes=("equity",)), company(1), rid)
    assert conflict(changed, "requested_already")


async def test_an_answer_needs_a_request() -> None:
    s = ChannelScenario()
    rid = await s.channel_open(1)
    assert getattr(await s.refused(accept(), HOLDER, rid), "code", "") == "no_request"
