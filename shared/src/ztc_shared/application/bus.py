"""The command bus: a service's commands mapped, by reference, to what runs them.

As in cosmicpython's message bus, a route (or a reaction) builds a command and hands it, with its
context and the stream it names, to ``CommandBus.handle``; the bus looks up what runs that type of
command. The service's composition root (its ``bootstrap.py``) fills the bus with one line per
command, in one of two forms:

- ``bus.on(UpdateAchievement, Achievement.update)``: one method of one aggregate. The method object
  is named, not a string, so a reader (and a tool) goes from the command straight to the rule that
  decides it. It is called as ``method(aggregate, command, *given)``, where ``given`` is the caller's
  ``Actor`` unless the route reads more first (``given=``, e.g. the facts of another stream).
- ``bus.on(MergeDuplicate, merge_duplicate)``: an ``async`` handler ``handler(ports, call)`` for a
  command that needs more than one method of one aggregate (two streams, a command completed from
  a read model). It runs its aggregates through ``call.execute``.

Both run through ``execute``: idempotency, load, decide, append, and a retry when a cached state
was behind.

Idempotency scopes are named one way everywhere: ``<service>:<CommandType>``
(``idempotency_scope``); with the actor and the ``Idempotency-Key`` it names one request.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ztc_shared.application.commands import CommandContext, CommandResult, Decide, execute
from ztc_shared.clock import Clock
from ztc_shared.domain.actor import Actor
from ztc_shared.domain.aggregate import Aggregate
from ztc_shared.eventstore.ports import CommandStore

P = TypeVar("P")
C = TypeVar("C")
A = TypeVar("A", bound=Aggregate)

Body = Callable[[Any, int], dict[str, Any]]


def idempotency_scope(service: str, command: type[Any] | str) -> str:
    """The scope an ``Idempotency-Key`` is remembered in: ``<service>:<CommandType>``."""
    name = command if isinstance(command, str) else command.__name__
    return f"{service}:{name}"


@dataclass(frozen=True)
class Call(Generic[C]):
    """One command on its way through the bus: what was asked, by whom, naming which stream."""

    command: C
    context: CommandContext
    stream_id: str | None
    service: str
    store: CommandStore
    clock: Clock
    actor: Actor  # made from the context by the bus (a service's own kind of actor)

    @property
    def scope(self) -> str:
        return idempotency_scope(self.service, type(self.command))

    def named_stream(self) -> str:
        """The stream the route named; a command on an existing record cannot go without it."""
        if self.stream_id is None:
            raise ValueError(f"{type(self.command).__name__} needs the id of its stream")
        return self.stream_id

    async def execute(
        self,
        aggregate_type: type[A],
        stream_id: str,
        decide: Decide[A],
        *,
        must_exist: bool = True,
        new_stream: bool = False,
        body: Body | None = None,
        scope: str | None = None,
    ) -> CommandResult:
        """``execute`` on this call's store, clock and context, in this command's scope (or
        ``scope``, for a second stream a handler writes to)."""
        return await execute(
            self.store,
            aggregate_type,
            stream_id,
            self.context,
            decide,
            command=scope or self.scope,
            clock=self.clock,
            must_exist=must_exist,
            new_stream=new_stream,
            body=body,
        )


Handler = Callable[[P, Call[Any]], Awaitable[CommandResult]]
Given = Callable[[P, Call[Any]], Awaitable[Sequence[Any]]]


def named_stream(call: Call[Any]) -> str:
    """The default ``stream``: the one the route named."""
    return call.named_stream()


@dataclass(frozen=True)
class AggregateMethod(Generic[P]):
    """A command decided by one method of one aggregate."""

    aggregate: type[Aggregate]
    method: Callable[..., None]
    stream: Callable[[Call[Any]], str]
    new: Callable[[], str] | None
    given: Given[P] | None
    must_exist: bool
    body: Body | None

    async def __call__(self, ports: P, call: Call[Any]) -> CommandResult:
        fresh = call.stream_id is None and self.new is not None
        stream_id = self.new() if self.new is not None and fresh else self.stream(call)
        given = await self.given(ports, call) if self.given is not None else (call.actor,)
        method, command = self.method, call.command
        return await call.execute(
            self.aggregate,
            stream_id,
            lambda aggregate: method(aggregate, command, *given),
            must_exist=self.must_exist and self.new is None,
            new_stream=fresh,
            body=self.body,
        )


class CommandBus(Generic[P]):
    """One service's commands and what runs each; ``handle`` sends one.

    ``ports`` are what handlers and ``given`` functions reach for; ``store`` and ``clock`` are the
    write side every command runs on; ``actor`` makes the rules' ``Actor`` from a context (a
    service may extend the shared one with the role groups its rules name).
    """

    def __init__(
        self,
        service: str,
        ports: P,
        *,
        store: CommandStore,
        clock: Clock,
        actor: Callable[[CommandContext], Actor] = Actor.of,
    ) -> None:
        self.service = service
        self.ports = ports
        self._store = store
        self._clock = clock
        self._actor = actor
        self._routes: dict[type[Any], Handler[P]] = {}

    def on(
        self,
        command_type: type[Any],
        run: Callable[..., Any],
        *,
        aggregate: type[Aggregate] | None = None,
        stream: Callable[[Call[Any]], str] = named_stream,
        new: Callable[[], str] | None = None,
        given: Given[P] | None = None,
        must_exist: bool = True,
        body: Body | None = None,
    ) -> None:
        """Route ``command_type`` to ``run``: an ``async`` handler ``(ports, call)``, or a method
        of an aggregate (its class found from the method, or given as ``aggregate``).

        For a method: ``stream`` says which stream the command acts on (default: the one the
        route named); ``new`` makes a fresh id when the route names none (nothing is loaded then);
        ``given`` reads what the method takes after the command (default: the actor);
        ``must_exist=False`` lets the command start the stream; ``body`` shapes the reply.
        """
        if command_type in self._routes:
            raise ValueError(f"{command_type.__name__} is routed already")
        if inspect.iscoroutinefunction(run):
            self._routes[command_type] = run
            return
        self._routes[command_type] = AggregateMethod(
            aggregate=aggregate or _owner(run),
            method=run,
            stream=stream,
            new=new,
            given=given,
            must_exist=must_exist,
            body=body,
        )

    @property
    def routes(self) -> Mapping[type[Any], Handler[P]]:
        """Every command type this bus runs, with what runs it."""
        return dict(self._routes)

    async def handle(
        self, command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult:
        """Run ``command`` for ``context`` on the stream the caller names (if any)."""
        run = self._routes.get(type(command))
        if run is None:
            raise LookupError(f"{self.service} has no route for {type(command).__name__}")
        call = Call(
            command=command,
            context=context,
            stream_id=stream_id,
            service=self.service,
            store=self._store,
            clock=self._clock,
            actor=self._actor(context),
        )
        return await run(self.ports, call)


def _owner(method: Callable[..., Any]) -> type[Aggregate]:
    """The aggregate class a method was defined on (``Achievement.update`` → ``Achievement``)."""
    module = sys.modules.get(method.__module__)
    owner: Any = module
    for part in method.__qualname__.split(".")[:-1]:
        owner = getattr(owner, part, None)
    if not (isinstance(owner, type) and issubclass(owner, Aggregate)):
        raise TypeError(f"{method.__qualname__} is not a method of an aggregate; name it")
    return owner
