"""Roadshow's demo data for ``make run`` (registered in ``services/roadshow/service.toml``): the
year's programme and two roadshows, through the APIs.

- The province (演示) applies with two hosts, Torch Center approves and launches the year.
- 「新能源与智能制造专场」 (June) runs from plan to conclusion: companies register, screening's round
  (opened by itself from the plan) longlists the library's best twelve for the theme, the host
  finalises ten for the stage (which reach roadshow by themselves), coaching, two experts review,
  questions and intents on the day, one-to-one meetings proposed, finalised and held, a request
  through the online channel accepted by the holder, and the conclusion tracking follows.
- 「生物医药专场」 (December) is upcoming with registration open: the calendar's next entry.

Every POST carries an ``Idempotency-Key`` made of the step and a hash of its body, so a second run
on the same stack replays the first run's answers; a roadshow found concluded is left as it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ztc_shared.auth import Role
from ztc_shared.contracts.identifiers import sample_credit_code

YEAR = 2026
HOSTS = (
    ("demo-host-sz", "深圳市科技创新局（演示）", "municipal_department", "440300"),
    ("demo-host-gz", "广州高新技术产业开发区管委会（演示）", "high_tech_zone", "440100"),
)
EXPERTS = (
    ("demo-reviewer-001", "周敏（演示评议专家）", "国家技术转移南方中心"),
    ("demo-reviewer-002", "吴刚（演示评议专家）", "深圳市产业投资基金"),
)
COMPANIES = (
    ("深圳演示新能源科技有限公司", "tech_company"),
    ("广东演示智能装备股份有限公司", "listed_company"),
    ("前海演示创业投资合伙企业", "investor"),
    ("松山湖演示产业园运营有限公司", "park"),
)
CRITERIA = ("technology_leadership", "industrialisation_feasibility", "industry_prospects")
REACTION_TIMEOUT_S = 60.0
LONGLIST = 12  # the demo's longlist, of the library's best for the theme
MIN_STAGE = 10  # the guideline's fewest projects on stage (路演项目 10–20 个)


def demo_company_id(n: int) -> str:
    return sample_credit_code(n, series="MA5D")


@dataclass
class RoadshowDemoReport:
    concluded_id: str | None = None
    upcoming_id: str | None = None
    pitches: int = 0
    intents: int = 0
    meetings_held: int = 0
    skipped: list[str] = field(default_factory=list)


class DemoStepFailed(Exception):
    """A demo request was refused; the message says which and why."""


class DemoRun(Protocol):
    """What ``make run`` hands a demo step; only what this module uses."""

    @property
    def holder(self) -> tuple[str, str]: ...
    @property
    def agency(self) -> tuple[str, str]: ...
    @property
    def province(self) -> tuple[str, str]: ...
    @property
    def facts(self) -> dict[str, int]: ...
    def url(self, service: str) -> str: ...
    def token(self, role: Role, subject: str, name: str | None = None) -> str: ...
    def say(self, line: str) -> None: ...


async def load_demo(run: DemoRun) -> list[str]:
    """The demo step: the year and both roadshows, after intake's catalogue (its admitted and
    published achievements, ``run.facts["library_items"]``, are what the concluded one longlists);
    nothing when no catalogue was loaded. The banner's lines: the calendar and the concluded one."""
    if "library_items" not in run.facts:
        return []
    started = time.monotonic()
    run.say("  路演演示数据 roadshows: the year's programme, a concluded and an upcoming roadshow…")
    roadshow = run.url("roadshow")
    report = await load_roadshow_demo(
        roadshow,
        run.url("screening"),
        lambda role, subject: run.token(role, subject),
        province=run.province[0],
        holder=run.holder[0],
        agency=run.agency[0],
        library_items=run.facts["library_items"],
        progress=lambda line: run.say("    " + line),
    )
    run.say(
        f"    {report.pitches} 个路演项目 pitches, {report.intents} 项意向 intents, "
        f"{report.meetings_held} 场一对一 meetings held ({time.monotonic() - started:.1f}s)"
    )
    for note in report.skipped:
        run.say(f"    （略过 skipped: {note}）")
    lines = [f"路演日历 roadshow calendar: {roadshow}/roadshows?year={YEAR}"]
    if report.concluded_id:
        lines.append(
            f"已结束的专场 concluded: {roadshow}/roadshows/{report.concluded_id} (需令牌 token)"
        )
    return lines


