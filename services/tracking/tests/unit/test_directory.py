"""The in-memory roadshow directory passes the directory contract."""

from __future__ import annotations

from directory_contract import check_directory

from tracking.application.reactions import InMemoryRoadshowDirectory


async def test_the_in_memory_directory_passes_the_contract() -> None:
    await check_directory(InMemoryRoadshowDirectory())
