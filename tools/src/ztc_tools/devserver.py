"""``make run``: the local stack, every service, their demo data, in one terminal.

    python -m ztc_tools.devserver

1. Starts (or reuses) Kafka and the MongoDB-wire database with :func:`ensure_stack`; servers named
   by ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI`` are used instead.
2. Starts each service's API, relay and worker processes as its manifest says
   (``services/<name>/service.toml``, :mod:`ztc_tools.manifest`), each a process of its own logging
   to ``<stack dir>/logs/<service>-<role>.log`` (stack dir: ``ZTC_STACK_DIR``, default
   ``<repo>/.stack``), and waits until the APIs answer ``/readyz`` and the workers have started;
   a service whose manifest asks for a mail sink gets make run's loopback SMTP server.
3. Starts a relay or worker (or API) again when it exits, after a short backoff: a projection
   rebuild makes the worker exit on purpose so that it comes back on the new generation.
4. Runs the demo steps the services register in their manifests, in their stated order
   (:mod:`ztc_tools.demo`): each loads its service's demo data through the APIs, idempotently.
5. Prints the URLs, where the logs are, development tokens and sample requests.
6. Stays in the foreground. Ctrl-C, SIGTERM or SIGHUP stops the processes it started (SIGTERM,
   then SIGKILL after a grace period) and the stack too when this run started it (unless
   ``ZTC_KEEP_STACK=1``).

Ports are the manifests' (the defaults of the services' settings) and move with the services' own
variables: ``INTAKE_PORT`` (8001), ``SCREENING_WORKER_METRICS_PORT`` (9102), ...; a service with
several worker runs starts one process each, the first on ``<SERVICE>_WORKER_METRICS_PORT``, each
other on ``<SERVICE>_<RUN>_WORKER_METRICS_PORT`` (intake's public: 9111).
``ZTC_TOPIC_PREFIX`` / ``ZTC_DATABASE_PREFIX`` keep a run's data apart from others'.
``ZTC_DEVSERVER_DEMO=0`` skips the demo data; ``ZTC_DEVSERVER_DEMO_CATALOGUE=N`` loads N of the
generated catalogue's achievements (default 300, 0 for none) through their whole lifecycle.
"""

from __future__ import annotations

import asyncio
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
from types import FrameType
from typing import Literal

import httpx
import structlog
from pydantic import Field, create_model

from ztc_shared.auth import Role, mint_token
from ztc_shared.observability.logging import configure_logging
from ztc_shared.relay import RELAY_READY
from ztc_shared.settings import ServiceSettings
from ztc_shared.workers import WORKER_READY
from ztc_tools.demo import DemoContext, DemoStepError, run_step, steps
from ztc_tools.manifest import ServiceManifest, WorkerRun, manifests
from ztc_tools.stack import StackEndpoints, StackError, StackSettings, ensure_stack, stop_stack
from ztc_tools.testing.processes import ServiceProcess

log = structlog.get_logger("ztc_tools.devserver")

GENERATION_SWITCHED = "projection.generation_switched"
READY_TIMEOUT_S = 90.0
STOP_GRACE_S = 10.0
RESTART_BACKOFF_S = 1.0
RESTART_BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 30.0  # a process that ran this long restarts after the shortest backoff again
# An API whose /healthz says it hangs (a hung store: 503), or does not answer, this many checks in
# a row, LIVENESS_PERIOD_S apart, is killed and so restarted — what Kubernetes' liveness probe
# does in production (deploy/k8s).
LIVENESS_PERIOD_S = 10.0
LIVENESS_TIMEOUT_S = 3.0
LIVENESS_FAILURES = 3
# SIGHUP too: the services run in sessions of their own, so a closed terminal would orphan them
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
BANNER_END = "按 Ctrl-C 停止全部服务 · Press Ctrl-C to stop everything"

