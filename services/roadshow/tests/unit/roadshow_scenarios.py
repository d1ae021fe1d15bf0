"""The people, commands and ready-made histories the roadshow scenarios share.

Every scenario drives roadshow's real handlers on the in-memory event store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from roadshow.bootstrap import Roadshow, bootstrap
from roadshow.config import RoadshowSettings
from roadshow.domain.commands import (
    ApproveHostApplication,
    ApproveRegistration,
    LaunchProgramme,
    OpenRegistration,
    PlanRoadshow,
    ReceiveShortlist,
    RegisterCompany,
    StartRoadshow,
    SubmitHostApplication,
)
from ztc_shared.application import CommandContext
from ztc_shared.clock import FixedClock
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.domain import StateConflict
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing import scenario as testing

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
YEAR = 2026
EVENT_DAY = date(2026, 6, 18)


def context(actor: str, role: str, region: str = "440000") -> CommandContext:
    return CommandContext(
        actor=actor, region="440000", correlation_id="c", role=role, actor_region=region
    )


TORCH = context("torch-1", "torch_center", "100000")
PROVINCE = context("gd-dept", "province", "440000")
OTHER_PROVINCE = context("zj-dept", "province", "330000")
HOST = context("host-sz", "host", "440300")
OTHER_HOST = context("host-gz", "host", "440100")
SZSE = context("szse-1", "szse", "440300")
AGENCY = context("agency-1", "support_org")
HOLDER = context("holder-1", "holder")


def company_id(n: int) -> str:
    return sample_credit_code(n)


def company(n: int) -> CommandContext:
    return context(company_id(n), "company", "440300")


def expert(name: str) -> CommandContext:
    return context(name, "expert")


def application(**overrides: Any) -> SubmitHostApplication:
    fields: dict[str, Any] = {
        "year": YEAR,
        "fields": ["new_energy", "next_gen_it"],
        "industrial_base": "新能源与电子信息产业集群，规上工业企业六万余家",
        "company_scale": {
            "tech_companies": 75000,
            "high_tech_enterprises": 24000,
            "listed_companies": 580,
        },
        "funding_wan": "800",
        "proposed_hosts": [
            {
                "host_id": "host-sz",
                "name": "深圳市科技创新局",
                "kind": "municipal_department",
                "region": "440300",
            },
            {
                "host_id": "host-gz",
                "name": "广州高新区管委会",
                "kind": "high_tech_zone",
                "region": "440100",
            },
        ],
    }
    fields.update(overrides)
    return SubmitHostApplication.model_validate(fields)


def launch() -> LaunchProgramme:
    return LaunchProgramme(
        notice_title="关于启动2026年度科技成果直通车的通知",
        notice_body="各有关单位：为促进科技成果转化，现启动2026年度科技成果直通车……",
    )


def plan(**overrides: Any) -> PlanRoadshow:
    fields: dict[str, Any] = {
        "year": YEAR,
        "title": "深圳新能源专场",
        "fields": ["new_energy"],
        "industry_needs": "储能电池回收、光伏组件智能运维",
        "region": "440300",
        "event_date": "2026-06-18",
        "venue": "深圳会展中心",
        "format": "hybrid",
        "livestream_url": "https://live.example.cn/ztc/sz-2026-06",
        "capacity": 3,
        "agenda": [
            {
                "kind": "keynote",
                "title": "主旨演讲",
                "starts_at": "2026-06-18T09:00:00+08:00",
                "minutes": 30,
            },
            {
                "kind": "pitches",
                "title": "项目路演",
                "starts_at": "2026-06-18T09:30:00+08:00",
                "minutes": 120,
            },
            {
                "kind": "expert_review",
                "title": "专家评议",
                "starts_at": "2026-06-18T11:30:00+08:00",
                "minutes": 30,
            },
        ],
        "plan_text": "本场路演聚焦新能源领域……",
    }
    fields.update(overrides)
    return PlanRoadshow.model_validate(fields)


def registration(n: int, kind: str = "tech_company", **overrides: Any) -> RegisterCompany:
    fields: dict[str, Any] = {
        "company_id": company_id(n),
        "name": f"深圳企业{n}有限公司",
        "kind": kind,
        "contact_name": "王五",
    }
    fields.update(overrides)
    return RegisterCompany.model_validate(fields)


PITCHES = [
    {"achievement_id": "ach-01", "title": "固态电池电解质", "institution": "清华大学"},
    {"achievement_id": "ach-02", "title": "光伏组件智能巡检", "institution": "中山大学"},
    {"achievement_id": "ach-03", "title": "退役电池梯次利用", "institution": "华南理工大学"},
]


def shortlist() -> ReceiveShortlist:
    return ReceiveShortlist.model_validate(
        {"round_id": "round-1", "pitches": PITCHES, "not_selected": ["ach-09"]}
    )


class Scenario(testing.Scenario):
    """Histories on one in-memory store, driven through the real handlers; every call names its
    stream (none: a command that creates one)."""

    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.app: Roadshow = bootstrap(RoadshowSettings(), store=self.store, clock=FixedClock(NOW))
        # through self.app at each call: a scenario may rebuild the app with other ports
        super().__init__(
            lambda command, ctx, stream_id: self.app.handle(command, ctx, stream_id),
            self.store,
            follow=False,
            now=NOW,
        )
        self.roadshow = ""

    async def launched(self) -> None:
        await self.when(application(), PROVINCE)
        await self.when(ApproveHostApplication(), TORCH, f"host-application-{YEAR}-440000")
        await self.when(launch(), TORCH, str(YEAR))

    async def planned(self, **overrides: Any) -> str:
        await self.launched()
        result = await self.app.handle(plan(**overrides), HOST)
        self.roadshow = result.stream_id
        return self.roadshow

    async def registration_open(self, **overrides: Any) -> str:
        rid = await self.planned(**overrides)
        await self.when(OpenRegistration(), HOST, rid)
        return rid

    async def opened_another(self, **overrides: Any) -> str:
        """A second roadshow of the same launched programme, open for registration."""
        result = await self.app.handle(plan(**overrides), HOST)
        await self.when(OpenRegistration(), HOST, result.stream_id)
        return result.stream_id

    async def with_attendees(self, *numbers: int, **overrides: Any) -> str:
        rid = await self.registration_open(**overrides)
        for n in numbers:
            await self.when(registration(n), company(n), rid)
            await self.when(ApproveRegistration(company_id=company_id(n)), HOST, rid)
        return rid

    async def live(self, *attendees: int, **overrides: Any) -> str:
        rid = await self.with_attendees(*attendees, **overrides)
        await self.when(shortlist(), HOST, rid)
        await self.when(StartRoadshow(), HOST, rid)
        return rid


def conflict(error: object, code: str) -> bool:
    return isinstance(error, StateConflict) and error.code == code
