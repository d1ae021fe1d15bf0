"""Start, reuse, inspect and stop the local Kafka + MongoDB stack.

All functions here are synchronous and run their health checks on a private event loop: call them
from plain code (a CLI, a pytest session fixture, ``main()`` before the service's event loop
starts), never from inside a running event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import structlog

from ztc_tools.stack import kafka, mongo
from ztc_tools.stack._process import (
    Progress,
    cmdline_contains,
    no_progress,
    phase,
    port_open,
    stop_processes,
    tail,
)
from ztc_tools.stack.errors import StackError
from ztc_tools.stack.settings import StackSettings, find_repo_root
from ztc_tools.stack.state import (
    ComponentRecord,
    load_records,
    save_records,
    stack_lock,
)

log = structlog.get_logger(__name__)

T = TypeVar("T")

KAFKA = "kafka"
MONGODB = "mongodb"
COMPONENTS = (KAFKA, MONGODB)
EXTERNAL_CHECK_TIMEOUT_S = 15.0
STATUS_CHECK_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Checker:
    """Health probe of one component and the errors that mean "not healthy (yet)"."""

    check: Callable[[str, float], Awaitable[None]]
    errors: tuple[type[BaseException], ...]


@dataclass(frozen=True)
class StackEndpoints:
    """Where the services should connect."""

    kafka_bootstrap_servers: str  # "127.0.0.1:19092"
    mongodb_uri: str  # "mongodb://127.0.0.1:27018/"
    started: bool  # True when this call started something (so the caller should stop it)


def _checker(name: str) -> Checker:
    if name == KAFKA:
        return Checker(kafka.check, kafka.HEALTH_ERRORS)
    return Checker(mongo.check, mongo.HEALTH_ERRORS)


def _local_endpoint(name: str, settings: StackSettings) -> str:
    return kafka.bootstrap_address(settings) if name == KAFKA else mongo.mongodb_uri(settings)


def _local_port(name: str, settings: StackSettings) -> int:
    return settings.kafka_port if name == KAFKA else settings.mongodb_port


def _given_endpoint(name: str, settings: StackSettings) -> str | None:
    return settings.kafka_bootstrap_servers if name == KAFKA else settings.mongodb_uri


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a private loop, leaving the thread's current event loop alone."""
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(coroutine)


