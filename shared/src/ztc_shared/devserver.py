"""``make run``: the local stack, every service built so far, a little demo data, in one terminal.

    python -m ztc_shared.devserver

1. Starts (or reuses) Kafka and the MongoDB-wire database with :func:`ensure_stack`; servers named
   by ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI`` are used instead.
2. Starts each service's API, relay and worker as a process of its own, logging to
   ``<stack dir>/logs/<service>-<role>.log`` (stack dir: ``ZTC_STACK_DIR``, default
   ``<repo>/.stack``), and waits until the APIs answer ``/readyz`` and the workers have started.
3. Starts a relay or worker (or API) again when it exits, after a short backoff: a projection
   rebuild makes the worker exit on purpose so that it comes back on the new generation.
4. Loads demo achievements through intake's API (idempotently: running it again on the same data
   adds nothing) and waits until screening's library shows the submitted ones.
5. Prints the URLs, where the logs are, development tokens and a sample ``curl``.
6. Stays in the foreground. Ctrl-C, SIGTERM or SIGHUP stops the processes it started (SIGTERM,
   then SIGKILL after a grace period) and the stack too when this run started it (unless
   ``ZTC_KEEP_STACK=1``).

Ports come from the services' settings: ``INTAKE_PORT`` (8001), ``SCREENING_PORT`` (8002),
``SCREENING_WORKER_METRICS_PORT`` (9102), ...; a service with several projections runs one worker
process per projection (``WORKER_PROJECTIONS``), the first on ``<SERVICE>_WORKER_METRICS_PORT``, each
other on ``<SERVICE>_<PROJECTION>_WORKER_METRICS_PORT`` (intake's public: 9111).
``ZTC_TOPIC_PREFIX`` / ``ZTC_DATABASE_PREFIX`` keep a run's data apart from others'.
``ZTC_DEVSERVER_DEMO=0`` skips the demo data; ``ZTC_DEVSERVER_DEMO_CATALOGUE=N`` loads N of the
generated catalogue's achievements (default 300, 0 for none) through their whole lifecycle.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import FrameType
from typing import Any, Literal

import httpx
import structlog
from pydantic import Field

from ztc_shared.auth import Role, mint_token
from ztc_shared.contracts.intake import Channel
from ztc_shared.contracts.taxonomy import FIELD_NAMES, IndustryField, is_sub_field_of
from ztc_shared.demo_catalogue import catalogue
from ztc_shared.demo_loader import EVALUATORS, LoadReport, load_catalogue
from ztc_shared.demo_roadshow import COMPANIES as DEMO_COMPANIES
from ztc_shared.demo_roadshow import (
    HOSTS,
    DemoStepFailed,
    RoadshowDemoReport,
    demo_company_id,
    load_roadshow_demo,
)
from ztc_shared.observability.logging import configure_logging
from ztc_shared.settings import ServiceSettings
from ztc_shared.stack import StackEndpoints, StackError, StackSettings, ensure_stack, stop_stack
from ztc_shared.testing.processes import APIS, RELAYS, WORKERS, ServiceProcess

log = structlog.get_logger("ztc_shared.devserver")

WORKER_READY = "projection.worker_started"
RELAY_READY = "relay.started"
GENERATION_SWITCHED = "projection.generation_switched"
READY_TIMEOUT_S = 90.0
LIBRARY_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
RESTART_BACKOFF_S = 1.0
RESTART_BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 30.0  # a process that ran this long restarts after the shortest backoff again
# SIGHUP too: the services run in sessions of their own, so a closed terminal would orphan them
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
BANNER_END = "按 Ctrl-C 停止全部服务 · Press Ctrl-C to stop everything"

DEMO_HOLDER = "demo-holder-001"
DEMO_HOLDER_NAME = "陈晓峰（演示持有人）"
DEMO_AGENCY = "demo-agency-001"
DEMO_PROVINCE = "demo-province-001"
DEMO_PROVINCE_NAME = "省科技厅成果转化处（演示）"
STAGE_NAMES = {
    "draft": "草稿",
    "submitted": "待评估",
    "under_evaluation": "评估中",
    "admitted": "已入库",
    "published": "已公开",
}
DEMO_AGENCY_NAME = "广东省技术转移服务中心（演示）"

# Services whose worker runs more than one projection: one process each, in this order. The others
# run their worker's default projection.
WORKER_PROJECTIONS: dict[str, tuple[str, ...]] = {
    "intake": ("catalogue", "public"),
    "screening": ("library", "roadshows"),
    "roadshow": ("screening", "calendar"),
    "tracking": ("facts", "cases", "followups"),
}

SERVICE_NAMES_ZH = {
    "intake": "成果征集与入库",
    "screening": "项目筛选",
    "roadshow": "路演",
    "tracking": "跟踪服务",
    "notify": "通知",
}


class DevserverSettings(ServiceSettings):
    """The ports of every service: the same variables and defaults as the services' settings."""

    service: str = "devserver"
    intake_port: int = Field(default=8001, validation_alias="INTAKE_PORT")
    intake_worker_metrics_port: int = Field(
        default=9101, validation_alias="INTAKE_WORKER_METRICS_PORT"
    )
    intake_public_worker_metrics_port: int = Field(
        default=9111, validation_alias="INTAKE_PUBLIC_WORKER_METRICS_PORT"
    )
    screening_port: int = Field(default=8002, validation_alias="SCREENING_PORT")
    screening_worker_metrics_port: int = Field(
        default=9102, validation_alias="SCREENING_WORKER_METRICS_PORT"
    )
    screening_roadshows_worker_metrics_port: int = Field(
        default=9112, validation_alias="SCREENING_ROADSHOWS_WORKER_METRICS_PORT"
    )
    roadshow_port: int = Field(default=8003, validation_alias="ROADSHOW_PORT")
    roadshow_worker_metrics_port: int = Field(
        default=9103, validation_alias="ROADSHOW_WORKER_METRICS_PORT"
    )
    roadshow_calendar_worker_metrics_port: int = Field(
        default=9113, validation_alias="ROADSHOW_CALENDAR_WORKER_METRICS_PORT"
    )
    tracking_port: int = Field(default=8004, validation_alias="TRACKING_PORT")
    tracking_worker_metrics_port: int = Field(
        default=9104, validation_alias="TRACKING_WORKER_METRICS_PORT"
    )
    tracking_cases_worker_metrics_port: int = Field(
        default=9114, validation_alias="TRACKING_CASES_WORKER_METRICS_PORT"
    )
    tracking_followups_worker_metrics_port: int = Field(
        default=9124, validation_alias="TRACKING_FOLLOWUPS_WORKER_METRICS_PORT"
    )
    notify_port: int = Field(default=8005, validation_alias="NOTIFY_PORT")
    notify_worker_metrics_port: int = Field(
        default=9105, validation_alias="NOTIFY_WORKER_METRICS_PORT"
    )
    # make run's own SMTP server on loopback, which prints every mail notify sends to its log
    notify_smtp_port: int = Field(default=1025, validation_alias="NOTIFY_SMTP_PORT")
    dashboard_port: int = Field(default=8006, validation_alias="DASHBOARD_PORT")
    dashboard_worker_metrics_port: int = Field(
        default=9106, validation_alias="DASHBOARD_WORKER_METRICS_PORT"
    )
    demo: bool = Field(default=True, validation_alias="ZTC_DEVSERVER_DEMO")
    demo_catalogue: int = Field(
        default=300, ge=0, le=328, validation_alias="ZTC_DEVSERVER_DEMO_CATALOGUE"
    )

    def port_of(
        self, service: str, kind: Literal["api", "worker"], projection: str | None = None
    ) -> tuple[int, str]:
        """The port of a service's API or worker metrics, and the variable that sets it; a worker
        of a projection other than the service's first has a port of its own."""
        suffix = "port" if kind == "api" else "worker_metrics_port"
        first = WORKER_PROJECTIONS.get(service, (None,))[0]
        if kind == "worker" and projection is not None and projection != first:
            suffix = f"{projection}_{suffix}"
        name = f"{service}_{suffix}"
        if name not in type(self).model_fields:
            raise DevserverError(
                f"the devserver does not know the {kind} port of {service}: add {name} to "
                "DevserverSettings in ztc_shared/devserver.py"
            )
        port: int = getattr(self, name)
        return port, name.upper()


