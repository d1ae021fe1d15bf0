"""Given other services' events, who hears what, on which channels, in which language."""

from __future__ import annotations

from datetime import UTC, date, datetime

from notify.application.planning import learn_contacts
from notify.application.reactions import REACTIONS
from notify.application.rendering import Renderer
from notify.domain.recipients import Channel, Contact, Locale, Topic
from notify.testing.scenario import Notify, only, routes
from ztc_shared.contracts.intake import AchievementDrafted, AchievementReturned
from ztc_shared.contracts.intake import Channel as Via
from ztc_shared.contracts.intake import Contact as IntakeContact
from ztc_shared.contracts.notify import NoticeAudience, NoticePublished
from ztc_shared.contracts.roadshow import (
    AgendaBlock,
    AgendaKind,
    Audience,
    CompanyRegistered,
    ConfirmedHost,
    EventFormat,
    HostKind,
    MeetingScheduleFinalized,
    MeetingScheduleProposed,
    MeetingSlotsDeclared,
    ParticipantKind,
    PlannedMeeting,
    ProgrammeLaunched,
    RegistrationApproved,
    RegistrationDeclined,
    RoadshowPlanned,
)
from ztc_shared.contracts.screening import (
    LonglistPublished,
    ScreeningRoundOpened,
    ShortlistFinalized,
)
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.contracts.tracking import CaseStage, FollowUpOverdue
from ztc_shared.events import EVENTS

ACME = "91440300MA5ACME001"
BETA = "91440300MA5BETA002"
HOLDER = Contact(recipient_id="holder-wang", role="holder", region="440100", email="wang@scut.cn")
HOST = Contact(recipient_id="host-sz", role="host", region="440300", email="host@sz.cn")


def drafted(title: str, holder: str) -> AchievementDrafted:
    return AchievementDrafted(
        title=title,
        abstract="基于自监督预训练的工业视觉检测模型。",
        field=IndustryField.NEXT_GEN_IT,
        trl=7,
        holder_name="王五",
        institution="华南理工大学",
        channel=Via.OPEN_CALL,
        holder_id=holder,
    )


def planned(title: str = "深圳新一代信息技术专场") -> RoadshowPlanned:
    return RoadshowPlanned(
        year=2026,
        host_id="host-sz",
        title=title,
        fields=[IndustryField.NEXT_GEN_IT],
        region="440300",
        event_date=date(2026, 12, 18),
        venue="深圳湾科技园",
        format=EventFormat.ON_SITE,
        capacity=50,
        agenda=[
            AgendaBlock(
                kind=AgendaKind.PITCHES,
                title="项目路演",
                starts_at=datetime(2026, 12, 18, 9, 30, tzinfo=UTC),
                minutes=120,
            )
        ],
        plan_text="方案",
    )


def registered(company: str, name: str) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=company,
        name=name,
        kind=ParticipantKind.TECH_COMPANY,
        registered_by=f"user-{company[-3:]}",
    )


def test_every_reaction_names_a_registered_event_and_has_both_languages() -> None:
    templates = set(Renderer().templates())
    for event_type, reaction in REACTIONS.items():
        EVENTS.model(event_type)  # raises for an event type nobody publishes
        assert reaction.template in templates


async def test_a_returned_achievement_reaches_its_holder_in_their_language() -> None:
    english = Contact(recipient_id="holder-li", role="holder", email="li@x.cn", locale=Locale.EN)
    notify = Notify(contacts=[HOLDER, english])
    await notify.given(
        notify.event(drafted("视觉大模型", "holder-wang"), "a-1"),
        notify.event(drafted("储能材料", "holder-li"), "a-2"),
    )

    zh = await notify.when(notify.event(AchievementReturned(reasons=["缺少知识产权证明"]), "a-1"))
    en = await notify.when(notify.event(AchievementReturned(reasons=["missing IP proof"]), "a-2"))

    assert routes(zh) == {("holder-wang", "inbox"), ("holder-wang", "email")}
    mail = only(zh, "holder-wang", "email")
    assert mail.address == "wang@scut.cn"
    assert "视觉大模型" in mail.subject and "缺少知识产权证明" in mail.body
    assert only(en, "holder-li").subject.startswith("[Returned]")


