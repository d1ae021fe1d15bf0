"""quiet_take gives the batches faust's noack_take gives, and sleeps while nothing arrives."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import faust

from ztc_shared.workers.batching import quiet_take


def _app() -> faust.App:
    return faust.App(
        f"quiet-take-{time.monotonic_ns()}", broker="kafka://127.0.0.1:1", web_enabled=False
    )


async def test_batches_are_at_most_max_and_flushed_within_the_window() -> None:
    app = _app()
    batches: list[list[int]] = []

    @app.agent()
    async def consume(stream: Any) -> None:
        async for events in quiet_take(stream, 3, 0.05):
            batches.append([e.value for e in events])
            for event in events:
                await stream.ack(event)

    async with consume.test_context() as agent:
        for value in range(7):
            await agent.put(value)
        for _ in range(100):
            if sum(len(b) for b in batches) == 7:
                break
            await asyncio.sleep(0.02)
    assert [v for b in batches for v in b] == list(range(7))
    assert all(1 <= len(b) <= 3 for b in batches)


async def test_an_idle_stream_does_not_wake_the_batcher() -> None:
    app = _app()
    wakes = 0

    @app.agent()
    async def consume(stream: Any) -> None:
        nonlocal wakes
        original = stream.wait_for_stopped

        async def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal wakes
            wakes += 1
            return await original(*args, **kwargs)

        stream.wait_for_stopped = counted
        async for events in quiet_take(stream, 100, 0.02):
            for event in events:
                await stream.ack(event)

    async with consume.test_context() as agent:
        await agent.put(1)
        await asyncio.sleep(0.1)
        settled = wakes
        await asyncio.sleep(0.5)  # idle: faust's noack_take would look 25 times by now
        assert wakes - settled <= 1
