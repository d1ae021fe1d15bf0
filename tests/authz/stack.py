"""The six services' APIs on the real stack, the callers of the matrix, and the records its rows need.

One set of processes serves a whole test module; the records are seeded once, through the APIs, the
way their owners would create them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ztc_shared.auth import Role, mint_token
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.relay import RELAY_READY
from ztc_shared.settings import ServiceSettings
from ztc_shared.workers import WORKER_READY
from ztc_tools.testing.processes import (
    APIS,
    RELAYS,
    WORKERS,
    ServiceProcess,
    all_running,
    free_port,
)

REGION = "440000"  # the deployment's region
ELSEWHERE = "110000"  # another province
YEAR = 2032  # the programme year the seeded roadshow belongs to
SETTINGS = ServiceSettings()

COMPANY_A = sample_credit_code(1, series="MA5A")
COMPANY_B = sample_credit_code(2, series="MA5A")
INSTITUTION = (
    "华南理工大学"  # holder A's institution; the other agency's token carries the same name
)


@dataclass(frozen=True)
class Caller:
    """Who calls: ``name`` is how a matrix row and a failing test name them."""

    name: str
    role: Role | None
    subject: str = ""
    region: str = REGION
    organisation: str | None = None
    display_name: str | None = None

    def headers(self) -> dict[str, str]:
        if self.role is None:
            return {}
        token = mint_token(
            SETTINGS,
            subject=self.subject,
            role=self.role,
            region=self.region,
            name=self.display_name,
            organisation=self.organisation,
        )
        return {"Authorization": f"Bearer {token}"}


ANONYMOUS = Caller("anonymous", None)
_HOME = {
    Role.TORCH_CENTER: Caller("torch_center", Role.TORCH_CENTER, "torch-1", "100000"),
    Role.SZSE: Caller("szse", Role.SZSE, "szse-1", "440300"),
    Role.PROVINCE: Caller("province", Role.PROVINCE, "gd-1"),
    Role.HOST: Caller("host", Role.HOST, "host-a", organisation="host-a"),
    Role.SUPPORT_ORG: Caller(
        "support_org", Role.SUPPORT_ORG, "agency-a", organisation="org-a", display_name=INSTITUTION
    ),
    Role.HOLDER: Caller("holder", Role.HOLDER, "holder-a", organisation="org-a"),
    Role.COMPANY: Caller("company", Role.COMPANY, COMPANY_A),
    Role.EXPERT: Caller("expert", Role.EXPERT, "expert-a"),
}
# the same role, subject and organisation, from another province's token
_ELSEWHERE = {
    role: Caller(f"{role.value}@elsewhere", role, c.subject, ELSEWHERE, c.organisation)
    for role, c in _HOME.items()
}
OTHER_HOLDER = Caller("other_holder", Role.HOLDER, "holder-b", organisation="org-b")
OTHER_COMPANY = Caller("other_company", Role.COMPANY, COMPANY_B)
OTHER_HOST = Caller("other_host", Role.HOST, "host-b", organisation="host-b")
# another organisation whose token carries holder A's institution as its display name
OTHER_SUPPORT_ORG = Caller(
    "other_support_org",
    Role.SUPPORT_ORG,
    "agency-b",
    organisation="org-b",
    display_name=INSTITUTION,
)
CALLERS: dict[str, Caller] = {
    c.name: c
    for c in (
        ANONYMOUS,
        *_HOME.values(),
        *_ELSEWHERE.values(),
        OTHER_HOLDER,
        OTHER_COMPANY,
        OTHER_HOST,
        OTHER_SUPPORT_ORG,
    )
}


def home(role: Role) -> Caller:
    return _HOME[role]


@dataclass
class Services:
    urls: dict[str, str]
    records: dict[str, str] = field(default_factory=dict)
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def client(self, service: str) -> httpx.Client:
        if service not in self.clients:
            self.clients[service] = httpx.Client(base_url=self.urls[service], timeout=30)
        return self.clients[service]

    def post(self, service: str, path: str, who: Caller, body: Any = None) -> dict[str, Any]:
        reply = self.client(service).post(path, json=body or {}, headers=who.headers())
        assert reply.status_code in (200, 201), f"{path}: {reply.status_code} {reply.text}"
        answer: dict[str, Any] = reply.json()
        return answer

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def running_apis(env: dict[str, str], log_dir: Path) -> Iterator[Services]:
    """Every service's API process, on ports of their own, and what the public and the library
    are projected by (intake's relay, intake's catalogue and public workers, screening's library
    worker), until the generator is closed."""
    env = dict(env)
    ports = {service: free_port() for service in APIS}
    env.update({f"{service.upper()}_PORT": str(port) for service, port in ports.items()})
    env["DASHBOARD_ROADSHOW_URL"] = f"http://127.0.0.1:{ports['roadshow']}"
    processes = [
        ServiceProcess(f"{service}-api", module, env=env, log_dir=log_dir, port=ports[service])
        for service, module in APIS.items()
    ]
    processes.append(
        ServiceProcess(
            "intake-relay", RELAYS["intake"], env=env, log_dir=log_dir, ready_marker=RELAY_READY
        )
    )
    for service, projection in (
        ("intake", "catalogue"),
        ("intake", "public"),
        ("screening", "library"),
    ):
        processes.append(
            ServiceProcess(
                f"{service}-{projection}",
                WORKERS[service],
                env={**env, f"{service.upper()}_WORKER_METRICS_PORT": str(free_port())},
                log_dir=log_dir,
                args=("run", projection),
                ready_marker=WORKER_READY,
            )
        )
    with all_running(processes):
        services = Services(
            {p.name.removesuffix("-api"): p.url for p in processes if p.name.endswith("-api")}
        )
        try:
            yield services
        finally:
            services.close()


SCORES = {
    "advancement": 4,
    "maturity": 4,
    "industrial_prospects": 5,
    "intellectual_property": 3,
    "team_willingness": 5,
}
# What only some callers may learn of the seeded achievement: the withheld price and the contact
# (not the public), the evaluator, the comment (not a company granted access).
SECRET_PHONE = "13987650001"
SECRET_PRICE = "7654321.5"
SECRET_COMMENT = "评审意见-仅限内部-7f3a"
EVALUATOR_NAME = "评审专家甲乙丙"
COACHING_NOTE = "辅导意见-仅限组织方-91c2"
QUESTION = "贵项目的量产良率如何-3e7d"
ONLINE_NOTE = "希望了解许可条件-仅限双方-5b1a"


def draft_body(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "abstract": "基于自监督预训练的工业视觉检测模型，可在边缘设备部署。",
        "field": "next_gen_it",
        "sub_field": "artificial_intelligence",
        "keywords": ["机器视觉"],
        "trl": 7,
        "holder_name": "王五",
        "institution": INSTITUTION,
        "channel": "open_call",
        **extra,
    }


def wait_until_listed(services: Services, who: Caller, achievement: str) -> None:
    """The catalogue has no read-your-write; its worker has applied the draft's stream by the time
    the public view has, almost always — ask again briefly when not."""
    for _ in range(150):
        listed = services.client("intake").get("/achievements", headers=who.headers())
        if achievement in listed.text:
            return
        time.sleep(0.2)
    raise AssertionError(f"{achievement} never reached the catalogue")


def assigned_draft(services: Services) -> str:
    """A draft of holder A, submitted, with the expert assigned to evaluate it."""
    holder, province, expert = home(Role.HOLDER), home(Role.PROVINCE), home(Role.EXPERT)
    achievement = services.post("intake", "/achievements", holder, draft_body("待评估的成果"))["id"]
    services.post("intake", f"/achievements/{achievement}/submit", holder)
    services.post(
        "intake",
        f"/achievements/{achievement}/evaluators",
        province,
        {"evaluators": [{"evaluator_id": expert.subject, "name": "专家", "institution": "评估所"}]},
    )
    return str(achievement)


def seed(services: Services) -> dict[str, str]:
    """The records the rows name: an achievement of holder A taken to publication, evaluated by
    the expert and granted to company A; a collection call; a roadshow of the host and the host's
    year summary."""
    holder, province = home(Role.HOLDER), home(Role.PROVINCE)
    expert, torch, host = home(Role.EXPERT), home(Role.TORCH_CENTER), home(Role.HOST)
    records: dict[str, str] = {}
    drafted = services.post(
        "intake",
        "/achievements",
        holder,
        draft_body(
            "面向工业质检的视觉大模型",
            asking_price_wan=SECRET_PRICE,
            contact={"name": "王老师", "phone": SECRET_PHONE},
            confidential=["asking_price_wan", "contact"],
        ),
    )
    achievement = records["achievement"] = drafted["id"]
    path = f"/achievements/{achievement}"
    services.post("intake", f"{path}/submit", holder)
    services.post(
        "intake",
        f"{path}/evaluators",
        province,
        {
            "evaluators": [
                {"evaluator_id": expert.subject, "name": EVALUATOR_NAME, "institution": "评估中心"}
            ]
        },
    )
    services.post(
        "intake",
        f"{path}/evaluations",
        expert,
        {"scores": SCORES, "comment": SECRET_COMMENT, "recommendation": "admit"},
    )
    services.post("intake", f"{path}/admit", province)
    services.post("intake", f"{path}/publish", province)
    version = services.post("intake", f"{path}/grant-access", holder, {"company_id": COMPANY_A})[
        "stream_version"
    ]
    # read-your-write: the public view and the library have it (each waits up to 10 s a call)
    wait = {"min_version": version, "wait_ms": 10_000}
    for service, where, who in (
        ("intake", f"/public/achievements/{achievement}", ANONYMOUS),
        ("screening", f"/library/{achievement}", home(Role.PROVINCE)),
    ):
        for _ in range(6):
            reply = services.client(service).get(where, params=wait, headers=who.headers())
            if reply.status_code == 200:
                break
        assert reply.status_code == 200, reply.text
    wait_until_listed(services, holder, achievement)
    records["call"] = services.post(
        "intake", "/calls", province, {"title": "常态化征集", "kind": "open"}
    )["id"]

    application = services.post(
        "roadshow",
        "/host-applications",
        province,
        {
            "year": YEAR,
            "fields": ["next_gen_it"],
            "industrial_base": "电子信息产业集群",
            "company_scale": {
                "tech_companies": 1000,
                "high_tech_enterprises": 300,
                "listed_companies": 20,
            },
            "funding_wan": "100",
            "proposed_hosts": [
                {
                    "host_id": host.subject,
                    "name": "广州市科技局",
                    "kind": "municipal_department",
                    "region": "440100",
                }
            ],
        },
    )
    records["application"] = application["id"]
    services.post("roadshow", f"/host-applications/{application['id']}/approve", torch)
    services.post(
        "roadshow",
        f"/programmes/{YEAR}/launch",
        torch,
        {"notice_title": f"{YEAR}年度启动通知", "notice_body": "现启动年度科技成果直通车"},
    )
    planned = services.post(
        "roadshow",
        "/roadshows",
        host,
        {
            "year": YEAR,
            "title": "广州智能制造专场",
            "fields": ["next_gen_it"],
            "industry_needs": "制造企业智能质检",
            "region": "440100",
            "event_date": f"{YEAR}-06-18",
            "venue": "广州会展中心",
            "format": "on_site",
            "capacity": 50,
            "agenda": [
                {
                    "kind": "pitches",
                    "title": "项目路演",
                    "starts_at": f"{YEAR}-06-18T09:30:00+08:00",
                    "minutes": 120,
                }
            ],
            "plan_text": "本场路演聚焦智能制造",
        },
    )
    roadshow = records["roadshow"] = planned["id"]
    # holder A's achievement on the stage, another offered online; coached; company A registered,
    # asking on stage and online
    szse, company = home(Role.SZSE), home(Role.COMPANY)
    at = f"/roadshows/{roadshow}"
    services.post("roadshow", f"{at}/open-registration", host)
    services.post(
        "roadshow",
        f"{at}/registrations",
        company,
        {
            "company_id": COMPANY_A,
            "name": "广州示例科技有限公司",
            "kind": "tech_company",
            "contact_name": "王五",
        },
    )
    services.post("roadshow", f"{at}/registrations/approve", host, {"company_id": COMPANY_A})
    offered = services.post("intake", "/achievements", holder, draft_body("线上对接的成果"))["id"]
    services.post(
        "roadshow",
        f"{at}/shortlist",
        host,
        {
            "round_id": f"round-{roadshow}",
            "pitches": [{"achievement_id": achievement, "title": "面向工业质检的视觉大模型"}],
            "not_selected": [offered],
        },
    )
    services.post(
        "roadshow",
        f"{at}/coaching",
        szse,
        {
            "achievement_id": achievement,
            "coach": "辅导专家",
            "held_at": f"{YEAR}-06-01T09:00:00+08:00",
            "focus": ["technology_leadership"],
            "feedback": COACHING_NOTE,
        },
    )
    services.post(
        "roadshow",
        f"{at}/online-channel/requests",
        company,
        {"achievement_id": offered, "modes": ["license"], "message": ONLINE_NOTE},
    )
    services.post("roadshow", f"{at}/start", host)
    records["round"] = services.post(
        "screening",
        "/rounds",
        host,
        {
            "roadshow_ref": roadshow,
            "title": "广州智能制造专场初筛",
            "fields": ["next_gen_it"],
            "region": "440100",
        },
    )["id"]
    services.post(
        "roadshow",
        f"{at}/questions",
        company,
        {"achievement_id": achievement, "question": QUESTION},
    )
    services.post(
        "tracking",
        f"/summaries/{YEAR}/{host.subject}/draft",
        host,
        {"host_name": "广州市科技局", "narrative": {"experience": "围绕智能制造举办专场路演"}},
    )
    return records
