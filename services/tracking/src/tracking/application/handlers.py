"""Tracking's command handlers: each loads one aggregate, calls one method, appends what it decided.

``tracking.bootstrap`` maps every command to its handler; a case's commands name the case's method
they call (``on_case(TrackingCase.sign_deal)``). Drafting a summary reads the host's year from the
figures (a read model) and hands it to the aggregate as facts; everything else decides on the
aggregate's own state. The follow-up timer's commands (``flag_case``, ``remind_summary``) are
called by the timer directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from tracking.domain.case import TrackingCase
from tracking.domain.commands import (
    AcceptSummary,
    DraftSummary,
    OpenCase,
    ReturnSummary,
    SubmitSummary,
)
from tracking.domain.summary import SUMMARY_STATUS_NAMES, YearSummary
from ztc_shared.application import Call, CommandContext, CommandResult, execute, idempotency_scope
from ztc_shared.auth import Role
from ztc_shared.clock import Clock
from ztc_shared.contracts.tracking import (
    STAGE_NAMES,
    SummaryFigures,
    summary_id,
)
from ztc_shared.domain import Aggregate, Forbidden, NotFound
from ztc_shared.events import EVENTS
from ztc_shared.eventstore import CommandStore, StreamReader

SERVICE = "tracking"
# The timer's commands, which no route sends: their scopes, named by the same rule.
FLAG_CASE = idempotency_scope(SERVICE, "FlagCase")
REMIND_SUMMARY = idempotency_scope(SERVICE, "RemindSummary")


class FiguresSource(Protocol):
    """The year's figures of a host, assembled from events (the facts read model)."""

    async def summary_figures(self, host_id: str, year: int) -> SummaryFigures: ...


@dataclass(frozen=True)
class Ports:
    store: CommandStore
    clock: Clock
    figures: FiguresSource
    follow_up_months: int = 3
    stall_days: int = 180


def case_body(case: TrackingCase, version: int) -> dict[str, Any]:
    return {
        "id": case.id,
        "stream_version": version,
        "stage": case.stage.value,
        "stage_name": STAGE_NAMES[case.stage],
    }


def summary_body(summary: YearSummary, version: int) -> dict[str, Any]:
    return {
        "id": summary.id,
        "stream_version": version,
        "status": summary.status.value,
        "status_name": SUMMARY_STATUS_NAMES[summary.status],
    }


async def open_case(ports: Ports, call: Call[OpenCase]) -> CommandResult:
    assert call.stream_id is not None, "a case's id is derived from its cause"
    command, today = call.command, ports.clock.now().date()

    def decide(case: TrackingCase) -> None:
        case.follow_up_months = ports.follow_up_months
        case.open(command, today=today)

    return await call.execute(
        TrackingCase, call.stream_id, decide, must_exist=False, body=case_body
    )


def on_case(
    method: Callable[..., None],
) -> Callable[[Ports, Call[Any]], Awaitable[CommandResult]]:
    """The handler of a command on an open case: ``method(case, command, today=…)``, after
    checking that the caller may act on that case."""

    async def handle(ports: Ports, call: Call[Any]) -> CommandResult:
        if call.stream_id is None:
            raise NotFound("tracking_case", "")
        command, context, today = call.command, call.context, ports.clock.now().date()

        def decide(case: TrackingCase) -> None:
            _may_act_on(case, context)
            case.follow_up_months = ports.follow_up_months
            method(case, command, today=today)

        return await call.execute(TrackingCase, call.stream_id, decide, body=case_body)

    handle.__qualname__ = f"on_case({method.__qualname__})"
    return handle


def _may_act_on(case: TrackingCase, context: CommandContext) -> None:
    """A host records progress only on the cases of its own roadshows (or cases without a host)."""
    if context.role != Role.HOST.value or case.opened is None:
        return
    host = case.opened.host_id
    if host and host != context.actor and host != context.organisation:
        raise Forbidden(
            "case.other_host",
            "只能登记本单位承办路演项目的跟踪进展",
            "A host records progress only on its own roadshows' cases",
        )


