"""The contract every ``RoadshowDirectory`` passes: the in-memory fake and the MongoDB adapter."""

from __future__ import annotations

from tracking.application.reactions import RoadshowDirectory


async def check_directory(directory: RoadshowDirectory) -> None:
    assert await directory.get("roadshow-unknown") is None
    await directory.merge("roadshow-1", {"host_id": "host-sz", "year": 2026, "title": "专场"})
    await directory.merge(
        "roadshow-1",
        {"pitches": {"a-1": {"title": "成果一", "institution": "中山大学", "field": None}}},
    )
    # A later merge adds fields and replaces those it names; the others stay.
    await directory.merge("roadshow-1", {"title": "新能源专场"})
    found = await directory.get("roadshow-1")
    assert found == {
        "host_id": "host-sz",
        "year": 2026,
        "title": "新能源专场",
        "pitches": {"a-1": {"title": "成果一", "institution": "中山大学", "field": None}},
    }
    # What a caller does with its copy does not change the directory.
    found["host_id"] = "someone-else"
    again = await directory.get("roadshow-1")
    assert again is not None and again["host_id"] == "host-sz"
    assert await directory.get("roadshow-2") is None
