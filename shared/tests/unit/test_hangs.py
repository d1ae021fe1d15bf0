"""A store that hangs is told from one that is down; readiness, liveness and slow requests say so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from ztc_shared.observability.hangs import StoreWatch
from ztc_shared.settings import ServiceSettings
from ztc_shared.web import create_app
from ztc_shared.web.app import LivenessCheck, ReadinessCheck


class FakeCollection:
    """Answers, hangs or fails as the test says."""

    def __init__(self) -> None:
        self.mode = "answer"
        self.documents: dict[str, dict[str, Any]] = {}

    async def _act(self) -> None:
        if self.mode == "hang":
            await asyncio.Event().wait()
        if self.mode == "fail":
            raise ConnectionRefusedError("down")

    async def insert_one(self, document: dict[str, Any]) -> None:
        await self._act()
        self.documents[document["_id"]] = document

    async def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        await self._act()
        return self.documents.get(query["_id"])


class FakeDatabase:
    name = "ztc_test"

    def __init__(self) -> None:
        self.collection = FakeCollection()

    def __getitem__(self, name: str) -> FakeCollection:
        return self.collection


async def test_timeouts_one_after_another_count_as_hung_and_an_answer_ends_it() -> None:
    database = FakeDatabase()
    watch = StoreWatch(database, timeout_s=0.05)  # type: ignore[arg-type]
    await watch.probe()
    assert database.collection.documents == {"probe": {"_id": "probe"}}  # written once, then read
    database.collection.mode = "hang"
    for _ in range(3):
        with pytest.raises(TimeoutError):
            await watch.probe()
    assert watch.hung_for() >= 0.1  # since the first of the three, not the last
    database.collection.mode = "answer"
    await watch.probe()
    assert watch.hung_for() == 0.0


async def test_a_store_that_fails_fast_is_down_not_hung() -> None:
    database = FakeDatabase()
    watch = StoreWatch(database, timeout_s=0.05)  # type: ignore[arg-type]
    database.collection.mode = "hang"
    with pytest.raises(TimeoutError):
        await watch.probe()
    database.collection.mode = "fail"
    with pytest.raises(ConnectionRefusedError):
        await watch.probe()
    assert watch.hung_for() == 0.0  # restarting this process would not bring the store back


def _app(database: FakeDatabase, **settings: Any) -> tuple[FastAPI, StoreWatch]:
    watch = StoreWatch(database, timeout_s=0.05)  # type: ignore[arg-type]
    config = ServiceSettings(service="test", **settings)
    router = APIRouter()

    @router.get("/slow")
    async def slow() -> dict[str, str]:
        await database.collection.find_one({"_id": "probe"})
        return {"status": "done"}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.readiness_checks.append(ReadinessCheck("mongodb", watch.probe))
        app.state.liveness_checks.append(LivenessCheck("mongodb", watch.probe, watch.hung_for))
        yield

    app = create_app(
        settings=config, title="t", description="d", routers=[router], lifespan=lifespan
    )
    return app, watch


def test_readiness_fails_in_bounded_time_and_liveness_only_after_the_hang_lasts() -> None:
    database = FakeDatabase()
    app, _watch = _app(database, liveness_hang_s=0.3)
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        assert client.get("/healthz").status_code == 200
        database.collection.mode = "hang"
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["mongodb"] == "failed: TimeoutError"
        assert client.get("/healthz").status_code == 200  # hung, but not for long yet
        import time

        time.sleep(0.35)
        live = client.get("/healthz")
        assert live.status_code == 503
        assert live.json()["status"] == "hung"
        assert live.json()["hung_for_s"]["mongodb"] >= 0.3
        database.collection.mode = "answer"
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


def test_a_request_that_hangs_is_logged_with_where_it_waits() -> None:
    database = FakeDatabase()
    app, _watch = _app(database, slow_request_s=0.05)
    database.collection.documents["probe"] = {"_id": "probe"}

    async def scenario() -> list[dict[str, Any]]:
        import httpx

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            database.collection.mode = "hang"
            with capture_logs() as logs:
                request = asyncio.create_task(
                    client.get("/slow", headers={"X-Correlation-ID": "req-hang"})
                )
                await asyncio.sleep(0.25)
                request.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await request
        return logs

    logs = asyncio.run(scenario())
    slow = [entry for entry in logs if entry["event"] == "request.slow"]
    assert len(slow) >= 2, logs  # at the threshold, and again at twice it
    first = slow[0]
    assert first["path"] == "/slow"
    assert first["method"] == "GET"
    assert first["correlation_id"] == "req-hang"
    assert first["running_s"] >= 0.05
    waits = " > ".join(first["suspended_in"])
    assert "find_one (test_hangs.py" in waits and "_act (test_hangs.py" in waits, waits
    assert slow[1]["running_s"] >= 0.15  # the second report comes at twice the threshold