class DevserverError(Exception):
    """Something the developer has to fix; the message says what."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived while starting up."""


# ---------------------------------------------------------------------------------------------
# Demo data


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


@dataclass(frozen=True)
class DemoReport:
    created: int
    already_there: int
    submitted: int
    drafts: int
    seconds_to_library: float
    catalogue: LoadReport | None = None
    roadshow: RoadshowDemoReport | None = None


# ---------------------------------------------------------------------------------------------
# Processes


@dataclass
class Supervised:
    """One service process the devserver keeps running."""

    label: str  # "intake api"
    service: str
    kind: Literal["api", "relay", "worker", "mail"]
    process: ServiceProcess
    started_at: float = 0.0
    restart_at: float | None = None
    backoff: float = 0.0  # the last restart's backoff; 0 until it first exits
    awaiting_ready: bool = False
    restarts: int = 0

    def start(self) -> None:
        self.process.start()
        self.started_at = time.monotonic()
        self.restart_at = None

    @property
    def pid(self) -> int | None:
        popen = self.process.process
        return popen.pid if popen is not None else None

    def is_ready(self) -> bool:
        """A quick, non-blocking readiness check (the start-up wait is ``wait_ready``)."""
        if self.process.port is not None:
            try:
                return httpx.get(f"{self.process.url}/readyz", timeout=1.0).status_code == 200
            except httpx.HTTPError:
                return False
        marker = self.process.ready_marker
        return marker is None or marker in self.process.log_since_start()


