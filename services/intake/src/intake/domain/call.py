"""Collection calls (征集): the all-year open call and targeted calls for a need or a roadshow."""

from __future__ import annotations

from datetime import datetime

from intake.domain.access import Actor, operators_only
from intake.domain.commands import CloseCollectionCall, OpenCollectionCall
from ztc_shared.contracts.intake import (
    COLLECTION_CALL,
    CallKind,
    CollectionCallClosed,
    CollectionCallOpened,
)
from ztc_shared.domain import Aggregate, DomainError, StateConflict


class CollectionCall(Aggregate):
    stream_type = COLLECTION_CALL

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.open = False
        self.title = ""
        self.deadline: datetime | None = None

    def accepts(self, now: datetime) -> bool:
        return self.open and (self.deadline is None or now <= self.deadline)

    def open_call(self, command: OpenCollectionCall, actor: Actor, now: datetime) -> None:
        if not actor.is_operator:
            raise operators_only()
        if self.exists:
            raise StateConflict("call_exists", "该征集已经发布", "This call exists already")
        if command.kind is CallKind.TARGETED and command.deadline is None:
            raise DomainError(
                "deadline_required", "重点征集必须设置截止时间", "A targeted call needs a deadline"
            )
        if command.deadline is not None and command.deadline <= now:
            raise DomainError(
                "deadline_passed", "截止时间必须晚于当前时间", "The deadline must be in the future"
            )
        self._record(CollectionCallOpened(**command.model_dump()))

    def close(self, command: CloseCollectionCall, actor: Actor) -> None:
        if not actor.is_operator:
            raise operators_only()
        if not self.open:
            raise StateConflict("call_closed", "该征集已经关闭", "This call is closed already")
        self._record(CollectionCallClosed(reason=command.reason))

    def _when_CollectionCallOpened(self, event: CollectionCallOpened) -> None:  # noqa: N802
        self.open = True
        self.title = event.title
        self.deadline = event.deadline

    def _when_CollectionCallClosed(self, event: CollectionCallClosed) -> None:  # noqa: N802
        self.open = False