# The demo's people: the accounts make run signs everyone in as, whose tokens it prints.
DEMO_HOLDER = ("demo-holder-001", "陈晓峰（演示持有人）")
DEMO_AGENCY = ("demo-agency-001", "广东省技术转移服务中心（演示）")
DEMO_PROVINCE = ("demo-province-001", "省科技厅成果转化处（演示）")
DEMO_LABEL = "演示数据 demo data   "
DEMO_INDENT = " " * 21  # the label's width on a terminal (each Chinese character takes two columns)


def port_variables() -> dict[str, int]:
    """Every port make run uses, by the variable that moves it, with its default: each API, each
    worker process's metrics and each mail sink, from the manifests."""
    ports: dict[str, int] = {}
    for m in manifests():
        ports[m.api_port_variable] = m.api.port
        for run in m.runs:
            port, variable = m.local_metrics(run)
            ports[variable] = port
        if m.mail_sink is not None:
            ports[m.mail_sink.port_variable] = m.mail_sink.port
    return ports


class DevserverBase(ServiceSettings):
    """make run's own settings; :data:`DevserverSettings` adds every port of the manifests."""

    service: str = "devserver"
    demo: bool = Field(default=True, validation_alias="ZTC_DEVSERVER_DEMO")
    demo_catalogue: int = Field(
        default=300, ge=0, le=328, validation_alias="ZTC_DEVSERVER_DEMO_CATALOGUE"
    )

    def port_for(self, variable: str) -> int:
        """The port ``variable`` names (one of :func:`port_variables`)."""
        value: int = getattr(self, variable.lower())
        return value


# The ports as fields named by their variables, so the environment moves them (INTAKE_PORT=8101).
DevserverSettings: type[DevserverBase] = create_model(
    "DevserverSettings",
    __base__=DevserverBase,
    __doc__="The ports of every service: the same variables and defaults as the services' settings.",
    **{
        variable.lower(): (int, Field(default=default, ge=1, le=65535, validation_alias=variable))
        for variable, default in port_variables().items()
    },  # type: ignore[call-overload]
)


class DevserverError(Exception):
    """Something the developer has to fix; the message says what."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived while starting up."""


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
    liveness_checked_at: float = 0.0
    liveness_failures: int = 0

    def start(self) -> None:
        self.process.start()
        self.started_at = time.monotonic()
        self.restart_at = None
        self.liveness_failures = 0

    def is_alive(self) -> bool:
        """``/healthz`` answers 200. An API that is not (it hangs on its store, or answers
        nothing in time) is better restarted."""
        try:
            return (
                httpx.get(f"{self.process.url}/healthz", timeout=LIVENESS_TIMEOUT_S).status_code
                == 200
            )
        except httpx.HTTPError:
            return False

    def hung(self, now: float) -> bool:
        """Check liveness when due; whether the API has now failed enough checks in a row."""
        if self.kind != "api" or self.awaiting_ready:
            return False
        if now - self.liveness_checked_at < LIVENESS_PERIOD_S:
            return False
        self.liveness_checked_at = now
        self.liveness_failures = 0 if self.is_alive() else self.liveness_failures + 1
        return self.liveness_failures >= LIVENESS_FAILURES

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


