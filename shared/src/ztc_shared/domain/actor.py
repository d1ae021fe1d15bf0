"""Who asks, as the rules of an aggregate see them: the roles of the programme and the actor.

Routes admit roles (and the deployment's region); an aggregate's rules need more — "a holder acts
only on what they drafted", "a host only on its own event" — so commands carry an ``Actor`` made from
the command's context. Services extend it with the role groups their rules name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, Self


class Role(StrEnum):
    TORCH_CENTER = "torch_center"  # 科技部火炬中心
    SZSE = "szse"  # 深圳证券交易所
    PROVINCE = "province"  # 省级科技管理部门
    HOST = "host"  # 承办单位
    SUPPORT_ORG = "support_org"  # 支持单位: 高校、科研院所、技术转移机构
    HOLDER = "holder"  # 科技成果持有人
    COMPANY = "company"  # 科技企业、上市企业、产业园区、投资机构
    EXPERT = "expert"  # 技术及行业专家


# The programme's organisers above the hosts: the provincial department and the Torch Center.
# A tuple, so that routes that admit them list them in one order; ``role in OPERATORS`` works for
# a ``Role`` and for its value alike.
OPERATORS: tuple[Role, ...] = (Role.PROVINCE, Role.TORCH_CENTER)


class Asker(Protocol):
    """What an actor is made from (a ``CommandContext`` is one)."""

    @property
    def actor(self) -> str: ...
    @property
    def role(self) -> str | None: ...
    @property
    def organisation(self) -> str | None: ...
    @property
    def actor_region(self) -> str | None: ...


@dataclass(frozen=True)
class Actor:
    id: str
    role: str | None
    organisation: str | None = None
    region: str | None = None  # the region of the caller's token (a province's own)

    @classmethod
    def of(cls, context: Asker) -> Self:
        return cls(
            id=context.actor,
            role=context.role,
            organisation=context.organisation,
            region=context.actor_region,
        )

    def has(self, *roles: Role) -> bool:
        return self.role in {r.value for r in roles}

    @property
    def is_operator(self) -> bool:
        return self.role in OPERATORS
