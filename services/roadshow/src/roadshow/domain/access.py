"""Who may act on roadshow's aggregates, beyond the roles a route admits.

The routes admit roles; the rules here need the aggregate: a host acts only on its own roadshows, a
company registers only itself, an expert scores only where assigned.
"""

from __future__ import annotations

from dataclasses import dataclass

from ztc_shared.domain import OPERATORS, Forbidden, Role
from ztc_shared.domain import Actor as BaseActor

# The host (承办单位) or the organisers (主办单位) run a roadshow.
ORGANISERS = frozenset({Role.HOST.value, *OPERATORS})
# SZSE and agencies coach (路演辅导), and so may the host.
COACHES = frozenset({Role.SZSE.value, Role.SUPPORT_ORG.value, *ORGANISERS})


@dataclass(frozen=True)
class Actor(BaseActor):
    """The shared actor with the role groups roadshow's rules name."""

    @property
    def is_host(self) -> bool:
        return self.role == Role.HOST.value

    @property
    def is_company(self) -> bool:
        return self.role == Role.COMPANY.value

    @property
    def is_szse(self) -> bool:
        return self.role == Role.SZSE.value


def forbidden(code: str, zh: str, en: str) -> Forbidden:
    return Forbidden(code, zh, en)


def torch_center_only() -> Forbidden:
    return Forbidden(
        "torch_center_only",
        "只有科技部火炬中心可以执行此操作",
        "Only the Torch Center may do this",
    )


def provinces_only() -> Forbidden:
    return Forbidden(
        "provinces_only",
        "只有省级科技管理部门可以申请开展科技成果直通车",
        "Only a provincial science department may apply",
    )


def organisers_only() -> Forbidden:
    return Forbidden(
        "organisers_only",
        "只有承办单位、省级科技管理部门或火炬中心可以执行此操作",
        "Only the host, the provincial department or the Torch Center may do this",
    )


def not_your_roadshow() -> Forbidden:
    return Forbidden(
        "not_your_roadshow", "您不是该场路演的承办单位", "You are not the host of this roadshow"
    )


def coaches_only() -> Forbidden:
    return Forbidden(
        "coaches_only",
        "只有深交所、技术转移机构或承办单位可以记录路演辅导",
        "Only SZSE, agencies or the host record coaching",
    )


def experts_only() -> Forbidden:
    return Forbidden("experts_only", "只有评议专家可以评分", "Only experts score pitches")
