"""Notify's demo data for ``make run`` (registered in ``services/notify/service.toml``): e-mail
addresses of the demo's people in notify's directory, so that what happens to them in the roadshow
demo reaches ``mail-sink.log`` (make run's loopback SMTP server).

The people are the roadshow demo's (its first host and its four companies, ``roadshow.demo``) and
the demo's holder; they are named here again because a service imports no other service
(tools/tests checks that the two lists agree).
"""

from __future__ import annotations

from typing import Protocol

import httpx

from ztc_shared.auth import Role
from ztc_shared.contracts.identifiers import credit_code_check_character

# (recipient, name, role, region, mailbox): the roadshow demo's first host and its companies
HOST = ("demo-host-sz", "深圳市科技创新局（演示）", "440300", "host-sz")
COMPANIES = (
    "深圳演示新能源科技有限公司",
    "广东演示智能装备股份有限公司",
    "前海演示创业投资合伙企业",
    "松山湖演示产业园运营有限公司",
)


def demo_company_id(n: int) -> str:
    """The 统一社会信用代码 of the roadshow demo's n-th company."""
    first17 = f"91440300MA5D{n:05d}"
    return first17 + credit_code_check_character(first17)


class DemoRun(Protocol):
    """What ``make run`` hands a demo step; only what this module uses."""

    @property
    def region(self) -> str: ...
    @property
    def holder(self) -> tuple[str, str]: ...
    @property
    def province(self) -> tuple[str, str]: ...
    def url(self, service: str) -> str: ...
    def token(self, role: Role, subject: str, name: str | None = None) -> str: ...
    def say(self, line: str) -> None: ...


class DemoStepFailed(Exception):
    """A demo request was refused; the message says which and why."""


def contacts(region: str, holder: tuple[str, str]) -> list[tuple[str, str, str, str, str]]:
    """(recipient, name, role, region, mailbox) of each of the demo's people."""
    host, host_name, host_region, host_mailbox = HOST
    return [
        (host, host_name, "host", host_region, host_mailbox),
        (holder[0], holder[1], "holder", region, "holder"),
        *[
            (demo_company_id(n), name, "company", "440300", f"company-{n}")
            for n, name in enumerate(COMPANIES, start=1)
        ],
    ]


async def load_contacts(run: DemoRun) -> list[str]:
    """PUT each of the demo's people into notify's directory (operators' ``PUT /contacts/{id}``,
    idempotent by nature)."""
    people = contacts(run.region, run.holder)
    headers = {"Authorization": f"Bearer {run.token(Role.PROVINCE, *run.province)}"}
    async with httpx.AsyncClient(timeout=15.0) as client:
        for recipient, name, role, region, mailbox in people:
            body = {
                "name": name,
                "role": role,
                "region": region,
                "email": f"{mailbox}@demo.ztc.example.cn",
                "locale": "zh-CN",
                "channels": ["email"],
                "muted": [],
            }
            url = f"{run.url('notify')}/contacts/{recipient}"
            reply = await client.put(url, json=body, headers=headers)
            if reply.status_code != 200:
                raise DemoStepFailed(
                    f"notify demo contact {recipient}: {reply.status_code} {reply.text[:300]}"
                )
    run.say(f"  通知演示联系人 notify: {len(people)} 个联系人 contacts (e-mail → mail-sink.log)")
    return []
