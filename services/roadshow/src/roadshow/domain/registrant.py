"""A registering company's contact person, as far as erasure goes (个人信息删除).

The contact (name, phone) travels in ``CompanyRegistered`` sealed under the company's registrant
key; erasing it is deleting that key and recording ``RegistrantErased`` so that every consumer
forgets what it learned. Who may ask: the company itself, or an operator acting on a request.
"""

from __future__ import annotations

from roadshow.domain.access import Actor, forbidden
from roadshow.domain.commands import EraseRegistrant
from ztc_shared.contracts.roadshow import RegistrantErased
from ztc_shared.domain import Aggregate

REGISTRANT = "registrant"


def registrant_id(company_id: str) -> str:
    return f"registrant-{company_id}"


def check_may_erase(command: EraseRegistrant, actor: Actor) -> None:
    if not (actor.is_operator or (actor.is_company and actor.id == command.company_id)):
        raise forbidden(
            "erase_yourself",
            "只有企业本身或省级科技管理部门、火炬中心可以删除该联系人信息",
            "Only the company itself or an operator may erase its contact person",
        )


class Registrant(Aggregate):
    stream_type = REGISTRANT

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.erased = False

    def erase(self, command: EraseRegistrant, actor: Actor) -> None:
        """Once: a second request finds nothing left to erase and records nothing."""
        check_may_erase(command, actor)
        if self.erased:
            return
        self._record(RegistrantErased(company_id=command.company_id, requested_by=actor.id))

    def _when_RegistrantErased(self, event: RegistrantErased) -> None:  # noqa: N802
        self.erased = True
