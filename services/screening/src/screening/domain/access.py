"""Who may act on a screening round, beyond the roles a route admits.

The routes admit roles (and the region of this deployment); the rules here need the round itself:
a host acts only on the rounds of its own events, a company answers only on what was pushed to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ztc_shared.domain import OPERATORS, Forbidden, Role
from ztc_shared.domain import Actor as BaseActor

# 承办单位 or the organisers (主办单位) open a round, push its longlist and decide the shortlist.
ORGANISERS = frozenset({Role.HOST.value, *OPERATORS})
# Agencies (支持单位/技术转移机构) settle the longlist with the host.
CURATORS = frozenset({Role.SUPPORT_ORG.value, Role.HOST.value})


@dataclass(frozen=True)
class Actor(BaseActor):
    """The shared actor with the role groups screening's rules name."""

    @property
    def is_host(self) -> bool:
        return self.role == Role.HOST.value

    @property
    def is_company(self) -> bool:
        return self.role == Role.COMPANY.value


def organisers_only() -> Forbidden:
    return Forbidden(
        "organisers_only",
        "只有承办单位、省级科技管理部门或火炬中心可以执行此操作",
        "Only the host, the provincial department or the Torch Center may do this",
    )


def curators_only() -> Forbidden:
    return Forbidden(
        "curators_only",
        "只有技术转移机构（支持单位）或承办单位可以调整初筛名单",
        "Only agencies (support organisations) or the host may change the longlist",
    )


def not_your_round() -> Forbidden:
    return Forbidden(
        "not_your_round",
        "您不是该场路演的承办单位",
        "You are not the host of this roadshow's screening round",
    )


def companies_only() -> Forbidden:
    return Forbidden(
        "companies_only",
        "只有企业可以填写对接意愿和技术需求",
        "Only companies answer with their interest and demands",
    )


def not_pushed_to_you() -> Forbidden:
    return Forbidden(
        "not_pushed_to_you",
        "初筛名单未推送给贵单位，不能填写对接意愿",
        "The longlist was not pushed to your company",
    )
