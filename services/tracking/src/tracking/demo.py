"""Demo data for ``make run`` (registered in ``services/tracking/service.toml``): a few tracking
cases at every rung of the ladder, and a draft year-end summary, loaded through tracking's HTTP API.

``load_demo(tracking_url, tokens)`` opens the demo cases by hand (as the provincial department) and
records, as the demo host, what happened on them: negotiations, deals, a landing with policy
support, industrialisation, a termination. Every request carries an ``Idempotency-Key`` derived
from the item and the step, so running it again writes nothing. When roadshow's demo has concluded
a roadshow, the worker has opened its cases already; ``load_demo`` adds these beside them.

``tokens`` holds bearer tokens for ``host`` (subject ``host_id``) and ``province``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

import httpx

from ztc_shared.auth import Role
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.contracts.tracking import intent_case_id, pitch_case_id

DEMO_HOST = "demo-host-sz"  # the host of roadshow's demo (roadshow.demo.HOSTS)
DEMO_ROADSHOW = "roadshow-demo-tracking"


def _company(n: int) -> str:
    return sample_credit_code(n, series="MA5D")


@dataclass(frozen=True)
class DemoCase:
    slug: str
    achievement_id: str
    title: str
    field: str
    company: int | None  # an intent case with this demo company, else a pitch case
    steps: tuple[tuple[str, dict[str, Any]], ...]


def _cases(today: date) -> tuple[DemoCase, ...]:
    signed_on = (today - timedelta(days=40)).isoformat()
    landed_on = (today - timedelta(days=10)).isoformat()
    return (
        DemoCase(
            "pcb-laser",
            "demo-achievement-pcb-laser",
            "超快激光柔性电路板精密加工装备",
            "high_end_equipment",
            None,
            (("progress", {"note": "已与三家企业开展技术交流", "negotiating": True}),),
        ),
        DemoCase(
            "graphene-film",
            "demo-achievement-graphene-film",
            "高导热石墨烯复合散热膜规模化制备技术",
            "new_materials",
            1,
            (
                (
                    "deals",
                    {
                        "deal_type": "license",
                        "amount_wan": "800",
                        "counterpart_id": _company(1),
                        "counterpart_name": "深圳市演示新材料有限公司",
                        "signed_on": signed_on,
                        "contract_no": "DEMO-2026-001",
                    },
                ),
                (
                    "landing",
                    {
                        "landed_on": landed_on,
                        "company_founded_locally": True,
                        "company_id": _company(11),
                        "company_name": "深圳演示石墨烯科技有限公司",
                        "investment_wan": "5000",
                        "jobs": 60,
                        "production_started": True,
                    },
                ),
                (
                    "policy-support",
                    {
                        "kind": "land",
                        "amount_wan": "300",
                        "granted_by": "深圳市规划和自然资源局（演示）",
                        "granted_on": landed_on,
                        "description": "优先保障中试线用地20亩",
                    },
                ),
            ),
        ),
        DemoCase(
            "lmfp-cathode",
            "demo-achievement-lmfp",
            "磷酸锰铁锂正极材料低成本连续化合成工艺",
            "new_energy_vehicles",
            2,
            (
                (
                    "deals",
                    {
                        "deal_type": "equity",
                        "amount_wan": "1500",
                        "counterpart_id": _company(2),
                        "counterpart_name": "广东演示动力电池有限公司",
                        "signed_on": signed_on,
                    },
                ),
                (
                    "landing",
                    {
                        "landed_on": signed_on,
                        "company_founded_locally": False,
                        "investment_wan": "12000",
                        "jobs": 150,
                        "production_started": True,
                    },
                ),
                ("industrialisation", {"reached_on": landed_on, "annual_revenue_wan": "26000"}),
            ),
        ),
        DemoCase(
            "kras-inhibitor",
            "demo-achievement-kras",
            "靶向 KRAS G12D 突变的口服小分子抑制剂候选化合物",
            "biotech",
            3,
            (
                (
                    "terminate",
                    {
                        "reason": "technology_immature",
                        "explanation": "企业认为需完成临床前安全性评价后再议",
                    },
                ),
            ),
        ),
    )


@dataclass
class DemoReport:
    cases: list[str] = field(default_factory=list)
    steps: int = 0
    failures: list[str] = field(default_factory=list)


class DemoRun(Protocol):
    """What ``make run`` hands a demo step; only what this module uses."""

    @property
    def province(self) -> tuple[str, str]: ...
    def url(self, service: str) -> str: ...
    def token(self, role: Role, subject: str, name: str | None = None) -> str: ...
    def say(self, line: str) -> None: ...


class DemoStepFailed(Exception):
    """A demo request was refused; the message says which and why."""


async def load_demo_step(run: DemoRun) -> list[str]:
    """The demo step: :func:`load_demo` with the demo host's and the province's tokens."""
    tokens = {
        "host": run.token(Role.HOST, DEMO_HOST),
        "province": run.token(Role.PROVINCE, *run.province),
    }
    report = await load_demo(run.url("tracking"), tokens)
    if report.failures:
        raise DemoStepFailed(f"tracking demo: {report.failures[0]}")
    run.say(
        f"  跟踪演示数据 tracking: {len(report.cases)} 个跟踪案例 cases, {report.steps} 条记录 steps"
    )
    return []


def _key(*parts: str) -> str:
    return "demo-tracking-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


async def load_demo(
    tracking_url: str, tokens: dict[str, str], *, today: date | None = None, year: int | None = None
) -> DemoReport:
    """Load the demo cases and the demo host's draft summary (idempotently)."""
    today = today or date.today()
    year = year or today.year
    report = DemoReport()
    province = {"Authorization": f"Bearer {tokens['province']}"}
    host = {"Authorization": f"Bearer {tokens['host']}"}
    async with httpx.AsyncClient(base_url=tracking_url, timeout=30) as client:
        for case in _cases(today):
            body: dict[str, Any] = {
                "kind": "intent" if case.company else "pitch",
                "region": "440000",
                "achievement_id": case.achievement_id,
                "title": case.title,
                "field": case.field,
                "roadshow_id": DEMO_ROADSHOW,
                "host_id": DEMO_HOST,
                "year": year,
            }
            if case.company:
                body["company_id"] = _company(case.company)
                case_id = intent_case_id(case.achievement_id, _company(case.company))
            else:
                case_id = pitch_case_id(DEMO_ROADSHOW, case.achievement_id)
            opened = await client.post(
                "/cases", json=body, headers={**province, "Idempotency-Key": _key(case.slug)}
            )
            if opened.status_code not in (200, 201):
                report.failures.append(f"{case.slug}: open {opened.status_code} {opened.text}")
                continue
            report.cases.append(case_id)
            for step, payload in case.steps:
                content = json.dumps(payload, ensure_ascii=False, sort_keys=True)
                reply = await client.post(
                    f"/cases/{case_id}/{step}",
                    content=content.encode(),
                    headers={
                        **host,
                        "Content-Type": "application/json",
                        "Idempotency-Key": _key(case.slug, step, content),
                    },
                )
                if reply.status_code != 200:
                    report.failures.append(f"{case.slug}: {step} {reply.status_code} {reply.text}")
                    break
                report.steps += 1
        summary = await client.post(
            f"/summaries/{year}/{DEMO_HOST}/draft",
            json={
                "host_name": "深圳市科技创新局（演示）",
                "narrative": {
                    "experience": "围绕新材料和新能源汽车产业链举办专场路演，路演前组织深交所辅导。",
                    "results": "促成签约项目2个，落地项目2个，其中1个实现产业化。",
                    "shortfalls": "生物医药项目成熟度偏低，落地周期较长。",
                    "suggestions": "建议设立概念验证资金，支持早期项目跨越“死亡之谷”。",
                },
            },
            headers={**host, "Idempotency-Key": _key("summary", str(year))},
        )
        if summary.status_code != 200:
            report.failures.append(f"summary: {summary.status_code} {summary.text}")
    return report
