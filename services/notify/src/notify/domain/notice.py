"""Work notices (工作通知): published by the Torch Center or a province, read by their audience."""

from __future__ import annotations

from ztc_shared.auth import Role
from ztc_shared.contracts.notify import (
    NOTICE,
    NOTICE_RECEIPT,
    NoticeAudience,
    NoticePublished,
    NoticeRead,
)
from ztc_shared.domain import Actor, DomainError, Forbidden, StateConflict
from ztc_shared.domain.aggregate import Aggregate

PUBLISHERS = frozenset({Role.TORCH_CENTER.value, Role.PROVINCE.value})


class Notice(Aggregate):
    stream_type = NOTICE

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.publisher: str | None = None

    def publish(
        self,
        actor: Actor,
        *,
        title: str,
        body: str,
        title_en: str,
        body_en: str,
        audience: NoticeAudience,
        essential: bool,
    ) -> None:
        if actor.role not in PUBLISHERS:
            raise Forbidden(
                "publishers_only",
                "只有火炬中心和省级科技管理部门可以发布工作通知",
                "Only the Torch Center and provincial departments publish notices",
            )
        if self.exists:
            raise StateConflict("notice_exists", "该通知已发布", "This notice is already published")
        if actor.role == Role.PROVINCE.value:
            province = (actor.region or "")[:2]
            outside = [r for r in audience.regions if r[:2] != province]
            if outside:
                raise DomainError(
                    "region_outside_province",
                    f"省级部门只能向本省发布通知，以下地区不在本省：{'、'.join(outside)}",
                    f"A province notifies only its own regions; outside it: {', '.join(outside)}",
                )
            if not audience.regions and not audience.roadshow_id:
                # A province speaks to its own province unless it names a roadshow's registrants.
                audience = audience.model_copy(update={"regions": [f"{province}0000"]})
        self._record(
            NoticePublished(
                title=title,
                body=body,
                title_en=title_en,
                body_en=body_en,
                audience=audience,
                essential=essential,
                publisher=actor.id,
                publisher_role=actor.role or "",
            )
        )

    def _when_NoticePublished(self, event: NoticePublished) -> None:  # noqa: N802
        self.publisher = event.publisher


class NoticeReceipt(Aggregate):
    """That one reader read one notice: recorded once, however often they open it."""

    stream_type = NOTICE_RECEIPT

    def read(self, notice_id: str, reader: str) -> None:
        if not self.exists:
            self._record(NoticeRead(notice_id=notice_id, reader=reader))

    def _when_NoticeRead(self, event: NoticeRead) -> None:  # noqa: N802
        pass
