"""Who may read an achievement: an institution by its organisation id, never by a display name."""

from intake.domain.access import Actor
from intake.domain.achievement import Achievement
from intake.domain.commands import DraftAchievement
from intake.entrypoints.api.routes.achievements import may_read
from ztc_shared.auth import Principal, Role
from ztc_shared.contracts.intake import AchievementDrafted

DRAFT = DraftAchievement.model_validate(
    {
        "title": "固态锂电池电解质材料",
        "abstract": "一种高离子电导率的硫化物固态电解质。",
        "field": "new_energy_vehicles",
        "trl": 5,
        "holder_name": "李四",
        "institution": "清华大学",
        "channel": "open_call",
    }
)


def drafted_by(holder: str, organisation: str | None) -> Achievement:
    achievement = Achievement("ach-1")
    achievement.draft(DRAFT, Actor(id=holder, role="holder", organisation=organisation))
    (event,) = achievement.pending_events()
    assert isinstance(event, AchievementDrafted)
    return Achievement.rehydrate("ach-1", [event])


def reader(role: Role, subject: str, name: str | None = None, org: str | None = None) -> Principal:
    return Principal(subject=subject, role=role, region="440000", name=name, organisation=org)


def test_the_draft_records_the_holders_organisation_and_keeps_it_out_of_the_details() -> None:
    achievement = drafted_by("holder-1", "org-thu")
    assert achievement.organisation_id == "org-thu"
    assert "organisation_id" not in achievement.details


def test_an_institution_reads_by_its_organisation_id_not_by_its_name() -> None:
    achievement = drafted_by("holder-1", "org-thu")
    assert may_read(reader(Role.SUPPORT_ORG, "agent-1", "某大学", "org-thu"), achievement)
    # the institution's name in the token (or in the achievement) opens nothing
    assert not may_read(reader(Role.SUPPORT_ORG, "agent-2", "清华大学", "org-pku"), achievement)
    assert not may_read(reader(Role.SUPPORT_ORG, "agent-3", "清华大学"), achievement)
    # the same organisation in another role is not the institution
    assert not may_read(reader(Role.HOLDER, "holder-2", "清华大学", "org-thu"), achievement)
    assert not may_read(reader(Role.EXPERT, "expert-1", None, "org-thu"), achievement)
    assert may_read(reader(Role.HOLDER, "holder-1"), achievement)


def test_an_achievement_drafted_before_the_id_was_recorded_is_no_institutions_by_name() -> None:
    old = Achievement.rehydrate(
        "ach-1", [AchievementDrafted(**DRAFT.model_dump(), holder_id="holder-1")]
    )
    assert old.organisation_id is None
    assert not may_read(reader(Role.SUPPORT_ORG, "agent-1", "清华大学"), old)
    assert not may_read(reader(Role.SUPPORT_ORG, "agent-1", "清华大学", "org-thu"), old)
    assert may_read(reader(Role.HOLDER, "holder-1"), old)
    assert may_read(reader(Role.PROVINCE, "gd-1"), old)