async def test_someone_the_directory_does_not_know_still_gets_the_inbox() -> None:
    notify = Notify()
    await notify.given(notify.event(drafted("视觉大模型", "holder-new"), "a-1"))
    deliveries = await notify.when(notify.event(AchievementReturned(reasons=["补充材料"]), "a-1"))
    assert routes(deliveries) == {("holder-new", "inbox")}


async def test_an_opt_out_silences_pushes_but_not_essential_messages_nor_the_inbox() -> None:
    muted = Contact(
        recipient_id=ACME,
        role="company",
        email="bd@acme.cn",
        webhook_url="https://acme.example.cn/hook",
        channels=frozenset({Channel.EMAIL, Channel.WEBHOOK}),
        muted=frozenset({Topic.SCREENING, Topic.REGISTRATION}),
    )
    notify = Notify(contacts=[muted, HOLDER])
    await notify.given(
        notify.event(drafted("视觉大模型", "holder-wang"), "a-1"),
        notify.event(planned(), "rs-1"),
        notify.event(registered(ACME, "智造科技"), "rs-1"),
    )

    longlist = await notify.when(
        notify.event(LonglistPublished(candidate_ids=["a-1"], company_ids=[ACME]), "round-1")
    )
    approved = await notify.when(notify.event(RegistrationApproved(company_id=ACME), "rs-1"))

    # The longlist push is not essential: the muted company finds it in its inbox only.
    assert routes(longlist) == {(ACME, "inbox")}
    # A registration decision is essential: it is pushed on every channel the company chose.
    assert routes(approved) == {(ACME, "inbox"), (ACME, "email"), (ACME, "webhook")}


async def test_switched_off_channels_and_missing_addresses_are_skipped() -> None:
    company = Contact(
        recipient_id=ACME,
        role="company",
        email="bd@acme.cn",
        webhook_url="https://acme.example.cn/hook",
        channels=frozenset({Channel.WEBHOOK, Channel.SMS}),  # no mail; SMS without a number
    )
    notify = Notify(contacts=[company])
    deliveries = await notify.when(
        notify.event(RegistrationDeclined(company_id=ACME, reason="名额已满"), "rs-1")
    )
    assert routes(deliveries) == {(ACME, "inbox"), (ACME, "webhook")}
    assert "名额已满" in only(deliveries, ACME).body


async def test_a_longlist_reaches_every_company_it_was_pushed_to_once_however_often_it_comes() -> (
    None
):
    notify = Notify()
    await notify.given(
        notify.event(
            ScreeningRoundOpened(
                roadshow_ref="rs-1",
                title="新一代信息技术项目筛选",
                fields=[IndustryField.NEXT_GEN_IT],
                region="440300",
                longlist_target=100,
                shortlist_min=10,
                shortlist_max=20,
            ),
            "round-1",
        )
    )
    event = notify.event(
        LonglistPublished(candidate_ids=["a-1", "a-2"], company_ids=[ACME, BETA]), "round-1"
    )
    deliveries = await notify.when(event)
    assert routes(deliveries) == {(ACME, "inbox"), (BETA, "inbox")}
    assert "新一代信息技术项目筛选" in deliveries[0].subject and "2" in deliveries[0].subject
    # The same event again plans the same keys: the ledger adds nothing.
    again = await notify.when(event)
    assert {d.key for d in again} == {d.key for d in deliveries}
    assert await notify.ledger.add(again) == 0


async def test_a_final_shortlist_tells_each_selected_holder_about_their_projects_only() -> None:
    notify = Notify(contacts=[HOLDER])
    await notify.given(
        notify.event(drafted("视觉大模型", "holder-wang"), "a-1"),
        notify.event(drafted("边缘推理芯片", "holder-wang"), "a-2"),
        notify.event(drafted("储能材料", "holder-li"), "a-3"),
        notify.event(drafted("未入选项目", "holder-zhao"), "a-4"),
    )
    deliveries = await notify.when(
        notify.event(
            ShortlistFinalized(selected=["a-1", "a-2", "a-3"], not_selected=["a-4"]), "round-1"
        )
    )
    assert {d.recipient for d in deliveries} == {"holder-wang", "holder-li"}
    wang = only(deliveries, "holder-wang", "email").body
    assert "视觉大模型" in wang and "边缘推理芯片" in wang and "储能材料" not in wang