def worker_projections(service: str) -> tuple[str | None, ...]:
    """The projections whose worker processes a service runs (``None``: its default one)."""
    if service not in WORKERS:
        return ()
    return WORKER_PROJECTIONS.get(service, (None,))


def _worker_label(service: str, projection: str | None) -> str:
    return f"{service} worker {projection}" if projection else f"{service} worker"


def _port_taken(host: str, port: int) -> bool:
    """True when something listens on ``host:port`` (a socket in TIME_WAIT does not count, as
    uvicorn and the metrics server bind with SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def _say(line: str = "") -> None:
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except OSError:  # the terminal went away (SIGHUP): stopping matters more than saying so
        pass


def _elapsed(started: float) -> str:
    return f"{time.monotonic() - started:.1f}s"


class DevServer:
    """Everything ``make run`` does, in the order it does it."""

    def __init__(self, settings: DevserverSettings, stack_settings: StackSettings) -> None:
        self.settings = settings
        self.stack_settings = stack_settings
        self.log_dir = stack_settings.stack_dir / "logs"
        self.endpoints: StackEndpoints | None = None
        self.processes: list[Supervised] = []
        self.tokens = {
            "province": mint_token(
                settings,
                subject=DEMO_PROVINCE,
                role=Role.PROVINCE,
                region=settings.region,
                name=DEMO_PROVINCE_NAME,
            ),
            **{
                e["evaluator_id"]: mint_token(
                    settings,
                    subject=e["evaluator_id"],
                    role=Role.EXPERT,
                    region=settings.region,
                    name=e["name"],
                )
                for e in EVALUATORS
            },
            "holder": mint_token(
                settings,
                subject=DEMO_HOLDER,
                role=Role.HOLDER,
                region=settings.region,
                name=DEMO_HOLDER_NAME,
            ),
            "agency": mint_token(
                settings,
                subject=DEMO_AGENCY,
                role=Role.SUPPORT_ORG,
                region=settings.region,
                name=DEMO_AGENCY_NAME,
            ),
        }
        self._stop = threading.Event()
        self._interruptible = True
        self._stopping = False
        self._signal_name = ""

    # -- signals --------------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self._stopping or self._stop.is_set():
            return
        self._signal_name = signal.Signals(signum).name
        self._stop.set()
        if self._interruptible:
            raise Interrupted(signum)

    def install_signal_handlers(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)

    # -- the run --------------------------------------------------------------------------

    def run(self) -> int:
        self.install_signal_handlers()
        code = 0
        try:
            self.check_ports()
            self.start_stack()
            self.start_services()
            report = self.load_demo() if self.settings.demo else None
            self.print_banner(report)
            self.supervise()
        except Interrupted:
            _say()
            _say(f"收到 {self._signal_name}，正在停止… · {self._signal_name} received, stopping…")
        except (DevserverError, StackError) as error:
            _say()
            _say(f"错误 error: {error}")
            code = 1
        finally:
            self._stopping = True
            self.shutdown()
        return code

    def check_ports(self) -> None:
        """Fail before starting anything when a port the services need is taken."""
        wanted: list[tuple[int, str, str]] = []
        for service in self.services():
            if service in APIS:
                port, variable = self.settings.port_of(service, "api")
                wanted.append((port, variable, f"{service} API"))
            for projection in worker_projections(service):
                port, variable = self.settings.port_of(service, "worker", projection)
                wanted.append((port, variable, f"{_worker_label(service, projection)} metrics"))
        if "notify" in APIS:
            wanted.append((self.settings.notify_smtp_port, "NOTIFY_SMTP_PORT", "mail sink (SMTP)"))
        seen: dict[int, str] = {}
        for port, variable, what in wanted:
            if port in seen:
                raise DevserverError(
                    f"{what} and {seen[port]} are both set to port {port}; give one of them "
                    f"another port with {variable}=<port>"
                )
            seen[port] = what
            if _port_taken(self.settings.host, port):
                raise DevserverError(
                    f"端口 {port}（{what}）已被占用 · port {port} for the {what} is already in "
                    f"use on {self.settings.host} (another `make run`? see `ss -ltnp "
                    f"'sport = :{port}'`). Stop that process or choose another port: "
                    f"{variable}={port + 100} make run"
                )

    @staticmethod
    def services() -> list[str]:
        """Every service with an API, relay or worker so far, in a stable order."""
        names: list[str] = []
        for table in (APIS, RELAYS, WORKERS):
            names += [name for name in table if name not in names]
        return names

    def start_stack(self) -> None:
        started = time.monotonic()
        _say("本地基础设施 · local stack (Kafka + MongoDB wire protocol)")
        self.endpoints = ensure_stack(self.stack_settings, progress=lambda line: _say("  " + line))
        given = self.stack_settings.kafka_bootstrap_servers and self.stack_settings.mongodb_uri
        how = "started" if self.endpoints.started else "given" if given else "reused"
        _say(
            f"  Kafka {self.endpoints.kafka_bootstrap_servers} · MongoDB "
            f"{self.endpoints.mongodb_uri} ({how}, {_elapsed(started)})"
        )

    def service_env(self, service: str, projection: str | None = None) -> dict[str, str]:
        assert self.endpoints is not None
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": self.endpoints.kafka_bootstrap_servers,
            "MONGODB_URI": self.endpoints.mongodb_uri,
            "LOG_JSON": os.environ.get("LOG_JSON", "false"),  # log files people read
            "PYTHONUNBUFFERED": "1",
        }
        if service in APIS:
            port, variable = self.settings.port_of(service, "api")
            env[variable] = str(port)
        if service in WORKERS:
            # The worker reads <SERVICE>_WORKER_METRICS_PORT, whichever projection it runs.
            port, _ = self.settings.port_of(service, "worker", projection)
            env[f"{service.upper()}_WORKER_METRICS_PORT"] = str(port)
        if service == "notify":
            env["NOTIFY_SMTP_HOST"] = self.settings.host
            env["NOTIFY_SMTP_PORT"] = str(self.settings.notify_smtp_port)
        return env

    def build_processes(self) -> list[Supervised]:
        processes: list[Supervised] = []
        for service in self.services():
            env = self.service_env(service)
            if service in APIS:
                port, _ = self.settings.port_of(service, "api")
                processes.append(
                    Supervised(
                        f"{service} api",
                        service,
                        "api",
                        ServiceProcess(
                            f"{service}-api",
                            APIS[service],
                            env=env,
                            log_dir=self.log_dir,
                            port=port,
                        ),
                    )
                )
            if service in RELAYS:
                processes.append(
                    Supervised(
                        f"{service} relay",
                        service,
                        "relay",
                        ServiceProcess(
                            f"{service}-relay",
                            RELAYS[service],
                            env=env,
                            log_dir=self.log_dir,
                            ready_marker=RELAY_READY,
                        ),
                    )
                )
            for projection in worker_projections(service):
                label = _worker_label(service, projection)
                processes.append(
                    Supervised(
                        label,
                        service,
                        "worker",
                        ServiceProcess(
                            label.replace(" ", "-"),
                            WORKERS[service],
                            env=self.service_env(service, projection),
                            log_dir=self.log_dir,
                            args=("run",) if projection is None else ("run", projection),
                            ready_marker=WORKER_READY,
                        ),
                    )
                )
        if "notify" in APIS:
            processes.append(self.mail_sink())
        return processes

    def mail_sink(self) -> Supervised:
        """A real SMTP server on loopback (aiosmtpd) that prints each mail notify sends to
        ``mail-sink.log``: the demo's notifications can be read without a mail account."""
        address = f"{self.settings.host}:{self.settings.notify_smtp_port}"
        return Supervised(
            "mail sink",
            "notify",
            "mail",
            ServiceProcess(
                "mail-sink",
                "ztc_shared.mailsink",
                env={"PYTHONUNBUFFERED": "1"},
                log_dir=self.log_dir,
                args=(address,),
                ready_marker="mail sink listening",
            ),
        )

    def start_services(self) -> None:
        _say(f"服务进程 · services (logs in {self.log_dir})")
        self.processes = self.build_processes()
        for supervised in self.processes:
            supervised.start()
            log.debug(
                "devserver.process_started",
                process=supervised.label,
                pid=supervised.pid,
                log_file=str(supervised.process.log_path),
            )
        width = max(len(p.label) for p in self.processes)
        for supervised in self.processes:
            try:
                remaining = READY_TIMEOUT_S - (time.monotonic() - supervised.started_at)
                supervised.process.wait_ready(timeout=max(remaining, 1.0))
            except (RuntimeError, TimeoutError) as error:
                raise DevserverError(
                    f"{supervised.label} did not start; see {supervised.process.log_path}\n{error}"
                ) from None
            _say(
                f"  starting {supervised.label.ljust(width)} … ready in "
                f"{_elapsed(supervised.started_at)}"
            )

    # -- demo data ------------------------------------------------------------------------

    def api_url(self, service: str) -> str:
        port, _ = self.settings.port_of(service, "api")
        return f"http://{self.settings.host}:{port}"

    def load_demo(self) -> DemoReport:
        """Draft (and mostly submit) the demo achievements through intake's API, then wait until
        screening's library shows the submitted ones."""
        intake, screening = self.api_url("intake"), self.api_url("screening")
        started = time.monotonic()
        _say("演示数据 · demo data")
        created = already = 0
        waiting: list[tuple[DemoAchievement, str, int]] = []
        with httpx.Client(timeout=15.0) as client:
            for item in DEMO_ACHIEVEMENTS:
                headers = {
                    "Authorization": f"Bearer {self.tokens[item.by]}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": item.idempotency_key,
                }
                drafted = self._post(
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
                submitted = self._post(
                    client,
                    f"{intake}/achievements/{achievement_id}/submit",
                    b"{}",
                    headers,
                    item,
                    {200},
                )
                waiting.append((item, achievement_id, int(submitted.json()["stream_version"])))
            drafts = len(DEMO_ACHIEVEMENTS) - len(waiting)
            _say(
                f"  {len(DEMO_ACHIEVEMENTS)} achievements via POST {intake}/achievements: "
                f"{created} new, {already} already there; {len(waiting)} submitted, "
                f"{drafts} left as drafts"
            )
            fields = dict.fromkeys(FIELD_NAMES[item.field]["zh"] for item in DEMO_ACHIEVEMENTS)
            _say("  领域 fields: " + "、".join(fields))
            library_started = time.monotonic()
            self._wait_for_library(client, screening, waiting)
        _say(
            f"  screening's library shows the {len(waiting)} submitted ones after "
            f"{_elapsed(library_started)} (demo data {_elapsed(started)})"
        )
        loaded = self._load_catalogue(intake) if self.settings.demo_catalogue else None
        self._load_contacts()
        roadshow = self._load_roadshows(loaded) if loaded is not None else None
        self._load_tracking()
        return DemoReport(
            created=created,
            already_there=already,
            submitted=len(waiting),
            drafts=drafts,
            seconds_to_library=time.monotonic() - library_started,
            catalogue=loaded,
            roadshow=roadshow,
        )

    def _load_contacts(self) -> None:
        """E-mail addresses for the demo's host, companies and holder in notify's directory, so
        that what happens to them in the roadshow demo arrives in ``mail-sink.log`` too."""
        if "notify" not in APIS:
            return
        people = [
            (HOSTS[0][0], HOSTS[0][1], "host", HOSTS[0][3], "host-sz"),
            (DEMO_HOLDER, DEMO_HOLDER_NAME, "holder", self.settings.region, "holder"),
            *[
                (demo_company_id(n), name, "company", "440300", f"company-{n}")
                for n, (name, _kind) in enumerate(DEMO_COMPANIES, start=1)
            ],
        ]
        headers = {"Authorization": f"Bearer {self.tokens['province']}"}
        with httpx.Client(timeout=15.0) as client:
            for recipient, name, role, region, mailbox in people:
                body = {
                    "name": name,
                    "role": role,
                    "region": region,
                    "email": f"{mailbox}@demo.ztc.example.cn",
                    "locale": "zh-CN",
                    "channels": ["email"],
                    "muted": [],
                }
                url = f"{self.api_url('notify')}/contacts/{recipient}"
                reply = client.put(url, json=body, headers=headers)
                if reply.status_code != 200:
                    raise DevserverError(
                        f"notify demo contact {recipient}: {reply.status_code} {reply.text[:300]}"
                    )
        _say(f"  通知演示联系人 notify: {len(people)} 个联系人 contacts (e-mail → mail-sink.log)")

    def _load_tracking(self) -> None:
        """Tracking's own demo cases at every rung of the ladder and the demo host's draft summary
        (``tracking.demo``; the roadshow demo's conclusion opens further cases by itself)."""
        if "tracking" not in APIS:
            return
        demo = importlib.import_module("tracking.demo")
        host = mint_token(
            self.settings, subject=demo.DEMO_HOST, role=Role.HOST, region=self.settings.region
        )
        tokens = {"host": host, "province": self.tokens["province"]}
        report = asyncio.run(demo.load_demo(self.api_url("tracking"), tokens))
        if report.failures:
            raise DevserverError(f"tracking demo: {report.failures[0]}")
        _say(
            f"  跟踪演示数据 tracking: {len(report.cases)} 个跟踪案例 cases, {report.steps} 条记录 steps"
        )

    def _load_roadshows(self, loaded: LoadReport) -> RoadshowDemoReport | None:
        """The year's programme and two roadshows (see ``ztc_shared.demo_roadshow``)."""
        if "roadshow" not in APIS:
            return None
        started = time.monotonic()
        _say(
            "  路演演示数据 roadshows: the year's programme, a concluded and an upcoming roadshow…"
        )

        def mint(role: Role, subject: str) -> str:
            return mint_token(
                self.settings, subject=subject, role=role, region=self.settings.region
            )

        self._interruptible = False
        try:
            report = asyncio.run(
                load_roadshow_demo(
                    self.api_url("roadshow"),
                    self.api_url("screening"),
                    mint,
                    province=DEMO_PROVINCE,
                    holder=DEMO_HOLDER,
                    agency=DEMO_AGENCY,
                    library_items=loaded.by_stage.get("admitted", 0)
                    + loaded.by_stage.get("published", 0),
                    progress=lambda line: _say("    " + line),
                )
            )
        except DemoStepFailed as error:
            raise DevserverError(f"roadshow demo: {error}") from None
        finally:
            self._interruptible = True
        if self._stop.is_set():
            raise Interrupted(signal.SIGINT)
        _say(
            f"    {report.pitches} 个路演项目 pitches, {report.intents} 项意向 intents, "
            f"{report.meetings_held} 场一对一 meetings held ({_elapsed(started)})"
        )
        for note in report.skipped:
            _say(f"    （略过 skipped: {note}）")
        return report

    def _load_catalogue(self, intake: str) -> LoadReport:
        """The demo catalogue (``ZTC_DEVSERVER_DEMO_CATALOGUE`` items) through the whole lifecycle:
        drafted by a holder, evaluated by two agency experts, admitted and published by the
        province, each item as far as its stage."""
        items = catalogue(self.settings.demo_catalogue)
        _say(f"  成果库演示数据 catalogue: {len(items)} achievements through their lifecycle…")
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last[0] >= 2.0 or done == total:
                last[0] = time.monotonic()
                _say(f"    {done}/{total}")

        # A signal must not land inside one of the loader's tasks: let it only set the flag, which
        # stops the loader between items, then stop as anywhere else during start-up.
        self._interruptible = False
        try:
            report = asyncio.run(
                load_catalogue(
                    intake, self.tokens, items, progress=progress, should_stop=self._stop.is_set
                )
            )
        finally:
            self._interruptible = True
        if self._stop.is_set():
            raise Interrupted(signal.SIGINT)
        if report.failures:
            raise DevserverError(
                f"{len(report.failures)} catalogue items failed, first: {report.failures[0]}"
            )
        stages = "、".join(f"{STAGE_NAMES[k]} {v}" for k, v in sorted(report.by_stage.items()))
        _say(
            f"  {report.created} new, {report.already_there} already there ({stages}) "
            f"in {report.seconds:.1f} s"
        )
        return report

    @staticmethod
    def _post(
        client: httpx.Client,
        url: str,
        content: bytes,
        headers: dict[str, str],
        item: DemoAchievement,
        expected: set[int],
    ) -> httpx.Response:
        try:
            response = client.post(url, content=content, headers=headers)
        except httpx.HTTPError as error:
            raise DevserverError(f"demo item {item.slug}: POST {url} failed: {error!r}") from None
        if response.status_code not in expected:
            raise DevserverError(
                f"demo item {item.slug}: POST {url} answered {response.status_code}: "
                f"{response.text[:500]}"
            )
        return response

    def _wait_for_library(
        self,
        client: httpx.Client,
        screening: str,
        waiting: Sequence[tuple[DemoAchievement, str, int]],
    ) -> None:
        headers = {"Authorization": f"Bearer {self.tokens['agency']}"}
        deadline = time.monotonic() + LIBRARY_TIMEOUT_S
        for item, achievement_id, version in waiting:
            url = f"{screening}/library/{achievement_id}"
            last = ""
            while True:
                try:
                    response = client.get(
                        url, params={"min_version": version, "wait_ms": 2000}, headers=headers
                    )
                    if response.status_code == 200:
                        break
                    last = f"{response.status_code}: {response.text[:300]}"
                except httpx.HTTPError as error:
                    last = repr(error)
                if time.monotonic() >= deadline:
                    raise DevserverError(
                        f"screening's library did not show demo item {item.slug} ({achievement_id})"
                        f" at version {version} within {LIBRARY_TIMEOUT_S:g}s (last answer "
                        f"{last}); see the logs in {self.log_dir}"
                    )
                time.sleep(0.2)

    # -- banner ---------------------------------------------------------------------------

    def print_banner(self, report: DemoReport | None) -> None:
        assert self.endpoints is not None
        rule = "─" * 78
        lines = [
            "",
            rule,
            "科技成果直通车 · 本地开发环境已就绪 · Local development environment is ready",
            rule,
        ]
        for service in self.services():
            name_zh = SERVICE_NAMES_ZH.get(service, service)
            if service in APIS:
                url = self.api_url(service)
                lines += [
                    f"{name_zh} {service}",
                    f"  接口文档 API docs   {url}/docs",
                    f"  健康检查 health     {url}/healthz   {url}/readyz",
                    f"  指标 metrics        {url}/metrics",
                ]
            for projection in worker_projections(service):
                port, _ = self.settings.port_of(service, "worker", projection)
                what = f"worker {projection}" if projection else "worker"
                lines.append(f"  {what} 指标 metrics  http://{self.settings.host}:{port}/metrics")
        if "notify" in APIS:
            lines.append(
                f"邮件 mails           SMTP {self.settings.host}:{self.settings.notify_smtp_port} "
                f"→ tail -f {self.log_dir}/mail-sink.log"
            )
        lines += [
            "",
            f"日志 logs            {self.log_dir}/<service>-<api|relay|worker>.log",
            f"                     tail -f {self.log_dir}/*.log",
            f"Kafka                {self.endpoints.kafka_bootstrap_servers}",
            f"MongoDB              {self.endpoints.mongodb_uri}",
        ]
        if self.settings.topic_prefix or self.settings.database_prefix:
            lines.append(
                f"数据前缀 prefixes    topics {self.settings.topic_prefix!r}, "
                f"databases {self.settings.database_prefix!r}"
            )
        if report is not None:
            lines.append(
                f"演示数据 demo data   {report.submitted} 项已提交入库 submitted, "
                f"{report.drafts} 项草稿 drafts (holder {DEMO_HOLDER}, agency {DEMO_AGENCY})"
            )
            if report.catalogue is not None:
                published = report.catalogue.by_stage.get("published", 0)
                lines.append(
                    f"                     成果库 {len(report.catalogue.last_versions)} 项, "
                    f"其中 {published} 项已公开 catalogue items, {published} published: "
                    f"{self.api_url('intake')}/public/achievements?q=电池"
                )
        if report is not None and report.roadshow is not None:
            roadshow = self.api_url("roadshow")
            lines.append(
                f"                     路演日历 roadshow calendar: {roadshow}/roadshows?year=2026"
            )
            if report.roadshow.concluded_id:
                lines.append(
                    f"                     已结束的专场 concluded: "
                    f"{roadshow}/roadshows/{report.roadshow.concluded_id} (需令牌 token)"
                )
        lines += [
            "",
            "开发令牌（12 小时有效）· development tokens (valid 12 h), paste into your shell:",
            f"  # 成果持有人 holder · {DEMO_HOLDER}",
            f"  export ZTC_HOLDER_TOKEN={self.tokens['holder']}",
            f"  # 支持单位/技术转移机构 agency (support_org) · {DEMO_AGENCY}",
            f"  export ZTC_AGENCY_TOKEN={self.tokens['agency']}",
            "  # 其他角色 other roles: .venv/bin/ztc-token --role expert --sub expert-001",
            "",
            "试一试 · try it:",
            "  # 项目库 the library (screening)",
            f'  curl -s -H "Authorization: Bearer $ZTC_AGENCY_TOKEN" '
            f"'{self.api_url('screening')}/library?field=new_energy&page_size=5'",
            "  # 新建成果草稿 draft an achievement (intake)",
            f"  curl -s -X POST {self.api_url('intake')}/achievements "
            '-H "Authorization: Bearer $ZTC_HOLDER_TOKEN" \\',
            "    -H 'Content-Type: application/json' -H 'Idempotency-Key: my-first-draft' \\",
            "    -d '" + json.dumps(_SAMPLE_DRAFT, ensure_ascii=False, separators=(",", ":")) + "'",
            "",
            BANNER_END,
            rule,
        ]
        _say("\n".join(lines))

    # -- foreground -----------------------------------------------------------------------

    def supervise(self) -> None:
        """Until a signal: start again whatever exits, after a backoff."""
        self._interruptible = False
        if self._stop.is_set():  # a signal arrived between two checks
            raise Interrupted(signal.SIGINT)
        while not self._stop.wait(0.5):
            for supervised in self.processes:
                self._look_after(supervised)
        raise Interrupted(signal.SIGINT)

    def _look_after(self, supervised: Supervised) -> None:
        now = time.monotonic()
        if supervised.restart_at is not None:
            if now >= supervised.restart_at:
                supervised.start()
                supervised.restarts += 1
                supervised.awaiting_ready = True
                log.info(
                    "devserver.process_restarted",
                    process=supervised.label,
                    pid=supervised.pid,
                    restarts=supervised.restarts,
                )
            return
        if supervised.process.running:
            if supervised.awaiting_ready and supervised.is_ready():
                supervised.awaiting_ready = False
                log.info(
                    "devserver.process_ready",
                    process=supervised.label,
                    seconds=round(now - supervised.started_at, 1),
                )
            return
        popen = supervised.process.process
        code = popen.returncode if popen is not None else None
        ran = now - supervised.started_at
        switched = GENERATION_SWITCHED in supervised.process.log_since_start()
        if switched or ran >= STABLE_AFTER_S or supervised.backoff == 0:
            supervised.backoff = RESTART_BACKOFF_S
        else:  # it keeps exiting soon after starting: wait longer each time
            supervised.backoff = min(supervised.backoff * 2, RESTART_BACKOFF_MAX_S)
        supervised.restart_at = now + supervised.backoff
        supervised.awaiting_ready = False
        (log.info if switched else log.warning)(
            "devserver.process_exited",
            process=supervised.label,
            exit_code=code,
            ran_s=round(ran, 1),
            reason="projection generation switched" if switched else "unexpected exit",
            restart_in_s=supervised.backoff,
            log_file=str(supervised.process.log_path),
        )

    # -- stopping -------------------------------------------------------------------------

    def shutdown(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)  # the stop below must not be interrupted
        running = [p for p in self.processes if p.process.running]
        if running:
            started = time.monotonic()
            _say(f"正在停止 · stopping {len(running)} service processes…")
            _stop_all([p.process for p in running], STOP_GRACE_S)
            _say(f"  stopped in {_elapsed(started)}")
        if self.endpoints is not None and self.endpoints.started:
            if self.stack_settings.keep_stack:
                _say("本地基础设施继续运行 · the stack keeps running (ZTC_KEEP_STACK)")
            else:
                started = time.monotonic()
                _say("正在停止本地基础设施 · stopping the stack this run started…")
                stop_stack(self.stack_settings)
                _say(
                    f"  stopped in {_elapsed(started)} "
                    f"(data kept in {self.stack_settings.stack_dir})"
                )
        elif self.endpoints is not None:
            _say("本地基础设施继续运行 · the stack keeps running (this run did not start it)")


def _stop_all(processes: Sequence[ServiceProcess], grace: float) -> None:
    """SIGTERM to every process group at once, SIGKILL to those still running after ``grace``."""
    signalled: list[tuple[ServiceProcess, subprocess.Popen[bytes]]] = []
    for process in processes:
        popen = process.process
        if popen is None or popen.poll() is not None:
            continue
        try:
            os.killpg(popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        signalled.append((process, popen))
    deadline = time.monotonic() + grace
    for process, popen in signalled:
        try:
            popen.wait(timeout=max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            log.warning("devserver.process_killed", process=process.name, grace_s=grace)
            process.kill()


_SAMPLE_DRAFT: dict[str, Any] = {
    "title": "智慧园区能耗监测与优化平台",
    "abstract": "基于物联网的园区能耗实时监测与负荷优化调度平台。",
    "field": IndustryField.ENERGY_SAVING.value,
    "sub_field": "efficient_energy_use",
    "trl": 6,
    "holder_name": "张三",
    "institution": "暨南大学",
    "channel": Channel.SELF_NOMINATION.value,
}


def main(argv: Sequence[str] | None = None) -> int:
    del argv  # no options: everything is set through the environment
    settings = DevserverSettings()
    configure_logging("devserver", settings.region, settings.log_level, json=False)
    if settings.log_level.upper() != "DEBUG":
        # progress lines say what the launcher does; aiokafka logs every refused connection
        logging.getLogger("ztc_shared.stack").setLevel(logging.WARNING)
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
        for chatty in ("httpx", "httpcore"):  # one line per readiness poll and demo request
            logging.getLogger(chatty).setLevel(logging.WARNING)
    return DevServer(settings, StackSettings()).run()


if __name__ == "__main__":
    sys.exit(main())
