"""Work notices: who may publish to whom, and reading recorded once."""

from __future__ import annotations

import pytest

from notify.domain.notice import Notice, NoticeReceipt
from ztc_shared.contracts.notify import NoticeAudience, NoticePublished, NoticeRead
from ztc_shared.domain import Actor, DomainError, Forbidden, StateConflict

GUANGDONG = Actor(id="gd-province", role="province", region="440000")
TORCH = Actor(id="torch", role="torch_center", region="110000")


def publish(notice: Notice, actor: Actor, audience: NoticeAudience) -> None:
    notice.publish(
        actor,
        title="关于报送年度工作总结的通知",
        body="请于12月31日前报送。",
        title_en="",
        body_en="",
        audience=audience,
        essential=True,
    )


def test_a_province_speaks_to_its_own_province_by_default() -> None:
    notice = Notice("n-1")
    publish(notice, GUANGDONG, NoticeAudience(roles=["host"]))
    [event] = notice.pending_events()
    assert isinstance(event, NoticePublished)
    assert event.audience.regions == ["440000"]
    assert event.publisher == "gd-province" and event.essential


def test_a_province_may_not_address_another_province() -> None:
    with pytest.raises(DomainError) as refused:
        publish(Notice("n-1"), GUANGDONG, NoticeAudience(roles=["host"], regions=["110000"]))
    assert refused.value.code == "region_outside_province"


def test_torch_center_addresses_the_whole_country() -> None:
    notice = Notice("n-1")
    publish(notice, TORCH, NoticeAudience(roles=["host", "province"]))
    [event] = notice.pending_events()
    assert isinstance(event, NoticePublished) and event.audience.regions == []


def test_only_torch_center_and_provinces_publish_and_only_once() -> None:
    with pytest.raises(Forbidden):
        publish(
            Notice("n-1"),
            Actor(id="h", role="host", region="440300"),
            NoticeAudience(roles=["company"]),
        )
    notice = Notice("n-1")
    publish(notice, TORCH, NoticeAudience(roles=["host"]))
    with pytest.raises(StateConflict):
        publish(notice, TORCH, NoticeAudience(roles=["host"]))


def test_an_audience_must_name_someone_and_known_roles() -> None:
    with pytest.raises(ValueError, match="needs an audience"):
        NoticeAudience()
    with pytest.raises(ValueError, match="unknown roles"):
        NoticeAudience(roles=["everyone"])


def test_reading_twice_records_one_receipt() -> None:
    receipt = NoticeReceipt("n-1-read-host-sz")
    receipt.read("n-1", "host-sz")
    [event] = receipt.pending_events()
    assert event == NoticeRead(notice_id="n-1", reader="host-sz")
    again = NoticeReceipt.rehydrate("n-1-read-host-sz", [event])
    again.read("n-1", "host-sz")
    assert again.pending_events() == []