def _require_no_running_loop(function: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise StackError(
        f"{function}() is synchronous and must not be called from a running event loop; "
        "call it before the loop starts or in a worker thread (asyncio.to_thread)"
    )


def _is_ours(record: ComponentRecord, stack_dir: Path) -> bool:
    return cmdline_contains(record.pid, str(stack_dir))


async def _probe(checker: Checker, endpoint: str, timeout_s: float) -> str | None:
    """None when healthy, else a short description of why not."""
    try:
        await asyncio.wait_for(checker.check(endpoint, timeout_s), timeout_s + 2.0)
    except checker.errors as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


async def _wait_healthy(
    name: str,
    endpoint: str,
    *,
    timeout_s: float,
    pid: int | None = None,
    stack_dir: Path | None = None,
    port: int | None = None,
    log_file: Path | None = None,
) -> None:
    """Poll until ``endpoint`` is healthy; fail early when the watched process exits."""
    checker = _checker(name)
    deadline = time.monotonic() + timeout_s
    last_error = "never reached"
    while True:
        if pid is not None and stack_dir is not None and not cmdline_contains(pid, str(stack_dir)):
            raise StackError(_failure(name, "exited during start-up", log_file))
        if port is None or port_open(port):
            error = await _probe(checker, endpoint, min(5.0, max(1.0, deadline - time.monotonic())))
            if error is None:
                return
            last_error = error
        else:
            last_error = f"nothing listens on 127.0.0.1:{port} yet"
        if time.monotonic() >= deadline:
            reason = f"not healthy at {endpoint} after {timeout_s:g}s ({last_error})"
            raise StackError(_failure(name, reason, log_file))
        await asyncio.sleep(0.5)


def _failure(name: str, reason: str, log_file: Path | None) -> str:
    if log_file is None:
        return f"{name} {reason}"
    last = tail(log_file, 15)
    message = f"{name} {reason}; see {log_file}"
    return message + ("\n--- last lines of " + str(log_file) + " ---\n" + last if last else "")


def _check_external(settings: StackSettings, names: list[str], progress: Progress) -> None:
    timeout_s = min(EXTERNAL_CHECK_TIMEOUT_S, settings.stack_startup_timeout_s)

    async def run() -> None:
        await asyncio.gather(
            *(
                _wait_healthy(name, _given_endpoint(name, settings) or "", timeout_s=timeout_s)
                for name in names
            )
        )

    with phase(progress, "checking given " + " and ".join(names)):
        _run(run())


def ensure_stack(
    settings: StackSettings | None = None, progress: Callable[[str], None] | None = None
) -> StackEndpoints:
    """Return endpoints of a healthy Kafka and MongoDB, starting local ones where needed.

    Servers given in ``settings`` (``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI``) are only
    checked to answer. For the others, a healthy local stack recorded in
    ``<stack_dir>/stack.json`` is reused, and whatever is missing is prepared (jars resolved,
    FerretDB built: cached in ``stack_dir``), started detached, and waited for.

    ``started`` is True when this call started a process: the caller owns it and may call
    :func:`stop_stack`. Must not be called from inside a running event loop.
    """
    _require_no_running_loop("ensure_stack")
    settings = settings or StackSettings()
    report = progress or no_progress
    given = [name for name in COMPONENTS if _given_endpoint(name, settings) is not None]
    wanted = [name for name in COMPONENTS if name not in given]
    if given:
        _check_external(settings, given, report)
    endpoints = {
        name: _given_endpoint(name, settings) or _local_endpoint(name, settings)
        for name in COMPONENTS
    }
    started = False
    if wanted:
        with stack_lock(settings.stack_dir):
            started = _ensure_local(settings, wanted, report)
    return StackEndpoints(
        kafka_bootstrap_servers=endpoints[KAFKA],
        mongodb_uri=endpoints[MONGODB],
        started=started,
    )


def _ensure_local(settings: StackSettings, wanted: list[str], progress: Progress) -> bool:
    """Reuse or start each wanted component; returns True when something was started."""
    stack_dir = settings.stack_dir
    records = load_records(stack_dir)
    reuse: list[ComponentRecord] = []
    adopt: list[str] = []
    to_start: list[str] = []
    for name in wanted:
        record = records.get(name)
        if record is not None and _is_ours(record, stack_dir):
            if record.port != _local_port(name, settings) or (
                name == KAFKA and record.controller_port != settings.kafka_controller_port
            ):
                raise StackError(
                    f"{name} of {stack_dir} already runs on port {record.port} (pid {record.pid}),"
                    " not on the configured one: run `python -m ztc_tools.stack down` first"
                )
            reuse.append(record)
            continue
        if record is not None:
            records.pop(name)
        busy = [p for p in _ports_of(name, settings) if port_open(p)]
        if busy:
            adopt.append(name)
        else:
            to_start.append(name)
    save_records(stack_dir, records)

    if reuse or adopt:
        _wait_existing(settings, reuse, adopt)
    if not to_start:
        return False

    repo_root = find_repo_root()
    engine = mongo.choose_engine()
    _prepare(settings, to_start, engine, repo_root, progress)

    pids: dict[str, int] = {}
    try:
        for name in to_start:
            if name == KAFKA:
                pids[name] = kafka.start(settings, repo_root)
                records[name] = ComponentRecord(
                    name=KAFKA,
                    engine="kafka",
                    pid=pids[name],
                    port=settings.kafka_port,
                    controller_port=settings.kafka_controller_port,
                    endpoint=kafka.bootstrap_address(settings),
                    log_file=str(kafka.KafkaLayout.of(settings).log_file),
                    started_at=time.time(),
                )
            else:
                pids[name] = mongo.start(settings, engine)
                records[name] = ComponentRecord(
                    name=MONGODB,
                    engine=engine,
                    pid=pids[name],
                    port=settings.mongodb_port,
                    endpoint=mongo.mongodb_uri(settings),
                    log_file=str(mongo.layout_for(settings, engine).log_file),
                    started_at=time.time(),
                )
            save_records(stack_dir, records)
        label = "starting " + " and ".join(_label(name, engine) for name in to_start)
        with phase(progress, label):
            _run(_wait_started(settings, [records[name] for name in to_start]))
    except BaseException:
        log.warning("stack.start_failed", components=to_start, pids=list(pids.values()))
        stop_processes(list(pids.values()))
        for name in pids:
            records.pop(name, None)
        save_records(stack_dir, records)
        raise
    log.info("stack.started", components=to_start, pids=pids, stack_dir=str(stack_dir))
    return True


def _label(name: str, engine: str) -> str:
    if name == KAFKA:
        return "Kafka " + kafka.KAFKA_VERSION
    return "FerretDB " + mongo.FERRETDB_VERSION.lstrip("v") if engine == "ferretdb" else "mongod"


def _ports_of(name: str, settings: StackSettings) -> list[int]:
    if name == KAFKA:
        return [settings.kafka_port, settings.kafka_controller_port]
    return [settings.mongodb_port]


def _wait_existing(settings: StackSettings, reuse: list[ComponentRecord], adopt: list[str]) -> None:
    """Wait for recorded processes; accept a foreign server only when it is healthy already."""

    async def run() -> None:
        await _wait_records(settings, reuse)
        for name in adopt:
            endpoint = _local_endpoint(name, settings)
            error = await _probe(_checker(name), endpoint, STATUS_CHECK_TIMEOUT_S)
            if error is not None:
                ports = ", ".join(str(p) for p in _ports_of(name, settings))
                raise StackError(
                    f"port(s) {ports} for the local {name} are taken by a process that is not a"
                    f" healthy {name} of {settings.stack_dir} ({error}); stop it or choose other"
                    " ports (ZTC_KAFKA_PORT, ZTC_KAFKA_CONTROLLER_PORT, ZTC_MONGODB_PORT)"
                )
            log.warning("stack.reusing_foreign_server", component=name, endpoint=endpoint)

    _run(run())


def _prepare(
    settings: StackSettings,
    names: list[str],
    engine: str,
    repo_root: Path,
    progress: Progress,
) -> None:
    """Resolve jars / build binaries for the components to start, in parallel."""
    settings.stack_dir.mkdir(parents=True, exist_ok=True)

    def prepare_kafka() -> None:
        kafka.ensure_libs(settings, repo_root, progress)
        kafka.ensure_formatted(settings, progress)

    def prepare_mongo() -> None:
        mongo.prepare(settings, engine, progress)

    jobs = [prepare_kafka if name == KAFKA else prepare_mongo for name in names]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
        for future in futures:
            future.result()


async def _wait_records(settings: StackSettings, records: list[ComponentRecord]) -> None:
    """Until every recorded process answers as healthy (or fails with its log's tail)."""
    await asyncio.gather(
        *(
            _wait_healthy(
                record.name,
                record.endpoint,
                timeout_s=settings.stack_startup_timeout_s,
                pid=record.pid,
                stack_dir=settings.stack_dir,
                port=record.port,
                log_file=Path(record.log_file),
            )
            for record in records
        )
    )


async def _wait_started(settings: StackSettings, records: list[ComponentRecord]) -> None:
    await _wait_records(settings, records)
    for record in records:
        if record.name == KAFKA:
            try:
                await kafka.round_trip(record.endpoint)
            except kafka.HEALTH_ERRORS as exc:
                reason = f"answers metadata but failed a produce/consume round trip ({exc!r})"
                raise StackError(_failure(KAFKA, reason, Path(record.log_file))) from exc


def stop_stack(settings: StackSettings | None = None) -> None:
    """Stop the processes recorded in ``<stack_dir>/stack.json`` (SIGTERM, then SIGKILL after 20s).

    Servers given through ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI`` are never touched.
    Data stays in ``stack_dir``.
    """
    settings = settings or StackSettings()
    stack_dir = settings.stack_dir
    if not stack_dir.exists():
        return
    with stack_lock(stack_dir):
        records = load_records(stack_dir)
        pids = [record.pid for record in records.values() if _is_ours(record, stack_dir)]
        stop_processes(pids)
        save_records(stack_dir, {})
    log.info("stack.stopped", pids=pids, stack_dir=str(stack_dir))


def stack_status(settings: StackSettings | None = None) -> dict[str, Any]:
    """Describe the stack: per component its engine, pid, port, endpoint, running and healthy.

    Returns ``{"stack_dir": str, "healthy": bool, "components": {"kafka": {...},
    "mongodb": {...}}}``. Servers given in settings are probed and reported as engine
    ``"external"``. Must not be called from inside a running event loop.
    """
    _require_no_running_loop("stack_status")
    settings = settings or StackSettings()
    records = load_records(settings.stack_dir)
    rows: dict[str, dict[str, Any]] = {}
    probes: dict[str, str] = {}
    for name in COMPONENTS:
        given = _given_endpoint(name, settings)
        record = records.get(name)
        if given is not None:
            rows[name] = {
                "engine": "external",
                "pid": None,
                "port": None,
                "endpoint": given,
                "running": None,
                "log_file": None,
            }
            probes[name] = given
        elif record is not None:
            running = _is_ours(record, settings.stack_dir)
            rows[name] = {
                "engine": record.engine,
                "pid": record.pid,
                "port": record.port,
                "endpoint": record.endpoint,
                "running": running,
                "log_file": record.log_file,
            }
            if running:
                probes[name] = record.endpoint
        else:
            rows[name] = {
                "engine": None,
                "pid": None,
                "port": _local_port(name, settings),
                "endpoint": _local_endpoint(name, settings),
                "running": False,
                "log_file": None,
            }

    async def run() -> dict[str, str | None]:
        names = list(probes)
        results = await asyncio.gather(
            *(_probe(_checker(n), probes[n], STATUS_CHECK_TIMEOUT_S) for n in names)
        )
        return dict(zip(names, results, strict=True))

    errors = _run(run()) if probes else {}
    for name, row in rows.items():
        row["healthy"] = name in errors and errors[name] is None
        row["error"] = errors.get(name)
    return {
        "stack_dir": str(settings.stack_dir),
        "healthy": all(row["healthy"] for row in rows.values()),
        "components": rows,
    }
