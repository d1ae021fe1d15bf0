"""Tracking's worker processes (faust, and a timer).

tracking-worker run facts          the facts projection (figures, case lists, timelines)
tracking-worker run cases          the reaction: roadshow's events open tracking cases
tracking-worker run followups      the timer: overdue and stalled cases, summary reminders
tracking-worker rebuild facts      replay the topics into a new generation of the facts
"""

from __future__ import annotations

import asyncio
import signal

import structlog
from prometheus_client import start_http_server

from tracking.application.timers import run_timer
from tracking.bootstrap import (
    bootstrap,
    facts_queries,
    projection_definitions,
    reaction_definitions,
)
from tracking.config import TrackingSettings
from ztc_shared.clock import SystemClock
from ztc_shared.eventstore.mongo import prepare_event_store
from ztc_shared.mongo import make_client
from ztc_shared.observability.logging import configure_logging
from ztc_shared.workers import WORKER_READY
from ztc_shared.workers.cli import worker_main

log = structlog.get_logger()

FOLLOWUPS = "followups"


async def serve_timer(settings: TrackingSettings) -> None:
    """Run the follow-up timer every ``timer_interval_seconds`` until SIGTERM or SIGINT."""
    client = make_client(settings.mongodb_uri)
    database = client[settings.database]
    await prepare_event_store(database)
    facts = facts_queries(settings, database)
    tracking = bootstrap(settings, database=database, figures=facts, clock=SystemClock())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info(WORKER_READY, timer=FOLLOWUPS, interval_s=settings.timer_interval_seconds)
    try:
        while not stop.is_set():
            try:
                outcome = await run_timer(tracking.ports, facts, settings.region)
                if outcome.flagged_cases or outcome.reminded:
                    log.info(
                        "tracking.timer_fired",
                        flagged=len(outcome.flagged_cases),
                        reminded=len(outcome.reminded),
                    )
            except Exception as error:  # noqa: BLE001 - the database away: try at the next tick
                log.warning("tracking.timer_failed", error=repr(error))
            try:
                await asyncio.wait_for(stop.wait(), timeout=settings.timer_interval_seconds)
            except TimeoutError:
                pass
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    settings = TrackingSettings()
    if argv is None:
        import sys

        argv = sys.argv[1:]
    if argv[:2] == ["run", FOLLOWUPS]:
        configure_logging(
            settings.service, settings.region, settings.log_level, json=settings.log_json
        )
        start_http_server(settings.worker_metrics_port, addr=settings.host)
        asyncio.run(serve_timer(settings))
        return 0
    return worker_main(
        settings, projection_definitions(settings), argv, reactions=reaction_definitions(settings)
    )


if __name__ == "__main__":
    raise SystemExit(main())
