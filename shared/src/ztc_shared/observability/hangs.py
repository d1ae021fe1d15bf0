"""Noticing a store that hangs: a probe that tells hung from down, and requests that wait too long.

A database that is down answers with errors, fast; a restart of the process would not help. A store
that *hangs* — connections open, no answer — leaves every request waiting, and a fresh process (new
connections) is the cure when the hang is on this side. So :class:`StoreWatch` counts only timeouts
as hanging, and liveness fails only after a hang has lasted a while.

:class:`SlowRequestMiddleware` logs each request still running after a threshold (again at twice
it, and so on) with what it waits on: the MongoDB commands it has in flight (seen by
:data:`IN_FLIGHT`, a pymongo command listener every client of :func:`ztc_shared.mongo.make_client`
carries) and the innermost frame its task is suspended in. Nothing runs while no request is slow: a
timer per request, cancelled when it ends.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import structlog
from pymongo import monitoring
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from starlette.types import ASGIApp, Receive, Scope, Send

log = structlog.get_logger(__name__)

PROBE_COLLECTION = "store_probe"
_request_key: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "ztc_request_key", default=None
)
_keys = itertools.count(1)


@dataclass
class _Command:
    name: str
    database: str
    collection: str | None
    started: float


class InFlightCommands(monitoring.CommandListener):
    """MongoDB commands started and not yet answered, by the request that started them."""

    def __init__(self) -> None:
        self._commands: dict[tuple[Any, int], tuple[int | None, _Command]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        self._commands[(event.connection_id, event.request_id)] = (
            _request_key.get(),
            _Command(
                name=event.command_name,
                database=event.database_name,
                collection=target if isinstance(target, str) else None,
                started=time.monotonic(),
            ),
        )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._commands.pop((event.connection_id, event.request_id), None)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._commands.pop((event.connection_id, event.request_id), None)

    def of_request(self, key: int) -> list[dict[str, Any]]:
        """What the request ``key`` waits on, oldest first, in words a log reader can use."""
        now = time.monotonic()
        found = [command for owner, command in self._commands.values() if owner == key]
        return [
            {
                "mongodb": command.name,
                "database": command.database,
                "collection": command.collection,
                "waiting_s": round(now - command.started, 1),
            }
            for command in sorted(found, key=lambda c: c.started)
        ]


IN_FLIGHT = InFlightCommands()


@dataclass
class StoreWatch:
    """Probes a service's own database with a real read, within ``timeout_s``.

    The probe reads one document of ``store_probe`` (written once), because a ping is answered by the
    server without touching the database, and a read of a collection that does not exist either."""

    database: AsyncDatabase[dict[str, Any]]
    timeout_s: float = 3.0
    _hung_since: float | None = field(default=None, init=False)
    _seeded: bool = field(default=False, init=False)

    async def _read(self) -> None:
        if not self._seeded:
            try:
                await self.database[PROBE_COLLECTION].insert_one({"_id": "probe"})
            except DuplicateKeyError:
                pass
            self._seeded = True
        await self.database[PROBE_COLLECTION].find_one({"_id": "probe"})

    async def probe(self) -> None:
        """Raise ``TimeoutError`` when the store does not answer in time (hung), or the driver's
        error when it answers with one (down); return when it answers."""
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._read(), self.timeout_s)
        except TimeoutError:
            if self._hung_since is None:
                self._hung_since = started
            log.warning(
                "store.probe_timed_out",
                database=self.database.name,
                hung_for_s=round(self.hung_for(), 1),
            )
            raise
        except Exception:
            self._hung_since = None  # an answer, if an error: down, not hung
            raise
        self._hung_since = None

    def hung_for(self) -> float:
        """Seconds since the first of the probes that have timed out one after another (0: none)."""
        return 0.0 if self._hung_since is None else time.monotonic() - self._hung_since


def suspended_in(task: asyncio.Task[Any], depth: int = 5) -> list[str]:
    """The innermost ``depth`` frames of the await chain ``task`` is suspended in, innermost last.

    ``Task.get_stack`` gives only the outermost frame of a suspended coroutine; the chain of
    ``cr_await`` links leads to where it actually waits."""
    frames: list[str] = []
    awaitable: Any = task.get_coro()
    while awaitable is not None:
        frame = next(
            (
                getattr(awaitable, name)
                for name in ("cr_frame", "gi_frame", "ag_frame")
                if getattr(awaitable, name, None) is not None
            ),
            None,
        )
        if frame is None:
            break
        filename = frame.f_code.co_filename.rsplit("/", 1)[-1]
        frames.append(f"{frame.f_code.co_name} ({filename}:{frame.f_lineno})")
        awaitable = next(
            (
                getattr(awaitable, name)
                for name in ("cr_await", "gi_yieldfrom", "ag_await")
                if getattr(awaitable, name, None) is not None
            ),
            None,
        )
    return frames[-depth:]


class SlowRequestMiddleware:
    """Logs ``request.slow`` for a request still running after ``threshold_s``, then at 2×, 4×…"""

    def __init__(self, app: ASGIApp, threshold_s: float = 10.0) -> None:
        self.app = app
        self.threshold_s = threshold_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = next(_keys)
        token = _request_key.set(key)
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        handle: asyncio.TimerHandle | None = None
        bound = structlog.contextvars.get_contextvars()

        def report(after: float) -> None:
            nonlocal handle
            log.warning(
                "request.slow",
                method=scope.get("method"),
                path=scope.get("path"),
                running_s=round(time.monotonic() - started, 1),
                waiting_on=IN_FLIGHT.of_request(key),
                suspended_in=suspended_in(task) if task is not None else [],
                **{k: v for k, v in bound.items() if k == "correlation_id"},
            )
            handle = loop.call_later(after * 2, report, after * 2)

        handle = loop.call_later(self.threshold_s, report, self.threshold_s)
        try:
            await self.app(scope, receive, send)
        finally:
            if handle is not None:
                handle.cancel()
            _request_key.reset(token)
