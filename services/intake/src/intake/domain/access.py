"""Who may act on an achievement, beyond the roles a route admits.

Routes admit roles (and the region of this deployment); these rules need the achievement itself:
a holder acts only on what they drafted, an evaluator only on what they were assigned.
"""

from __future__ import annotations

from ztc_shared.domain import OPERATORS, Actor, Forbidden

__all__ = ["OPERATORS", "Actor", "not_yours", "operators_only"]


def not_yours() -> Forbidden:
    return Forbidden(
        "not_your_achievement",
        "您只能操作自己的科技成果",
        "You may act only on your own achievements",
    )


def operators_only() -> Forbidden:
    return Forbidden(
        "operators_only",
        "只有省级科技管理部门或火炬中心可以执行此操作",
        "Only the provincial department or the Torch Center may do this",
    )
