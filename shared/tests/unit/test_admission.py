"""Beyond what it can carry, an API refuses at once (503, Retry-After) and the admitted keep going."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import APIRouter

from ztc_shared.settings import ServiceSettings
from ztc_shared.web import create_app


def _app(release: asyncio.Event, **settings: object):  # type: ignore[no-untyped-def]
    router = APIRouter()

    @router.get("/work")
    async def work() -> dict[str, str]:
        await release.wait()
        return {"status": "done"}

    config = ServiceSettings(service="test", **settings)  # type: ignore[arg-type]
    return create_app(settings=config, title="t", description="d", routers=[router])


async def test_past_the_limit_and_the_queue_requests_are_refused_fast_and_in_chinese() -> None:
    release = asyncio.Event()
    app = _app(release, admission_limit=2, admission_queue=1, admission_wait_s=5)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        admitted = [asyncio.create_task(client.get("/work")) for _ in range(2)]
        await asyncio.sleep(0.05)
        queued = asyncio.create_task(client.get("/work"))
        await asyncio.sleep(0.05)
        asked = time.monotonic()
        refused = await client.get("/work", headers={"X-Correlation-ID": "busy-1"})
        assert time.monotonic() - asked < 0.5, "a refusal must not wait"
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        body = refused.json()
        assert body["error"] == "overloaded" and "系统繁忙" in body["message"]
        assert body["correlation_id"] == "busy-1"
        # health and readiness are answered whatever the load
        assert (await client.get("/healthz")).status_code == 200
        release.set()
        assert [r.status_code for r in await asyncio.gather(*admitted, queued)] == [200] * 3


async def test_a_waiting_request_that_gets_no_slot_in_time_is_refused() -> None:
    release = asyncio.Event()
    app = _app(release, admission_limit=1, admission_queue=4, admission_wait_s=0.1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        running = asyncio.create_task(client.get("/work"))
        await asyncio.sleep(0.05)
        waited = await client.get("/work")
        assert waited.status_code == 503
        release.set()
        assert (await running).status_code == 200
        assert (await client.get("/work")).status_code == 200  # the slot is free again


async def test_slots_freed_by_finished_requests_go_to_the_waiting_ones() -> None:
    release = asyncio.Event()
    app = _app(release, admission_limit=3, admission_queue=30, admission_wait_s=5)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        requests = [asyncio.create_task(client.get("/work")) for _ in range(20)]
        await asyncio.sleep(0.1)
        release.set()
        statuses = [r.status_code for r in await asyncio.gather(*requests)]
    assert statuses == [200] * 20
