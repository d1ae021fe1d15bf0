"""The demo catalogue loads through intake's API as far as each item's stage, and only once."""

from __future__ import annotations

import httpx
import pytest

from intake.demo.catalogue import catalogue
from intake.demo.loader import EVALUATORS, load_catalogue
from tests.e2e.conftest import SETTINGS, Slice, bearer
from ztc_shared.auth import Role, mint_token

pytestmark = pytest.mark.integration


async def test_each_item_reaches_its_stage_and_a_second_run_writes_nothing(
    running_slice: Slice,
) -> None:
    items = catalogue(10)
    tokens = {
        "holder": mint_token(
            SETTINGS, subject="demo-e2e-holder", role=Role.HOLDER, region="440000"
        ),
        "province": mint_token(SETTINGS, subject="gd-e2e", role=Role.PROVINCE, region="440000"),
        **{
            e["evaluator_id"]: mint_token(
                SETTINGS, subject=e["evaluator_id"], role=Role.EXPERT, region="440000"
            )
            for e in EVALUATORS
        },
    }
    first = await load_catalogue(running_slice.intake, tokens, items)
    assert first.failures == []
    assert (first.created, first.already_there) == (10, 0)

    holder = bearer(Role.HOLDER, "demo-e2e-holder")
    statuses = set()
    async with httpx.AsyncClient(base_url=running_slice.intake, timeout=10) as client:
        for achievement_id, version in first.last_versions.items():
            state = await client.get(f"/achievements/{achievement_id}", headers=holder)
            assert state.status_code == 200, state.text
            assert state.json()["stream_version"] == version
            statuses.add(state.json()["status"])
    assert statuses == {item.stage for item in items}

    again = await load_catalogue(running_slice.intake, tokens, items)
    assert again.failures == []
    assert (again.created, again.already_there) == (0, 10)
    assert again.last_versions == first.last_versions