def _worker_label(m: ServiceManifest, run: WorkerRun) -> str:
    return f"{m.name} worker" if run.default else f"{m.name} worker {run.name}"


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

    def __init__(self, settings: DevserverBase, stack_settings: StackSettings) -> None:
        self.settings = settings
        self.stack_settings = stack_settings
        self.log_dir = stack_settings.stack_dir / "logs"
        self.endpoints: StackEndpoints | None = None
        self.processes: list[Supervised] = []
        self.tokens = {
            "holder": self.token(Role.HOLDER, *DEMO_HOLDER),
            "agency": self.token(Role.SUPPORT_ORG, *DEMO_AGENCY),
        }
        self._stop = threading.Event()
        self._interruptible = True
        self._stopping = False
        self._signal_name = ""

    def token(self, role: Role, subject: str, name: str | None = None) -> str:
        """A development token of this run's region (12 hours)."""
        return mint_token(
            self.settings, subject=subject, role=role, region=self.settings.region, name=name
        )

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
        for m in manifests():
            wanted.append(
                (self.settings.port_for(m.api_port_variable), m.api_port_variable, f"{m.name} API")
            )
            for run in m.runs:
                _, variable = m.local_metrics(run)
                wanted.append(
                    (self.settings.port_for(variable), variable, f"{_worker_label(m, run)} metrics")
                )
            if m.mail_sink is not None:
                variable = m.mail_sink.port_variable
                wanted.append((self.settings.port_for(variable), variable, "mail sink (SMTP)"))
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

    def service_env(self, m: ServiceManifest, run: WorkerRun | None = None) -> dict[str, str]:
        assert self.endpoints is not None
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": self.endpoints.kafka_bootstrap_servers,
            "MONGODB_URI": self.endpoints.mongodb_uri,
            "LOG_JSON": os.environ.get("LOG_JSON", "false"),  # log files people read
            "PYTHONUNBUFFERED": "1",
            m.api_port_variable: str(self.settings.port_for(m.api_port_variable)),
        }
        if run is not None:
            # The worker reads <SERVICE>_WORKER_METRICS_PORT, whichever run it is.
            _, variable = m.local_metrics(run)
            env[m.metrics_port_variable] = str(self.settings.port_for(variable))
        if m.mail_sink is not None:
            env[m.mail_sink.host_variable] = self.settings.host
            env[m.mail_sink.port_variable] = str(self.settings.port_for(m.mail_sink.port_variable))
        return env

    def build_processes(self) -> list[Supervised]:
        processes: list[Supervised] = []
        for m in manifests():
            env = self.service_env(m)
            processes.append(
                Supervised(
                    f"{m.name} api",
                    m.name,
                    "api",
                    ServiceProcess(
                        f"{m.name}-api",
                        m.api.module,
                        env=env,
                        log_dir=self.log_dir,
                        port=self.settings.port_for(m.api_port_variable),
                    ),
                )
            )
            if m.relay is not None:
                processes.append(
                    Supervised(
                        f"{m.name} relay",
                        m.name,
                        "relay",
                        ServiceProcess(
                            f"{m.name}-relay",
                            m.relay.module,
                            env=env,
                            log_dir=self.log_dir,
                            ready_marker=RELAY_READY,
                        ),
                    )
                )
            for run in m.runs:
                assert m.worker is not None
                label = _worker_label(m, run)
                processes.append(
                    Supervised(
                        label,
                        m.name,
                        "worker",
                        ServiceProcess(
                            label.replace(" ", "-"),
                            m.worker.module,
                            env=self.service_env(m, run),
                            log_dir=self.log_dir,
                            args=m.worker_args(run),
                            ready_marker=WORKER_READY,
                        ),
                    )
                )
        processes += [self.mail_sink(m) for m in manifests() if m.mail_sink is not None]
        return processes

    def mail_sink(self, m: ServiceManifest) -> Supervised:
        """A real SMTP server on loopback (aiosmtpd) that prints each mail the service sends to
        ``mail-sink.log``: the demo's notifications can be read without a mail account."""
        assert m.mail_sink is not None
        address = f"{self.settings.host}:{self.settings.port_for(m.mail_sink.port_variable)}"
        return Supervised(
            "mail sink",
            m.name,
            "mail",
            ServiceProcess(
                "mail-sink",
                "ztc_tools.mailsink",
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
        for m in manifests():
            if m.name == service:
                return f"http://{self.settings.host}:{self.settings.port_for(m.api_port_variable)}"
        raise DevserverError(f"no service {service!r}: services/{service}/service.toml")

    def load_demo(self) -> list[str]:
        """Every demo step the manifests register, in their order; the banner's lines."""
        _say("演示数据 · demo data")
        context = DemoContext(
            region=self.settings.region,
            catalogue_size=self.settings.demo_catalogue,
            holder=DEMO_HOLDER,
            agency=DEMO_AGENCY,
            province=DEMO_PROVINCE,
            urls={m.name: self.api_url(m.name) for m in manifests()},
            mint=self.token,
            say=_say,
            stopping=self._stop.is_set,
        )
        lines: list[str] = []
        for step in steps():
            # A signal must not land inside one of the step's tasks: let it only set the flag,
            # which the step checks between items, then stop as anywhere else during start-up.
            self._interruptible = False
            try:
                lines += asyncio.run(run_step(step, context))
            except DemoStepError as error:
                raise DevserverError(str(error)) from None
            finally:
                self._interruptible = True
            if self._stop.is_set():
                raise Interrupted(signal.SIGINT)
        return lines

    # -- banner ---------------------------------------------------------------------------

    def print_banner(self, demo: Sequence[str] | None) -> None:
        assert self.endpoints is not None
        rule = "─" * 78
        lines = [
            "",
            rule,
            "科技成果直通车 · 本地开发环境已就绪 · Local development environment is ready",
            rule,
        ]
        for m in manifests():
            url = self.api_url(m.name)
            lines += [
                f"{m.names.zh} {m.name}",
                f"  接口文档 API docs   {url}/docs",
                f"  健康检查 health     {url}/healthz   {url}/readyz",
                f"  指标 metrics        {url}/metrics",
            ]
            for run in m.runs:
                port = self.settings.port_for(m.local_metrics(run)[1])
                what = "worker" if run.default else f"worker {run.name}"
                lines.append(f"  {what} 指标 metrics  http://{self.settings.host}:{port}/metrics")
        for m in manifests():
            if m.mail_sink is not None:
                port = self.settings.port_for(m.mail_sink.port_variable)
                lines.append(
                    f"邮件 mails           SMTP {self.settings.host}:{port} "
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
        for n, line in enumerate(demo or ()):
            lines.append((DEMO_LABEL if n == 0 else DEMO_INDENT) + line)
        lines += [
            "",
            "开发令牌（12 小时有效）· development tokens (valid 12 h), paste into your shell:",
            f"  # 成果持有人 holder · {DEMO_HOLDER[0]}",
            f"  export ZTC_HOLDER_TOKEN={self.tokens['holder']}",
            f"  # 支持单位/技术转移机构 agency (support_org) · {DEMO_AGENCY[0]}",
            f"  export ZTC_AGENCY_TOKEN={self.tokens['agency']}",
            "  # 其他角色 other roles: .venv/bin/ztc-token --role expert --sub expert-001",
            "",
            "试一试 · try it:",
        ]
        for m in manifests():
            for example in m.try_it:
                url = f"{self.api_url(m.name)}{example.path}"
                auth = f'-H "Authorization: Bearer $ZTC_{example.who.upper()}_TOKEN"'
                lines.append(f"  # {example.what}")
                if example.method == "GET":
                    lines.append(f"  curl -s {auth} '{url}'")
                    continue
                body = json.dumps(example.body or {}, ensure_ascii=False, separators=(",", ":"))
                lines += [
                    f"  curl -s -X {example.method} {url} {auth} \\",
                    "    -H 'Content-Type: application/json' -H 'Idempotency-Key: my-first-draft' \\",
                    f"    -d '{body}'",
                ]
        lines += ["", BANNER_END, rule]
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
            elif supervised.hung(now):
                log.error(
                    "devserver.process_hung",
                    process=supervised.label,
                    failed_checks=supervised.liveness_failures,
                    log_file=str(supervised.process.log_path),
                )
                _stop_all([supervised.process], STOP_GRACE_S)  # restarted below, next round
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


def main(argv: Sequence[str] | None = None) -> int:
    del argv  # no options: everything is set through the environment
    settings = DevserverSettings()
    configure_logging("devserver", settings.region, settings.log_level, json=False)
    if settings.log_level.upper() != "DEBUG":
        # progress lines say what the launcher does; aiokafka logs every refused connection
        logging.getLogger("ztc_tools.stack").setLevel(logging.WARNING)
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
        for chatty in ("httpx", "httpcore"):  # one line per readiness poll and demo request
            logging.getLogger(chatty).setLevel(logging.WARNING)
    return DevServer(settings, StackSettings()).run()


if __name__ == "__main__":
    sys.exit(main())
