"""Tracking's command handlers: each loads one aggregate, calls one method, appends what it decided.

Drafting a summary reads the host's year from the figures (a read model) and hands it to the
aggregate as facts; everything else decides on the aggregate's own state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from tracking.domain.case import TrackingCase
from tracking.domain.commands import (
    AcceptSummary,
    DraftSummary,
    GrantPolicySupport,
    OpenCase,
    RecordIndustrialisation,
    RecordLanding,
    ReportProgress,
    ReturnSummary,
    SignDeal,
    SubmitSummary,
    TerminateCase,
)
from tracking.domain.summary import SUMMARY_STATUS_NAMES, YearSummary
from ztc_shared.application import CommandContext, CommandResult, execute
from ztc_shared.auth import Role
from ztc_shared.clock import Clock
from ztc_shared.contracts.tracking import (
    STAGE_NAMES,
    SummaryFigures,
    summary_id,
)
from ztc_shared.domain import Aggregate, Forbidden, NotFound
from ztc_shared.events import EVENTS
from ztc_shared.eventstore import EventStore, StreamReader


class FiguresSource(Protocol):
    """The year's figures of a host, assembled from events (the facts read model)."""

    async def summary_figures(self, host_id: str, year: int) -> SummaryFigures: ...


@dataclass(frozen=True)
class Ports:
    store: EventStore
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


async def open_case(
    ports: Ports, command: OpenCase, context: CommandContext, stream_id: str | None
) -> CommandResult:
    assert stream_id is not None, "a case's id is derived from its cause"
    today = ports.clock.now().date()

    def decide(case: TrackingCase) -> None:
        case.follow_up_months = ports.follow_up_months
        case.open(command, today=today)

    return await execute(
        ports.store,
        TrackingCase,
        stream_id,
        context,
        decide,
        command="open_case",
        clock=ports.clock,
        must_exist=False,
        body=case_body,
    )


def _case_command(
    name: str, act: Callable[[TrackingCase, Any, Any], None]
) -> Callable[[Ports, Any, CommandContext, str | None], Awaitable[CommandResult]]:
    async def handle(
        ports: Ports, command: Any, context: CommandContext, stream_id: str | None
    ) -> CommandResult:
        if stream_id is None:
            raise NotFound("tracking_case", "")
        today = ports.clock.now().date()

        def decide(case: TrackingCase) -> None:
            _may_act_on(case, context)
            case.follow_up_months = ports.follow_up_months
            act(case, command, today)

        return await execute(
            ports.store,
            TrackingCase,
            stream_id,
            context,
            decide,
            command=name,
            clock=ports.clock,
            body=case_body,
        )

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


report_progress = _case_command(
    "report_progress", lambda c, cmd, t: c.report_progress(cmd, today=t)
)
sign_deal = _case_command("sign_deal", lambda c, cmd, t: c.sign_deal(cmd, today=t))
record_landing = _case_command("record_landing", lambda c, cmd, t: c.record_landing(cmd, today=t))
record_industrialisation = _case_command(
    "record_industrialisation", lambda c, cmd, t: c.record_industrialisation(cmd, today=t)
)
grant_support = _case_command("grant_support", lambda c, cmd, t: c.grant_support(cmd, today=t))
terminate_case = _case_command("terminate_case", lambda c, cmd, t: c.terminate(cmd, today=t))


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
        command="flag_case",
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


async def draft_summary(
    ports: Ports, command: DraftSummary, context: CommandContext, stream_id: str | None
) -> CommandResult:
    year, host_id = _summary_key(stream_id)
    assert stream_id is not None
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

    return await execute(
        ports.store,
        YearSummary,
        stream_id,
        context,
        decide,
        command="draft_summary",
        clock=ports.clock,
        must_exist=False,
        body=summary_body,
    )


async def submit_summary(
    ports: Ports, command: SubmitSummary, context: CommandContext, stream_id: str | None
) -> CommandResult:
    _, host_id = _summary_key(stream_id)
    assert stream_id is not None
    _own_summary(context, host_id)
    today = ports.clock.now().date()
    return await execute(
        ports.store,
        YearSummary,
        stream_id,
        context,
        lambda s: s.submit(today=today),
        command="submit_summary",
        clock=ports.clock,
        body=summary_body,
    )


async def accept_summary(
    ports: Ports, command: AcceptSummary, context: CommandContext, stream_id: str | None
) -> CommandResult:
    _summary_key(stream_id)
    assert stream_id is not None
    return await execute(
        ports.store,
        YearSummary,
        stream_id,
        context,
        lambda s: s.accept(command.comment),
        command="accept_summary",
        clock=ports.clock,
        body=summary_body,
    )


async def return_summary(
    ports: Ports, command: ReturnSummary, context: CommandContext, stream_id: str | None
) -> CommandResult:
    _summary_key(stream_id)
    assert stream_id is not None
    return await execute(
        ports.store,
        YearSummary,
        stream_id,
        context,
        lambda s: s.return_with(command.comments),
        command="return_summary",
        clock=ports.clock,
        body=summary_body,
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
        command="remind_summary",
        clock=ports.clock,
        must_exist=False,
        body=summary_body,
    )


Handler = Callable[[Ports, Any, CommandContext, str | None], Awaitable[CommandResult]]

HANDLERS: dict[type[Any], Handler] = {
    OpenCase: open_case,
    ReportProgress: report_progress,
    SignDeal: sign_deal,
    RecordLanding: record_landing,
    RecordIndustrialisation: record_industrialisation,
    GrantPolicySupport: grant_support,
    TerminateCase: terminate_case,
    DraftSummary: draft_summary,
    SubmitSummary: submit_summary,
    AcceptSummary: accept_summary,
    ReturnSummary: return_summary,
}


A = TypeVar("A", bound=Aggregate)


async def load(store: StreamReader, kind: type[A], stream_id: str) -> A:
    """An aggregate as recorded (a new one when its stream is empty or of another kind).

    Always read from the database (``fresh``): the API, the ``cases`` reaction and the follow-up
    timer all append to cases, and the store's cache is corrected only by a command's conflict."""
    loaded = await store.load(stream_id, fresh=True)
    if loaded.version and loaded.events[0].stream_type != kind.stream_type:
        return kind(stream_id)
    return kind.rehydrate(stream_id, [EVENTS.payload(e) for e in loaded.events])