async def test_a_final_meeting_schedule_gives_each_party_their_own_agenda() -> None:
    notify = Notify()
    await notify.given(
        notify.event(drafted("视觉大模型", "holder-wang"), "a-1"),
        notify.event(drafted("储能材料", "holder-li"), "a-2"),
        notify.event(planned(), "rs-1"),
        notify.event(registered(ACME, "智造科技"), "rs-1"),
        notify.event(registered(BETA, "贝塔新能源"), "rs-1"),
        notify.event(
            MeetingSlotsDeclared(
                roadshow_id="rs-1",
                starts_at="14:00",
                slot_minutes=20,
                slots=["14:00", "14:20", "14:40"],
                tables=2,
                max_per_company=3,
                max_per_project=3,
                holders={"a-1": "holder-wang", "a-2": "holder-li"},
            ),
            "meetings-rs-1",
        ),
        notify.event(
            MeetingScheduleProposed(
                meetings=[
                    PlannedMeeting(
                        company_id=ACME, achievement_id="a-1", slot=0, table=1, priority=3
                    ),
                    PlannedMeeting(
                        company_id=ACME, achievement_id="a-2", slot=2, table=1, priority=1
                    ),
                    PlannedMeeting(
                        company_id=BETA, achievement_id="a-2", slot=1, table=2, priority=2
                    ),
                ]
            ),
            "meetings-rs-1",
        ),
    )
    deliveries = await notify.when(
        notify.event(MeetingScheduleFinalized(meetings=3), "meetings-rs-1")
    )
    assert {d.recipient for d in deliveries} == {ACME, BETA, "holder-wang", "holder-li"}
    acme = only(deliveries, ACME).body
    assert acme.index("14:00–14:20") < acme.index("14:40–15:00")
    assert "视觉大模型" in acme and "储能材料" in acme
    li = only(deliveries, "holder-li").body
    assert "智造科技" in li and "贝塔新能源" in li and "14:20–14:40" in li
    wang = only(deliveries, "holder-wang").body
    assert "智造科技" in wang and "贝塔新能源" not in wang


async def test_a_notice_reaches_its_roles_in_its_regions_and_the_roadshows_registrants() -> None:
    shenzhen_host = Contact(recipient_id="host-sz", role="host", region="440300")
    guangzhou_host = Contact(recipient_id="host-gz", role="host", region="440100")
    beijing_host = Contact(recipient_id="host-bj", role="host", region="110000")
    holder = Contact(recipient_id="holder-wang", role="holder", region="440100")
    notify = Notify(contacts=[shenzhen_host, guangzhou_host, beijing_host, holder])
    await notify.given(
        notify.event(planned(), "rs-1"),
        notify.event(registered(ACME, "智造科技"), "rs-1"),
        notify.event(registered(BETA, "贝塔新能源"), "rs-1"),
        notify.event(RegistrationApproved(company_id=ACME), "rs-1"),
        notify.event(RegistrationDeclined(company_id=BETA, reason="领域不符"), "rs-1"),
    )

    to_hosts = await notify.when(
        notify.event(
            NoticePublished(
                title="关于报送年度工作总结的通知",
                body="请于12月31日前报送。",
                audience=NoticeAudience(roles=["host"], regions=["440000"]),
                publisher="gd-province",
                publisher_role="province",
            ),
            "notice-1",
        )
    )
    to_registrants = await notify.when(
        notify.event(
            NoticePublished(
                title="路演当天入场须知",
                body="请携带身份证件。",
                audience=NoticeAudience(roadshow_id="rs-1"),
                publisher="gd-province",
                publisher_role="province",
            ),
            "notice-2",
        )
    )

    assert {d.recipient for d in to_hosts} == {"host-sz", "host-gz"}
    assert all(d.notice_id == "notice-1" for d in to_hosts)
    # Registrants means the approved ones: the declined company is not told.
    assert {d.recipient for d in to_registrants} == {ACME}


async def test_an_essential_notice_reaches_those_who_muted_notices() -> None:
    muted = Contact(
        recipient_id="host-sz",
        role="host",
        region="440300",
        email="host@sz.cn",
        muted=frozenset({Topic.NOTICES}),
    )
    notify = Notify(contacts=[muted])

    def notice(essential: bool) -> NoticePublished:
        return NoticePublished(
            title="通知标题",
            body="通知正文",
            title_en="Title",
            body_en="Body",
            audience=NoticeAudience(roles=["host"]),
            essential=essential,
            publisher="torch",
            publisher_role="torch_center",
        )

    ordinary = await notify.when(notify.event(notice(False), "notice-1"))
    essential = await notify.when(notify.event(notice(True), "notice-2"))
    assert routes(ordinary) == {("host-sz", "inbox")}
    assert routes(essential) == {("host-sz", "inbox"), ("host-sz", "email")}


