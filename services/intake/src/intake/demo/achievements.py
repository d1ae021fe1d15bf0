"""The hand-written demo achievements ``make run`` drafts first, and mostly submits.

Each is drafted by the demo's holder or agency through intake's API with an ``Idempotency-Key`` of
its slug and a digest of its text (so running it again creates nothing), submitted unless it is
meant to stay a draft, and waited for until screening's library shows the submitted ones.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

import httpx

from ztc_shared.auth import Role
from ztc_shared.contracts.intake import Channel
from ztc_shared.contracts.taxonomy import FIELD_NAMES, IndustryField, is_sub_field_of

LIBRARY_TIMEOUT_S = 60.0


class DemoRun(Protocol):
    """What ``make run`` hands a demo step; only what this module uses."""

    @property
    def holder(self) -> tuple[str, str]: ...
    @property
    def agency(self) -> tuple[str, str]: ...
    def url(self, service: str) -> str: ...
    def token(self, role: Role, subject: str, name: str | None = None) -> str: ...
    def say(self, line: str) -> None: ...


class DemoStepFailed(Exception):
    """A demo request was refused; the message says which and why."""


@dataclass(frozen=True)
class DemoAchievement:
    slug: str
    by: Literal["holder", "agency"]  # whose account drafts it
    submit: bool
    title: str
    abstract: str
    field: IndustryField
    sub_field: str
    keywords: tuple[str, ...]
    trl: int
    holder_name: str
    institution: str
    channel: Channel
    asking_price_wan: Decimal | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": self.title,
            "abstract": self.abstract,
            "field": self.field.value,
            "sub_field": self.sub_field,
            "keywords": list(self.keywords),
            "trl": self.trl,
            "holder_name": self.holder_name,
            "institution": self.institution,
            "channel": self.channel.value,
        }
        if self.asking_price_wan is not None:
            body["asking_price_wan"] = str(self.asking_price_wan)
        return body

    def content(self) -> bytes:
        """The request body, serialised the same way on every run (the idempotency fingerprint
        covers the body, so its bytes must not depend on the HTTP client's JSON settings)."""
        return json.dumps(self.body(), ensure_ascii=False, sort_keys=True).encode()

    @property
    def idempotency_key(self) -> str:
        """``demo-<slug>-<digest>``: the same item gets the same key on every run (so it is
        created once); an item whose text was edited gets a new key instead of a 422."""
        return f"demo-{self.slug}-{hashlib.sha256(self.content()).hexdigest()[:8]}"


DEMO_ACHIEVEMENTS: tuple[DemoAchievement, ...] = (
    DemoAchievement(
        slug="visual-inspection",
        by="holder",
        submit=True,
        title="面向3C电子产品的小样本视觉缺陷检测系统",
        abstract=(
            "基于自监督预训练与小样本迁移学习的工业视觉检测系统，"
            "每类缺陷仅需 20 张标注样本即可上线，"
            "在手机中框、摄像头模组等产线上缺陷检出率达 99.3%，误报率低于 0.5%；"
            "支持边缘端推理，单工位改造周期不超过两周。"
        ),
        field=IndustryField.NEXT_GEN_IT,
        sub_field="artificial_intelligence",
        keywords=("机器视觉", "缺陷检测", "小样本学习", "边缘计算"),
        trl=7,
        holder_name="陈晓峰",
        institution="华南理工大学",
        channel=Channel.OPEN_CALL,
        asking_price_wan=Decimal("180"),
    ),
    DemoAchievement(
        slug="adc-ip-28nm",
        by="holder",
        submit=True,
        title="28纳米工艺 16位高精度模数转换器（ADC）IP核",
        abstract=(
            "采用逐次逼近与噪声整形混合架构，在 28 纳米 CMOS 工艺下实现 16 位精度、5 MS/s 采样率，"
            "功耗 1.2 mW，已完成两轮流片验证，可授权用于工业传感、医疗电子和电池管理芯片。"
        ),
        field=IndustryField.NEXT_GEN_IT,
        sub_field="integrated_circuits",
        keywords=("模数转换器", "IP核", "混合信号", "芯片设计"),
        trl=6,
        holder_name="刘思远",
        institution="中山大学",
        channel=Channel.NATIONAL_PROGRAMME,
        asking_price_wan=Decimal("450"),
    ),
    DemoAchievement(
        slug="graphene-thermal-film",
        by="holder",
        submit=True,
        title="高导热石墨烯复合散热膜规模化制备技术",
        abstract=(
            "以氧化石墨烯浆料连续涂布、梯度热还原和压延为核心工艺，"
            "制得面内导热系数超过 1500 W/(m·K) "
            "的柔性散热膜，厚度 25–100 微米可调，已建成年产 5 万平方米中试线，适用于手机、平板和 "
            "基站散热。"
        ),
        field=IndustryField.NEW_MATERIALS,
        sub_field="frontier_materials",
        keywords=("石墨烯", "导热膜", "热管理", "中试"),
        trl=6,
        holder_name="王静怡",
        institution="中国科学院深圳先进技术研究院",
        channel=Channel.SELF_NOMINATION,
        asking_price_wan=Decimal("300"),
    ),
    DemoAchievement(
        slug="kras-g12d-inhibitor",
        by="holder",
        submit=True,
        title="靶向 KRAS G12D 突变的口服小分子抑制剂候选化合物",
        abstract=(
            "针对胰腺癌和结直肠癌中高发的 KRAS G12D 突变，"
            "通过结构导向设计获得一系列高选择性非共价抑制剂，"
            "先导化合物在移植瘤模型中抑瘤率达 85%，口服生物利用度 42%，已申请 PCT 专利，正在开展 "
            "临床前安全性评价。"
        ),
        field=IndustryField.BIOTECH,
        sub_field="biomedicine",
        keywords=("KRAS", "小分子药物", "肿瘤靶向治疗", "创新药"),
        trl=4,
        holder_name="黄立新",
        institution="南方医科大学",
        channel=Channel.NATIONAL_PROGRAMME,
        asking_price_wan=Decimal("1200"),
    ),
    DemoAchievement(
        slug="lmfp-cathode",
        by="agency",
        submit=True,
        title="磷酸锰铁锂正极材料低成本连续化合成工艺",
        abstract=(
            "采用共沉淀前驱体与连续式回转窑烧结工艺，制备的磷酸锰铁锂正极材料压实密度 2.5 g/cm³、"
            "0.1C 放电比容量 155 mAh/g，与磷酸铁锂混用可使电芯能量密度提升 15%，"
            "吨成本较间歇工艺下降约 20%。"
        ),
        field=IndustryField.NEW_ENERGY_VEHICLES,
        sub_field="power_batteries",
        keywords=("磷酸锰铁锂", "正极材料", "动力电池", "连续化生产"),
        trl=7,
        holder_name="赵宏伟",
        institution="深圳大学",
        channel=Channel.AGENCY_SCOUTING,
        asking_price_wan=Decimal("800"),
    ),
    DemoAchievement(
        slug="pem-electrolysis-catalyst",
        by="holder",
        submit=True,
        title="质子交换膜电解水制氢用低铱载量阳极催化剂",
        abstract=(
            "通过原子层沉积在钛基载体上构筑铱氧化物纳米薄层，使阳极铱载量降至 0.3 mg/cm² 以下，"
            "在 2 A/cm² 电流密度下连续运行 2000 小时衰减小于 5%，"
            "可显著降低兆瓦级电解槽的贵金属成本。"
        ),
        field=IndustryField.NEW_ENERGY,
        sub_field="hydrogen",
        keywords=("绿氢", "PEM电解", "催化剂", "贵金属减量"),
        trl=5,
        holder_name="李明哲",
        institution="华南理工大学",
        channel=Channel.OPEN_CALL,
        asking_price_wan=Decimal("600"),
    ),
    DemoAchievement(
        slug="biofilm-denitrification",
        by="agency",
        submit=True,
        title="城镇污水处理厂尾水深度脱氮移动床生物膜工艺",
        abstract=(
            "以改性悬浮填料和分段进水控制为核心，在不新增用地的条件下将污水厂出水总氮稳定降至 "
            "10 mg/L 以下，碳源投加量减少 30%，已在珠三角两座日处理 5 万吨的污水厂完成示范运行。"
        ),
        field=IndustryField.ENERGY_SAVING,
        sub_field="pollution_control",
        keywords=("污水处理", "深度脱氮", "生物膜", "提标改造"),
        trl=8,
        holder_name="周文涛",
        institution="广东工业大学",
        channel=Channel.AGENCY_SCOUTING,
        asking_price_wan=Decimal("150"),
    ),
    DemoAchievement(
        slug="cobot-force-joint",
        by="holder",
        submit=False,
        title="协作机器人高精度力控一体化关节模组",
        abstract=(
            "集成无框力矩电机、谐波减速器、双编码器和关节力矩传感器的一体化关节，重复定位精度 "
            "±0.02 毫米，力控分辨率 0.1 牛·米，可用于精密装配、打磨抛光等人机协作场景。"
        ),
        field=IndustryField.HIGH_END_EQUIPMENT,
        sub_field="intelligent_manufacturing",
        keywords=("协作机器人", "力控关节", "智能制造"),
        trl=6,
        holder_name="孙浩然",
        institution="哈尔滨工业大学（深圳）",
        channel=Channel.SELF_NOMINATION,
    ),
    DemoAchievement(
        slug="lingnan-architecture-3d",
        by="holder",
        submit=False,
        title="岭南传统建筑三维数字化重建与沉浸式展示平台",
        abstract=(
            "融合倾斜摄影、激光点云与构件知识库，对镬耳屋、骑楼等岭南传统建筑进行构件级三维重建，"
            "支持网页端和 VR 设备沉浸式漫游，可服务于文物保护、文旅展陈和建筑教学。"
        ),
        field=IndustryField.DIGITAL_CREATIVE,
        sub_field="digital_content",
        keywords=("数字孪生", "文化遗产", "三维重建", "虚拟现实"),
        trl=5,
        holder_name="梁嘉欣",
        institution="广州美术学院",
        channel=Channel.OPEN_CALL,
    ),
)

assert all(is_sub_field_of(item.field, item.sub_field) for item in DEMO_ACHIEVEMENTS)


async def load_achievements(run: DemoRun) -> list[str]:
    """Draft (and mostly submit) :data:`DEMO_ACHIEVEMENTS` through intake's API, then wait until
    screening's library shows the submitted ones; the banner's lines about them."""
    intake, screening = run.url("intake"), run.url("screening")
    tokens = {
        "holder": run.token(Role.HOLDER, *run.holder),
        "agency": run.token(Role.SUPPORT_ORG, *run.agency),
    }
    started = time.monotonic()
    created = already = 0
    waiting: list[tuple[DemoAchievement, str, int]] = []
    async with httpx.AsyncClient(timeout=15.0) as client:
        for item in DEMO_ACHIEVEMENTS:
            headers = {
                "Authorization": f"Bearer {tokens[item.by]}",
                "Content-Type": "application/json",
                "Idempotency-Key": item.idempotency_key,
            }
            drafted = await _post(
                client, f"{intake}/achievements", item.content(), headers, item, {201}
            )
            achievement_id = str(drafted.json()["id"])
            if drafted.headers.get("Idempotent-Replayed") == "true":
                already += 1
            else:
                created += 1
            if not item.submit:
                continue
            headers["Idempotency-Key"] = item.idempotency_key + "-submit"
            submitted = await _post(
                client,
                f"{intake}/achievements/{achievement_id}/submit",
                b"{}",
                headers,
                item,
                {200},
            )
            waiting.append((item, achievement_id, int(submitted.json()["stream_version"])))
        drafts = len(DEMO_ACHIEVEMENTS) - len(waiting)
        run.say(
            f"  {len(DEMO_ACHIEVEMENTS)} achievements via POST {intake}/achievements: "
            f"{created} new, {already} already there; {len(waiting)} submitted, "
            f"{drafts} left as drafts"
        )
        fields = dict.fromkeys(FIELD_NAMES[item.field]["zh"] for item in DEMO_ACHIEVEMENTS)
        run.say("  领域 fields: " + "、".join(fields))
        library_started = time.monotonic()
        await _wait_for_library(client, screening, tokens["agency"], waiting)
    run.say(
        f"  screening's library shows the {len(waiting)} submitted ones after "
        f"{time.monotonic() - library_started:.1f}s "
        f"(demo data {time.monotonic() - started:.1f}s)"
    )
    return [
        f"{len(waiting)} 项已提交入库 submitted, {drafts} 项草稿 drafts "
        f"(holder {run.holder[0]}, agency {run.agency[0]})"
    ]


async def _post(
    client: httpx.AsyncClient,
    url: str,
    content: bytes,
    headers: dict[str, str],
    item: DemoAchievement,
    expected: set[int],
) -> httpx.Response:
    try:
        response = await client.post(url, content=content, headers=headers)
    except httpx.HTTPError as error:
        raise DemoStepFailed(f"demo item {item.slug}: POST {url} failed: {error!r}") from None
    if response.status_code not in expected:
        raise DemoStepFailed(
            f"demo item {item.slug}: POST {url} answered {response.status_code}: "
            f"{response.text[:500]}"
        )
    return response


async def _wait_for_library(
    client: httpx.AsyncClient,
    screening: str,
    token: str,
    waiting: Sequence[tuple[DemoAchievement, str, int]],
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + LIBRARY_TIMEOUT_S
    for item, achievement_id, version in waiting:
        url = f"{screening}/library/{achievement_id}"
        last = ""
        while True:
            try:
                response = await client.get(
                    url, params={"min_version": version, "wait_ms": 2000}, headers=headers
                )
                if response.status_code == 200:
                    break
                last = f"{response.status_code}: {response.text[:300]}"
            except httpx.HTTPError as error:
                last = repr(error)
            if time.monotonic() >= deadline:
                raise DemoStepFailed(
                    f"screening's library did not show demo item {item.slug} ({achievement_id})"
                    f" at version {version} within {LIBRARY_TIMEOUT_S:g}s (last answer {last})"
                )
            await asyncio.sleep(0.2)
