"""The year, command by command: a province applies, Torch Center decides, the programme launches."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from roadshow.domain.commands import (
    ApproveHostApplication,
    RejectHostApplication,
)
from ztc_shared.domain import Forbidden, StateConflict

_spec = importlib.util.spec_from_file_location(
    "roadshow_scenarios", Path(__file__).with_name("roadshow_scenarios.py")
)
assert _spec is not None and _spec.loader is not None
scenarios = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("roadshow_scenarios", scenarios)
_spec.loader.exec_module(scenarios)

Scenario = scenarios.Scenario
PROVINCE, OTHER_PROVINCE, TORCH, HOST = (
    scenarios.PROVINCE,
    scenarios.OTHER_PROVINCE,
    scenarios.TORCH,
    scenarios.HOST,
)
YEAR = scenarios.YEAR
APPLICATION = f"host-application-{YEAR}-440000"


async def test_a_province_applies_with_the_factors_torch_center_weighs() -> None:
    s = Scenario()
    assert await s.when(scenarios.application(), PROVINCE) == ["HostApplicationSubmitted"]
    [submitted] = await s.payloads(APPLICATION)
    assert submitted["province"] == "440000"
    assert submitted["applicant_id"] == "gd-dept"
    assert submitted["company_scale"]["high_tech_enterprises"] == 24000
    assert submitted["funding_wan"] == "800"
    assert [h["kind"] for h in submitted["proposed_hosts"]] == [
        "municipal_department",
        "high_tech_zone",
    ]


async def test_only_a_provincial_department_applies() -> None:
    s = Scenario()
    refusal = await s.refused(scenarios.application(), HOST)
    assert isinstance(refusal, Forbidden) and refusal.code == "provinces_only"
    city = scenarios.context("sz-dept", "province", "440300")
    refusal = await s.refused(scenarios.application(), city)
    assert isinstance(refusal, Forbidden) and refusal.code == "not_a_province"


async def test_a_proposed_host_is_named_once() -> None:
    s = Scenario()
    host = {
        "host_id": "host-sz",
        "name": "深圳市科技创新局",
        "kind": "municipal_department",
        "region": "440300",
    }
    refusal = await s.refused(scenarios.application(proposed_hosts=[host, host]), PROVINCE)
    assert refusal.code == "duplicate_host"


def test_an_application_without_hosts_or_fields_is_malformed() -> None:
    with pytest.raises(ValidationError):
        scenarios.application(proposed_hosts=[])
    with pytest.raises(ValidationError):
        scenarios.application(fields=[])


async def test_torch_center_approves_and_may_confirm_only_some_hosts() -> None:
    s = Scenario()
    await s.when(scenarios.application(), PROVINCE)
    approve = ApproveHostApplication(host_ids=["host-sz"], note="广州高新区另行安排")
    assert await s.when(approve, TORCH, APPLICATION) == ["HostApplicationApproved"]
    approved = (await s.payloads(APPLICATION))[-1]
    assert [h["host_id"] for h in approved["confirmed_hosts"]] == ["host-sz"]


async def test_only_torch_center_decides_and_only_on_proposed_hosts() -> None:
    s = Scenario()
    await s.when(scenarios.application(), PROVINCE)
    refusal = await s.refused(ApproveHostApplication(), PROVINCE, APPLICATION)
    assert isinstance(refusal, Forbidden) and refusal.code == "torch_center_only"
    refusal = await s.refused(ApproveHostApplication(host_ids=["host-xx"]), TORCH, APPLICATION)
    assert refusal.code == "host_not_proposed"


async def test_a_rejection_has_a_reason_and_the_province_may_apply_again() -> None:
    s = Scenario()
    await s.when(scenarios.application(), PROVINCE)
    with pytest.raises(ValidationError):
        RejectHostApplication(reason="")
    reject = RejectHostApplication(reason="工作经费保障不足，请补充地方配套资金")
    assert await s.when(reject, TORCH, APPLICATION) == ["HostApplicationRejected"]
    assert (await s.payloads(APPLICATION))[-1]["reason"].startswith("工作经费")
    refusal = await s.refused(ApproveHostApplication(), TORCH, APPLICATION)
    assert isinstance(refusal, StateConflict) and refusal.code == "already_decided"
    assert await s.when(scenarios.application(funding_wan="1500"), PROVINCE) == [
        "HostApplicationSubmitted"
    ]
    assert await s.when(ApproveHostApplication(), TORCH, APPLICATION) == ["HostApplicationApproved"]


async def test_an_approved_application_changes_no_more() -> None:
    s = Scenario()
    await s.when(scenarios.application(), PROVINCE)
    await s.when(ApproveHostApplication(), TORCH, APPLICATION)
    refusal = await s.refused(scenarios.application(), PROVINCE)
    assert isinstance(refusal, StateConflict) and refusal.code == "already_approved"


async def test_launch_publishes_the_notice_with_the_hosts_of_approved_applications() -> None:
    s = Scenario()
    await s.when(scenarios.application(), PROVINCE)
    await s.when(ApproveHostApplication(host_ids=["host-sz"]), TORCH, APPLICATION)
    zhejiang = scenarios.application(
        proposed_hosts=[
            {
                "host_id": "host-hz",
                "name": "杭州高新区",
                "kind": "high_tech_zone",
                "region": "330100",
            }
        ]
    )
    await s.when(zhejiang, OTHER_PROVINCE)
    await s.when(
        RejectHostApplication(reason="产业基础与领域不匹配"),
        TORCH,
        f"host-application-{YEAR}-330000",
    )
    assert await s.when(scenarios.launch(), TORCH, str(YEAR)) == ["ProgrammeLaunched"]
    [launched] = await s.payloads(f"programme-{YEAR}")
    assert [(h["host_id"], h["province"]) for h in launched["hosts"]] == [("host-sz", "440000")]
    assert launched["audiences"] == ["researchers", "companies", "parks", "agencies"]
    assert launched["notice_title"].startswith("关于启动")


async def test_no_launch_without_an_approved_host_and_only_once() -> None:
    s = Scenario()
    refusal = await s.refused(scenarios.launch(), TORCH, str(YEAR))
    assert refusal.code == "no_hosts"
    await s.launched()
    refusal = await s.refused(scenarios.launch(), TORCH, str(YEAR))
    assert isinstance(refusal, StateConflict) and refusal.code == "already_launched"
    refusal = await s.refused(scenarios.launch(), PROVINCE, str(YEAR + 1))
    assert isinstance(refusal, Forbidden)