async def test_the_launch_notice_mobilises_its_audiences_and_the_hosts() -> None:
    researcher = Contact(recipient_id="holder-wang", role="holder", region="440100")
    agency = Contact(recipient_id="agency-gd", role="support_org", region="440100")
    company = Contact(recipient_id=ACME, role="company", region="440300")
    expert = Contact(recipient_id="expert-1", role="expert", region="440300")
    notify = Notify(contacts=[researcher, agency, company, expert])
    deliveries = await notify.when(
        notify.event(
            ProgrammeLaunched(
                year=2026,
                hosts=[
                    ConfirmedHost(
                        host_id="host-sz",
                        name="深圳市科技创新局",
                        kind=HostKind.MUNICIPAL_DEPARTMENT,
                        region="440300",
                        province="440000",
                    )
                ],
                notice_title="关于开展2026年科技成果直通车的通知",
                notice_body="各有关单位：……",
                audiences=[Audience.RESEARCHERS, Audience.COMPANIES],
            ),
            "programme-2026",
        )
    )
    assert {d.recipient for d in deliveries} == {"holder-wang", "agency-gd", ACME, "host-sz"}
    assert "深圳市科技创新局" in only(deliveries, ACME).body


async def test_an_overdue_follow_up_reaches_the_host() -> None:
    notify = Notify(contacts=[HOST])
    deliveries = await notify.when(
        notify.event(
            FollowUpOverdue(
                region="440300",
                achievement_id="a-1",
                title="视觉大模型",
                host_id="host-sz",
                stage=CaseStage.NEGOTIATING,
                due_on=date(2026, 11, 1),
                detected_on=date(2026, 11, 28),
                days_overdue=27,
            ),
            "case-1",
        )
    )
    assert routes(deliveries) == {("host-sz", "inbox"), ("host-sz", "email")}
    assert "27" in only(deliveries, "host-sz").subject


async def test_events_fill_gaps_in_the_directory_but_never_overwrite_it() -> None:
    known = Contact(
        recipient_id=ACME, role="company", name="智造科技（运营录入）", email="bd@acme.cn"
    )
    notify = Notify(contacts=[known])
    await learn_contacts(notify.event(registered(ACME, "智造科技"), "rs-1"), notify.directory)
    await learn_contacts(notify.event(registered(BETA, "贝塔新能源"), "rs-1"), notify.directory)
    drafted_with_contact = drafted("视觉大模型", "holder-zhang").model_copy(
        update={"contact": IntakeContact(name="张三", email="zhang@scut.cn")}
    )
    await learn_contacts(notify.event(drafted_with_contact, "a-9"), notify.directory)

    found = await notify.directory.get_many([ACME, BETA, "holder-zhang"])
    assert found[ACME].name == "智造科技（运营录入）"
    # the contact person travels sealed: no mobile is learned from a registration
    assert found[ACME].mobile is None and found[BETA].mobile is None
    assert found[BETA].name == "贝塔新能源" and found[BETA].role == "company"
    assert found["holder-zhang"].email == "zhang@scut.cn"
    assert found["holder-zhang"].role == "holder"


async def test_an_erased_registrant_s_learned_mobile_is_forgotten_but_a_given_one_stays() -> None:
    from ztc_shared.contracts.roadshow import RegistrantErased

    given = Contact(recipient_id=ACME, role="company", mobile="13900000000")
    notify = Notify(contacts=[given])
    # what an earlier version learned from a registration, before the seal
    await notify.directory.learn(BETA, {"role": "company", "mobile": "13800000000"})
    for company in (ACME, BETA):
        erased = RegistrantErased(company_id=company, requested_by=company)
        await learn_contacts(notify.event(erased, f"registrant-{company}"), notify.directory)
    found = await notify.directory.get_many([ACME, BETA])
    assert found[BETA].mobile is None
    assert found[ACME].mobile == "13900000000"  # given by the company or an operator: theirs