class _Api:
    def __init__(self, client: httpx.AsyncClient, mint: Callable[[Role, str], str]) -> None:
        self.client = client
        self.mint = mint

    def auth(self, role: Role, subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(role, subject)}"}

    async def post(
        self, url: str, who: tuple[Role, str], body: Any = None, key: str = ""
    ) -> dict[str, Any]:
        content = json.dumps(body if body is not None else {}, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(f"{url}|{content}".encode()).hexdigest()[:16]
        headers = {
            **self.auth(*who),
            "Content-Type": "application/json",
            "Idempotency-Key": f"demo-roadshow-{key}-{digest}",
        }
        reply = await self.client.post(url, content=content.encode(), headers=headers)
        if reply.status_code not in (200, 201):
            raise DemoStepFailed(f"POST {url}: {reply.status_code} {reply.text[:300]}")
        answer: dict[str, Any] = reply.json()
        return answer

    async def get(self, url: str, who: tuple[Role, str], **params: Any) -> httpx.Response:
        return await self.client.get(url, headers=self.auth(*who), params=params)

    async def until(
        self, url: str, who: tuple[Role, str], ok: Callable[[Any], bool], what: str
    ) -> Any:
        """GET until ``ok`` holds: another service's reaction has arrived."""
        last = ""
        try:
            async with asyncio.timeout(REACTION_TIMEOUT_S):
                while True:
                    reply = await self.get(url, who)
                    if reply.status_code == 200 and ok(reply.json()):
                        return reply.json()
                    last = f"{reply.status_code} {reply.text[:200]}"
                    await asyncio.sleep(0.3)
        except TimeoutError:
            raise DemoStepFailed(
                f"{what}: not seen within {REACTION_TIMEOUT_S:g}s ({last})"
            ) from None


def _plan(title: str, fields: list[str], needs: str, region: str, day: str) -> dict[str, Any]:
    return {
        "year": YEAR,
        "title": title,
        "fields": fields,
        "industry_needs": needs,
        "region": region,
        "event_date": day,
        "venue": "深圳会展中心（演示）" if region == "440300" else "广州科学城会议中心（演示）",
        "format": "hybrid",
        "livestream_url": "https://live.example.cn/ztc/demo",
        "capacity": 120,
        "agenda": [
            {
                "kind": "keynote",
                "title": "主旨演讲与经验分享",
                "starts_at": f"{day}T09:00:00+08:00",
                "minutes": 30,
            },
            {
                "kind": "pitches",
                "title": "科技成果持有人现场路演",
                "starts_at": f"{day}T09:30:00+08:00",
                "minutes": 150,
            },
            {
                "kind": "expert_review",
                "title": "专家评议与问答",
                "starts_at": f"{day}T12:00:00+08:00",
                "minutes": 30,
            },
            {
                "kind": "one_to_one",
                "title": "一对一对接洽谈",
                "starts_at": f"{day}T14:00:00+08:00",
                "minutes": 120,
            },
        ],
        "plan_text": f"{title}：聚焦{needs}，组织成果持有人现场路演、专家评议与企业一对一对接。",
    }


async def load_roadshow_demo(
    roadshow: str,
    screening: str,
    mint: Callable[[Role, str], str],
    *,
    province: str,
    holder: str,
    agency: str,
    library_items: int,
    progress: Callable[[str], None] = lambda _line: None,
) -> RoadshowDemoReport:
    """Drive the demo through roadshow's and screening's APIs (see the module's text).

    ``library_items`` is how many admitted or published achievements the demo catalogue put in
    the library: the concluded roadshow longlists up to twelve of them and needs ten for its stage,
    so with fewer it is left out."""
    report = RoadshowDemoReport()
    async with httpx.AsyncClient(timeout=30.0) as client:
        api = _Api(client, mint)
        torch = (Role.TORCH_CENTER, "demo-torch-center")
        host = (Role.HOST, HOSTS[0][0])
        await _the_year(api, roadshow, (Role.PROVINCE, province), torch)
        progress(f"年度计划 programme {YEAR}: 2 承办单位 hosts, 已启动 launched")
        report.upcoming_id = await _upcoming(api, roadshow)
        if library_items < MIN_STAGE:
            report.skipped.append(f"only {library_items} achievements in the library")
            return report
        report.concluded_id = await _concluded(
            api,
            roadshow,
            screening,
            host,
            (Role.HOLDER, holder),
            (Role.SUPPORT_ORG, agency),
            report,
            min(LONGLIST, library_items),
        )
    return report


async def _the_year(
    api: _Api, roadshow: str, province: tuple[Role, str], torch: tuple[Role, str]
) -> None:
    application = await api.post(
        f"{roadshow}/host-applications",
        province,
        {
            "year": YEAR,
            "fields": ["new_energy", "high_end_equipment", "biotech", "next_gen_it"],
            "industrial_base": "珠三角新能源、高端装备与生物医药产业集群，规上工业企业六万余家",
            "company_scale": {
                "tech_companies": 75000,
                "high_tech_enterprises": 24000,
                "listed_companies": 580,
            },
            "funding_wan": "800",
            "funding_note": "省级财政科技专项保障（演示）",
            "proposed_hosts": [
                {"host_id": h, "name": n, "kind": k, "region": r} for h, n, k, r in HOSTS
            ],
        },
        "application",
    )
    status = application.get("status")
    if status != "approved":
        await api.post(
            f"{roadshow}/host-applications/{application['id']}/approve", torch, {}, "approve"
        )
    programme = await api.get(f"{roadshow}/programmes/{YEAR}", torch)
    if programme.status_code != 200 or not programme.json().get("hosts"):
        await api.post(
            f"{roadshow}/programmes/{YEAR}/launch",
            torch,
            {
                "notice_title": f"关于开展{YEAR}年度科技成果直通车工作的通知（演示）",
                "notice_body": "各有关单位：为促进科技成果转化，现启动本年度科技成果直通车，"
                "请承办单位按要求组织路演活动，欢迎科研人员、企业、园区和技术转移机构报名参加。",
            },
            "launch",
        )


async def _register(api: _Api, roadshow: str, rid: str, host: tuple[Role, str], n: int) -> None:
    name, kind = COMPANIES[n - 1]
    company = (Role.COMPANY, demo_company_id(n))
    await api.post(
        f"{roadshow}/roadshows/{rid}/registrations",
        company,
        {
            "company_id": demo_company_id(n),
            "name": name,
            "kind": kind,
            "contact_name": "王经理（演示）",
            "contact_phone": "0755-8888000" + str(n),
            "interests": "储能、动力电池、智能制造",
        },
        f"register-{n}",
    )


async def _upcoming(api: _Api, roadshow: str) -> str:
    host = (Role.HOST, HOSTS[1][0])
    planned = await api.post(
        f"{roadshow}/roadshows",
        host,
        _plan(
            "生物医药与医疗器械专场（演示）",
            ["biotech"],
            "创新药中试、医疗器械注册与临床资源对接",
            "440100",
            f"{YEAR}-12-18",
        ),
        "plan-upcoming",
    )
    rid = str(planned["id"])
    if planned.get("status") == "planned":
        await api.post(f"{roadshow}/roadshows/{rid}/open-registration", host, {}, "open-upcoming")
    for n in (1, 4):
        await _register(api, roadshow, rid, host, n)
    await api.post(
        f"{roadshow}/roadshows/{rid}/registrations/approve",
        host,
        {"company_id": demo_company_id(1)},
        "approve-upcoming-1",
    )
    return rid


async def _concluded(
    api: _Api,
    roadshow: str,
    screening: str,
    host: tuple[Role, str],
    holder: tuple[Role, str],
    agency: tuple[Role, str],
    report: RoadshowDemoReport,
    longlist: int,
) -> str | None:
    planned = await api.post(
        f"{roadshow}/roadshows",
        host,
        _plan(
            "新能源与智能制造专场（演示）",
            ["new_energy", "new_energy_vehicles", "high_end_equipment"],
            "动力电池安全与快充、储能系统、智能制造质检",
            "440300",
            f"{YEAR}-06-18",
        ),
        "plan-concluded",
    )
    rid = str(planned["id"])
    state = (await api.get(f"{roadshow}/roadshows/{rid}", host)).json()
    if state["status"] == "concluded":
        report.skipped.append("concluded roadshow already there")
        report.pitches = len(state["pitches"])
        return rid
    url = f"{roadshow}/roadshows/{rid}"
    round_url = f"{screening}/rounds/round-{rid}"
    await api.until(round_url, host, lambda _body: True, "screening's round for the roadshow")
    if state["status"] == "planned":
        await api.post(f"{url}/open-registration", host, {}, "open-concluded")
    for n in (1, 2, 3, 4):
        await _register(api, roadshow, rid, host, n)
    for n in (1, 2, 3):
        await api.post(
            f"{url}/registrations/approve", host, {"company_id": demo_company_id(n)}, f"approve-{n}"
        )

    # screening: the library's best twelve for the theme, pushed to the companies, ten on stage
    if state["status"] in ("planned", "registration_open"):
        ranked = await api.until(
            f"{round_url}/recommendations?limit={longlist}",
            agency,
            lambda body: len(body) >= longlist,
            f"{longlist} achievements in screening's library",
        )
        ids = [str(r["achievement_id"]) for r in ranked][:longlist]
        for achievement_id in ids:
            await api.post(
                f"{round_url}/candidates",
                agency,
                {"achievement_id": achievement_id, "reason": "契合专场主题与企业需求"},
                f"longlist-{achievement_id}",
            )
        companies = [demo_company_id(n) for n in (1, 2, 3)]
        await api.post(f"{round_url}/publish", host, {"company_ids": companies}, "publish")
        await api.post(
            f"{round_url}/interest",
            (Role.COMPANY, companies[0]),
            {
                "answers": [
                    {"achievement_id": ids[0], "level": "must_meet", "reason": "fits_our_needs"},
                    {"achievement_id": ids[1], "level": "interested", "reason": "fits_our_needs"},
                ]
            },
            "interest-1",
        )
        await api.post(f"{round_url}/shortlist", host, {"selected": ids[:MIN_STAGE]}, "shortlist")
    staged = await api.until(
        url, host, lambda body: bool(body["pitches"]), "the shortlist on roadshow's stage"
    )
    pitches = [str(p["achievement_id"]) for p in staged["pitches"]]
    report.pitches = len(pitches)
    channel = (await api.get(f"{url}/online-channel", host)).json()
    offered = [str(p["achievement_id"]) for p in channel["projects"]]

    if staged["status"] in ("shortlist_received", "coaching"):
        await api.post(
            f"{url}/coaching",
            agency,
            {
                "achievement_id": pitches[0],
                "coach": "刘老师（演示辅导专家）",
                "coach_organisation": "深圳证券交易所创新创业投融资服务平台",
                "held_at": f"{YEAR}-06-10T14:00:00+08:00",
                "focus": ["technology_leadership", "industrialisation_feasibility"],
                "feedback": "突出与现有方案的性能对比，补充中试线良率与成本测算",
            },
            "coaching",
        )
        for expert_id, name, institution in EXPERTS:
            await api.post(
                f"{url}/review/experts",
                host,
                {"expert_id": expert_id, "name": name, "institution": institution},
                f"expert-{expert_id}",
            )
        await api.post(
            f"{url}/meetings/setup", host, {"slot_count": 6, "tables": 6}, "meetings-setup"
        )
        wishes = ((1, pitches[0], "must_meet"), (2, pitches[1], "meet"), (3, pitches[0], "meet"))
        for n, pitch, level in wishes:
            company = (Role.COMPANY, demo_company_id(n))
            await api.post(
                f"{url}/meetings/preferences",
                company,
                {
                    "side": "company",
                    "party_id": demo_company_id(n),
                    "counterpart": pitch,
                    "level": level,
                },
                f"wish-{n}-{pitch}",
            )
            await api.post(
                f"{url}/meetings/availability",
                company,
                {"side": "company", "party_id": demo_company_id(n), "free_slots": [0, 1, 2, 3]},
                f"free-{n}",
            )
        for pitch in pitches[:2]:
            await api.post(
                f"{url}/meetings/availability",
                holder,
                {"side": "project", "party_id": pitch, "free_slots": [0, 1, 2, 3, 4, 5]},
                f"free-{pitch}",
            )
        await api.post(f"{url}/meetings/propose", host, {}, "propose")
        await api.post(f"{url}/meetings/finalise", host, {}, "finalise")
        await api.post(f"{url}/start", host, {}, "start")
        staged["status"] = "live"

    if staged["status"] == "live":
        for e, (expert_id, _name, _institution) in enumerate(EXPERTS):
            for p, pitch in enumerate(pitches):
                mark = str(min(9.5, 6 + ((p * 7 + e * 3) % 8) / 2))
                await api.post(
                    f"{url}/review/scores",
                    (Role.EXPERT, expert_id),
                    {
                        "achievement_id": pitch,
                        "scores": dict.fromkeys(CRITERIA, mark),
                        "comment": "技术路线清晰，建议补充中试数据与成本测算",
                    },
                    f"score-{expert_id}-{pitch}",
                )
        await api.post(
            f"{url}/questions",
            (Role.COMPANY, demo_company_id(2)),
            {"achievement_id": pitches[0], "question": "量产后的单位成本预计是多少？"},
            "question",
        )
        for n, pitch, modes in ((1, pitches[0], ["license"]), (2, pitches[2], ["equity"])):
            await api.post(
                f"{url}/intents",
                (Role.COMPANY, demo_company_id(n)),
                {"achievement_id": pitch, "modes": modes, "note": "希望会后深入洽谈"},
                f"intent-{n}",
            )
            report.intents += 1
        await api.post(
            f"{url}/meetings/held",
            host,
            {"company_id": demo_company_id(1), "achievement_id": pitches[0]},
            "held-1",
        )
        report.meetings_held = 1
        if offered:
            await api.post(
                f"{url}/online-channel/requests",
                (Role.COMPANY, demo_company_id(3)),
                {
                    "achievement_id": offered[0],
                    "modes": ["joint_development"],
                    "message": "可提供中试场地",
                },
                "online-request",
            )
            await api.post(
                f"{url}/online-channel/accept",
                holder,
                {
                    "achievement_id": offered[0],
                    "company_id": demo_company_id(3),
                    "note": "欢迎洽谈",
                },
                "online-accept",
            )
        await api.post(f"{url}/review/close", host, {}, "review-close")
        await api.post(
            f"{url}/conclude",
            host,
            {"summary": "到场企业、园区与投资机构代表逾百人，现场达成对接意向多项（演示）"},
            "conclude",
        )
    return rid