async def flag_case(ports: Ports, case_id: str, context: CommandContext) -> CommandResult:
    """The timer's command: announce what is overdue or stalled on one case (nothing if nothing)."""
    today = ports.clock.now().date()

    def decide(case: TrackingCase) -> None:
        case.flag_overdue(today=today)
        case.flag_stalled(today=today, threshold_days=ports.stall_days)

    return await execute(
        ports.store,
        TrackingCase,
        case_id,
        context,
        decide,
        command=FLAG_CASE,
        clock=ports.clock,
        body=case_body,
    )


# --- summaries ----------------------------------------------------------------------------------


def _summary_key(stream_id: str | None) -> tuple[int, str]:
    if stream_id is None or not stream_id.startswith("summary-"):
        raise NotFound("year_summary", stream_id or "")
    _, year, host_id = stream_id.split("-", 2)
    if not year.isdigit() or not host_id:
        raise NotFound("year_summary", stream_id)
    return int(year), host_id


def _own_summary(context: CommandContext, host_id: str) -> None:
    if context.role == Role.HOST.value and host_id not in (context.actor, context.organisation):
        raise Forbidden(
            "summary.other_host",
            "只能编写和提交本单位的工作总结",
            "A host writes and submits only its own summary",
        )


async def draft_summary(ports: Ports, call: Call[DraftSummary]) -> CommandResult:
    command, context, stream_id = call.command, call.context, call.named_stream()
    year, host_id = _summary_key(call.stream_id)
    _own_summary(context, host_id)
    figures = await ports.figures.summary_figures(host_id, year)

    def decide(summary: YearSummary) -> None:
        summary.draft_summary(
            region=context.region,
            year=year,
            host_id=host_id,
            host_name=command.host_name,
            figures=figures,
            narrative=command.narrative,
        )

    return await call.execute(YearSummary, stream_id, decide, must_exist=False, body=summary_body)


async def submit_summary(ports: Ports, call: Call[SubmitSummary]) -> CommandResult:
    _, host_id = _summary_key(call.stream_id)
    _own_summary(call.context, host_id)
    today = ports.clock.now().date()
    return await call.execute(
        YearSummary, call.named_stream(), lambda s: s.submit(today=today), body=summary_body
    )


async def accept_summary(ports: Ports, call: Call[AcceptSummary]) -> CommandResult:
    _summary_key(call.stream_id)
    comment = call.command.comment
    return await call.execute(
        YearSummary, call.named_stream(), lambda s: s.accept(comment), body=summary_body
    )


async def return_summary(ports: Ports, call: Call[ReturnSummary]) -> CommandResult:
    _summary_key(call.stream_id)
    comments = call.command.comments
    return await call.execute(
        YearSummary, call.named_stream(), lambda s: s.return_with(comments), body=summary_body
    )


async def remind_summary(
    ports: Ports, year: int, host_id: str, context: CommandContext
) -> CommandResult:
    """The timer's command: the next reminder (or the overdue flag) of one host's summary."""
    today = ports.clock.now().date()

    def decide(summary: YearSummary) -> None:
        summary.remind(region=context.region, year=year, host_id=host_id, today=today)

    return await execute(
        ports.store,
        YearSummary,
        summary_id(year, host_id),
        context,
        decide,
        command=REMIND_SUMMARY,
        clock=ports.clock,
        must_exist=False,
        body=summary_body,
    )


A = TypeVar("A", bound=Aggregate)


async def load(store: StreamReader, kind: type[A], stream_id: str) -> A:
    """An aggregate as recorded (a new one when its stream is empty or of another kind).

    Always read from the database (``fresh``): the API, the ``cases`` reaction and the follow-up
    timer all append to cases, and the store's cache is corrected only by a command's conflict."""
    loaded = await store.load(stream_id, fresh=True)
    if loaded.version and loaded.events[0].stream_type != kind.stream_type:
        return kind(stream_id)
    return kind.rehydrate(stream_id, [EVENTS.payload(e) for e in loaded.events])
