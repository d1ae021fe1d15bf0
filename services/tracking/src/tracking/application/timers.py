"""The worker's timer: flag overdue and stalled cases, remind hosts of their summaries.

The timer reads the facts projection to find candidates (cheap, possibly a little behind) and sends
each one a command; the aggregate decides from its own state, so a candidate the projection shows
wrongly is a no-op, and each flag is announced once per due date or stretch without progress however
often the timer fires (or however many workers run it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

import structlog

from tracking.application.figures import Facts
from tracking.application.handlers import Ports, flag_case, remind_summary
from tracking.domain.summary import REMINDER_DAYS, deadline_of
from ztc_shared.application import CommandContext

log = structlog.get_logger()

ACTOR = "tracking-timer"


class CaseSource(Protocol):
    async def cases(self, filters: dict[str, Any], limit: int = 500) -> list[dict[str, Any]]: ...

    async def all(self) -> Facts: ...


@dataclass
class TimerOutcome:
    flagged_cases: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)


def _context(region: str, correlation: str) -> CommandContext:
    return CommandContext(actor=ACTOR, region=region, correlation_id=correlation)


def _needs_flag(case: dict[str, Any], today: date, stall_days: int) -> bool:
    if case.get("stage") in ("terminated", None):
        return False
    due = case.get("next_follow_up")
    if due and date.fromisoformat(due) < today and case.get("overdue_for") != due:
        return True
    last = case.get("last_progress_on")
    return bool(
        last
        and case.get("stage") != "industrialised"
        and date.fromisoformat(last) + timedelta(days=stall_days) <= today
        and case.get("stalled_for") != last
    )


async def run_timer(ports: Ports, source: CaseSource, region: str) -> TimerOutcome:
    today = ports.clock.now().date()
    outcome = TimerOutcome()
    correlation = f"timer-{today.isoformat()}"
    for case in await source.cases({}, limit=1_000_000):
        if not _needs_flag(case, today, ports.stall_days):
            continue
        result = await flag_case(ports, case["_id"], _context(region, correlation))
        if result.events:
            outcome.flagged_cases.append(case["_id"])
            log.info(
                "tracking.case_flagged",
                case_id=case["_id"],
                events=[e.event_type for e in result.events],
            )
    outcome.reminded = await remind_summaries(ports, await source.all(), region, today)
    return outcome


async def remind_summaries(ports: Ports, facts: Facts, region: str, today: date) -> list[str]:
    """Hosts that held or planned a roadshow this year (or last year, once overdue)."""
    reminded: list[str] = []
    hosts: set[tuple[int, str]] = {
        (int(d["year"]), str(d["host_id"]))
        for d in facts.of("roadshow_event")
        if d.get("host_id") and d.get("year")
    }
    statuses = {
        (int(d["year"]), str(d["host_id"])): d.get("status")
        for d in facts.of("year_summary")
        if d.get("host_id") and d.get("year")
    }
    correlation = f"timer-{today.isoformat()}"
    for year, host_id in sorted(hosts):
        if statuses.get((year, host_id)) in ("submitted", "accepted"):
            continue
        days_left = (deadline_of(year) - today).days
        if days_left > max(REMINDER_DAYS) or days_left < -366:
            continue
        result = await remind_summary(ports, year, host_id, _context(region, correlation))
        if result.events:
            reminded.append(result.stream_id)
    return reminded
