"""The achievement's lifecycle, transition by transition: given events, when a command, then events.

Each transition has its scenario, and each guard (wrong state, wrong person) its refusal.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from intake.bootstrap import Intake, bootstrap
from intake.config import IntakeSettings
from intake.domain.achievement import Achievement
from intake.domain.commands import (
    AdmitAchievement,
    ArchiveAchievement,
    AssignEvaluators,
    CloseCollectionCall,
    DraftAchievement,
    EvaluateAchievement,
    GrantConfidentialAccess,
    OpenCollectionCall,
    PublishAchievement,
    RecuseEvaluator,
    RejectAchievement,
    ResubmitAchievement,
    ReturnAchievement,
    SubmitAchievement,
    UpdateAchievement,
    WithdrawAchievement,
)
from ztc_shared.application import CommandContext
from ztc_shared.clock import FixedClock
from ztc_shared.contracts.intake import (
    AchievementDrafted,
    AchievementEvaluated,
    AchievementSubmitted,
    EvaluationAssigned,
    Evaluator,
    Recommendation,
    Scores,
)
from ztc_shared.domain import DomainError, Forbidden, NotFound, StateConflict
from ztc_shared.events import EVENTS, new_envelope
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing import scenario as testing

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
HOLDER = CommandContext(actor="holder-1", region="440000", correlation_id="c", role="holder")
OTHER_HOLDER = CommandContext(actor="holder-2", region="440000", correlation_id="c", role="holder")
PROVINCE = CommandContext(actor="gd-1", region="440000", correlation_id="c", role="province")
TORCH = CommandContext(actor="torch-1", region="440000", correlation_id="c", role="torch_center")
EV1 = Evaluator(evaluator_id="ev-1", name="赵评", institution="广东省技术转移中心")
EV2 = Evaluator(evaluator_id="ev-2", name="钱评", institution="华南技术转移中心")
SAME_INSTITUTION = Evaluator(evaluator_id="ev-3", name="孙评", institution="中山大学")


def evaluator(e: Evaluator) -> CommandContext:
    return CommandContext(actor=e.evaluator_id, region="440000", correlation_id="c", role="expert")


def scores(value: int = 4) -> Scores:
    return Scores(
        advancement=value,
        maturity=value,
        industrial_prospects=value,
        intellectual_property=value,
        team_willingness=value,
    )


def a_draft(**overrides: Any) -> DraftAchievement:
    fields: dict[str, Any] = {
        "title": "高比能固态锂电池电解质",
        "abstract": "硫化物固态电解质，室温离子电导率 10 mS/cm，已完成中试。",
        "field": "new_energy_vehicles",
        "sub_field": "power_batteries",
        "keywords": ["固态电池"],
        "trl": 6,
        "holder_name": "李四",
        "institution": "中山大学",
        "channel": "open_call",
        "achievement_type": "patent",
        "ip_items": [{"kind": "patent", "number": "ZL202310000001.X", "status": "granted"}],
        "transfer_modes": ["license", "equity"],
        "asking_price_wan": "500",
        "contact": {"name": "李四", "phone": "13800000000"},
    }
    fields.update(overrides)
    return DraftAchievement.model_validate(fields)


class Scenario(testing.Scenario):
    """One achievement's stream, driven through intake's real handlers on the in-memory store."""

    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.clock = FixedClock(NOW)
        self.intake: Intake = bootstrap(IntakeSettings(), store=self.store, clock=self.clock)
        super().__init__(self.intake.handle, self.store, context=HOLDER, now=NOW)

    async def status(self) -> str:
        achievement = await self.aggregate(Achievement)
        assert achievement.status is not None
        return achievement.status.value


async def drafted() -> Scenario:
    s = Scenario()
    assert await s.when(a_draft()) == ["AchievementDrafted"]
    return s


async def submitted() -> Scenario:
    s = await drafted()
    await s.when(SubmitAchievement())
    return s


async def under_evaluation(*evaluators: Evaluator) -> Scenario:
    s = await submitted()
    await s.when(AssignEvaluators(evaluators=list(evaluators or (EV1, EV2))), PROVINCE)
    return s


async def evaluated() -> Scenario:
    s = await under_evaluation(EV1, EV2)
    for e, value in ((EV1, 4), (EV2, 3)):
        await s.when(
            EvaluateAchievement(scores=scores(value), comment="可转化", recommendation="admit"),
            evaluator(e),
        )
    return s


async def admitted() -> Scenario:
    s = await evaluated()
    await s.when(AdmitAchievement(note="同意入库"), PROVINCE)
    return s


async def published() -> Scenario:
    s = await admitted()
    await s.when(PublishAchievement(), PROVINCE)
    return s


# drafting and editing


async def test_a_draft_belongs_to_whoever_drafted_it_and_hides_contact_and_price() -> None:
    s = await drafted()
    (event,) = (await s.store.load(s.id)).events
    payload = EVENTS.payload(event)
    assert isinstance(payload, AchievementDrafted)
    assert payload.holder_id == "holder-1"
    assert set(payload.confidential) == {"contact", "asking_price_wan", "attachments"}
    assert payload.ip_items[0].number == "ZL202310000001.X"


async def test_fields_that_must_stay_public_cannot_be_made_confidential() -> None:
    s = Scenario()
    with pytest.raises(DomainError) as refused:
        await s.intake.handle(a_draft(confidential=["title", "contact"]), HOLDER)
    assert refused.value.code == "always_public"
    assert "title" in refused.value.message_zh
    with pytest.raises(DomainError):
        await s.intake.handle(a_draft(confidential=["no_such_field"]), HOLDER)
    assert await s.store.count_unpublished() == 0


async def test_a_draft_is_edited_without_evaluation() -> None:
    s = await drafted()
    assert await s.when(UpdateAchievement(title="改进的固态电解质", trl=7)) == [
        "AchievementUpdated"
    ]
    update = await s.last()
    assert update.changes == {"title": "改进的固态电解质", "trl": 7}  # type: ignore[attr-defined]
    assert update.material is False  # type: ignore[attr-defined]
    assert await s.status() == "draft"


async def test_an_update_that_changes_nothing_records_nothing() -> None:
    s = await drafted()
    assert await s.when(UpdateAchievement(trl=6)) == []


async def test_another_holder_can_neither_edit_nor_submit_it() -> None:
    s = await drafted()
    refusal = await s.refused(UpdateAchievement(trl=9), OTHER_HOLDER)
    assert isinstance(refusal, Forbidden) and refusal.code == "not_your_achievement"
    assert isinstance(await s.refused(SubmitAchievement(), OTHER_HOLDER), Forbidden)
    assert isinstance(await s.refused(WithdrawAchievement(reason="x"), OTHER_HOLDER), Forbidden)


async def test_a_submitted_one_cannot_be_edited_while_under_review() -> None:
    s = await submitted()
    refusal = await s.refused(UpdateAchievement(trl=9))
    assert isinstance(refusal, StateConflict) and refusal.code == "not_editable"
    assert "待评估" in refusal.message_zh


# submitting to calls


async def test_a_submission_names_an_open_call() -> None:
    s = await drafted()
    opened = await s.intake.handle(
        OpenCollectionCall(title="2026年度常态化征集", kind="open"), PROVINCE
    )
    assert await s.when(SubmitAchievement(call_id=opened.stream_id)) == ["AchievementSubmitted"]
    payload = await s.last()
    assert isinstance(payload, AchievementSubmitted) and payload.call_id == opened.stream_id


async def test_a_closed_or_expired_call_takes_no_submissions() -> None:
    s = await drafted()
    targeted = await s.intake.handle(
        OpenCollectionCall(
            title="新能源汽车重点征集", kind="targeted", deadline=NOW + timedelta(days=30)
        ),
        PROVINCE,
    )
    s.clock._now = NOW + timedelta(days=31)
    refusal = await s.refused(SubmitAchievement(call_id=targeted.stream_id))
    assert isinstance(refusal, DomainError) and refusal.code == "call_closed"
    s.clock._now = NOW
    await s.intake.handle(CloseCollectionCall(reason="名额已满"), PROVINCE, targeted.stream_id)
    assert (await s.refused(SubmitAchievement(call_id=targeted.stream_id))).code == "call_closed"  # type: ignore[attr-defined]
    assert isinstance(await s.refused(SubmitAchievement(call_id="call-nope")), NotFound)


async def test_calls_are_opened_by_operators_and_targeted_ones_need_a_deadline() -> None:
    s = Scenario()
    with pytest.raises(Forbidden):
        await s.intake.handle(OpenCollectionCall(title="我的征集", kind="open"), HOLDER)
    with pytest.raises(DomainError) as refused:
        await s.intake.handle(OpenCollectionCall(title="重点征集", kind="targeted"), PROVINCE)
    assert refused.value.code == "deadline_required"
    opened = await s.intake.handle(OpenCollectionCall(title="常态化征集", kind="open"), TORCH)
    await s.intake.handle(CloseCollectionCall(), TORCH, opened.stream_id)
    with pytest.raises(StateConflict):
        await s.intake.handle(CloseCollectionCall(), TORCH, opened.stream_id)


async def test_only_a_draft_is_submitted() -> None:
    s = await submitted()
    refusal = await s.refused(SubmitAchievement())
    assert isinstance(refusal, StateConflict) and refusal.code == "not_a_draft"


# returned for revision


async def test_returned_with_reasons_then_edited_and_resubmitted() -> None:
    s = await submitted()
    assert await s.when(ReturnAchievement(reasons=["缺少知识产权证明"]), PROVINCE) == [
        "AchievementReturned"
    ]
    assert await s.status() == "returned"
    assert await s.when(UpdateAchievement(attachments=[])) == []  # unchanged: nothing recorded
    assert await s.when(UpdateAchievement(abstract="补充了专利授权证书与中试报告的成果简介。")) == [
        "AchievementUpdated"
    ]
    assert await s.when(ResubmitAchievement()) == ["AchievementResubmitted"]
    assert await s.status() == "submitted"


async def test_only_operators_return_and_only_a_returned_one_is_resubmitted() -> None:
    s = await submitted()
    assert isinstance(await s.refused(ReturnAchievement(reasons=["x"]), HOLDER), Forbidden)
    refusal = await s.refused(ResubmitAchievement())
    assert isinstance(refusal, StateConflict) and refusal.code == "not_returned"


# evaluation


async def test_assigning_evaluators_starts_evaluation_and_recuses_the_holders_institution() -> None:
    s = await submitted()
    events = await s.when(AssignEvaluators(evaluators=[EV1, SAME_INSTITUTION]), PROVINCE)
    assert events == ["EvaluationAssigned", "EvaluatorRecused"]
    recusal = await s.last()
    assert "中山大学" in recusal.reason  # type: ignore[attr-defined]
    assert await s.status() == "under_evaluation"
    assert await s.when(AssignEvaluators(evaluators=[EV1]), PROVINCE) == []  # already assigned


async def test_only_evaluators_from_elsewhere_leave_it_awaiting_evaluation() -> None:
    s = await submitted()
    assert await s.when(AssignEvaluators(evaluators=[SAME_INSTITUTION]), PROVINCE) == [
        "EvaluatorRecused"
    ]
    assert await s.status() == "submitted"


async def test_an_evaluator_can_step_back_before_evaluating() -> None:
    s = await under_evaluation(EV1, EV2)
    assert await s.when(
        RecuseEvaluator(evaluator_id="ev-2", reason="曾参与该项目"), evaluator(EV2)
    ) == ["EvaluatorRecused"]
    await s.when(
        EvaluateAchievement(scores=scores(5), comment="领先", recommendation="admit"),
        evaluator(EV1),
    )
    assert await s.status() == "evaluated"  # the one remaining evaluator has evaluated


async def test_evaluation_guards() -> None:
    s = await under_evaluation(EV1)
    good = EvaluateAchievement(scores=scores(4), comment="较好", recommendation="admit")
    refusal = await s.refused(good, evaluator(EV2))
    assert isinstance(refusal, Forbidden) and refusal.code == "not_your_evaluation"
    assert await s.when(good, evaluator(EV1)) == ["AchievementEvaluated"]
    refusal = await s.refused(good, evaluator(EV1))
    assert isinstance(refusal, StateConflict)
    assert isinstance(
        await s.refused(RecuseEvaluator(evaluator_id="ev-1", reason="晚了"), evaluator(EV1)),
        StateConflict,
    )
    refused = await s.refused(RecuseEvaluator(evaluator_id="ev-9", reason="x"), PROVINCE)
    assert isinstance(refused, DomainError) and refused.code == "not_assigned"
    assert isinstance(await s.refused(AssignEvaluators(evaluators=[EV2]), HOLDER), Forbidden)


async def test_scores_are_one_to_five() -> None:
    with pytest.raises(ValueError):
        Scores(
            advancement=6,
            maturity=1,
            industrial_prospects=1,
            intellectual_property=1,
            team_willingness=1,
        )


async def test_evaluation_is_complete_when_every_assigned_evaluator_has_evaluated() -> None:
    s = await under_evaluation(EV1, EV2)
    await s.when(
        EvaluateAchievement(scores=scores(4), comment="好", recommendation="admit"), evaluator(EV1)
    )
    assert await s.status() == "under_evaluation"
    refusal = await s.refused(AdmitAchievement(), PROVINCE)
    assert isinstance(refusal, StateConflict) and refusal.code == "not_evaluated"


# admission, rejection, publication


async def test_admission_shows_every_score_and_the_combined_one() -> None:
    s = await evaluated()
    assert await s.when(AdmitAchievement(note="同意"), PROVINCE) == ["AchievementAdmitted"]
    admitted_event = await s.last()
    means = {e.evaluator_id: e.mean for e in admitted_event.evaluations}  # type: ignore[attr-defined]
    assert means == {"ev-1": Decimal("4.00"), "ev-2": Decimal("3.00")}
    assert admitted_event.combined_score == Decimal("3.50")  # type: ignore[attr-defined]
    assert await s.status() == "admitted"


async def test_rejection_with_reasons_keeps_the_scores() -> None:
    s = await evaluated()
    assert await s.when(RejectAchievement(reasons=["产业化前景不明"]), TORCH) == [
        "AchievementRejected"
    ]
    rejected = await s.last()
    assert rejected.combined_score == Decimal("3.50")  # type: ignore[attr-defined]
    assert await s.status() == "rejected"
    assert isinstance(await s.refused(AdmitAchievement(), PROVINCE), StateConflict)


async def test_a_submitted_one_can_be_rejected_without_evaluation_but_not_a_draft() -> None:
    s = await submitted()
    assert await s.when(RejectAchievement(reasons=["不属于征集范围"]), PROVINCE) == [
        "AchievementRejected"
    ]
    d = await drafted()
    assert isinstance(await d.refused(RejectAchievement(reasons=["x"]), PROVINCE), StateConflict)


async def test_only_an_admitted_one_is_published_and_only_by_operators() -> None:
    s = await admitted()
    assert isinstance(await s.refused(PublishAchievement(), HOLDER), Forbidden)
    assert await s.when(PublishAchievement(), PROVINCE) == ["AchievementPublished"]
    assert isinstance(await s.refused(PublishAchievement(), PROVINCE), StateConflict)
    e = await evaluated()
    assert isinstance(await e.refused(PublishAchievement(), PROVINCE), StateConflict)


# after publication


async def test_a_material_change_sends_a_published_one_back_for_evaluation() -> None:
    s = await published()
    assert await s.when(UpdateAchievement(trl=8)) == ["AchievementUpdated"]
    update = await s.last()
    assert update.material is True  # type: ignore[attr-defined]
    assert await s.status() == "submitted"
    # a new round: evaluators are assigned afresh
    assert await s.when(AssignEvaluators(evaluators=[EV1]), PROVINCE) == ["EvaluationAssigned"]


async def test_other_changes_keep_it_published() -> None:
    s = await published()
    assert await s.when(UpdateAchievement(market_prospects="新能源车企需求旺盛。")) == [
        "AchievementUpdated"
    ]
    assert await s.status() == "published"


async def test_confidential_access_is_granted_once_per_company_by_the_holder() -> None:
    s = await published()
    grant = GrantConfidentialAccess(company_id="91440300MA5XXXXXX1")
    assert isinstance(await s.refused(grant, OTHER_HOLDER), Forbidden)
    assert await s.when(grant) == ["ConfidentialAccessGranted"]
    assert await s.when(grant) == []
    d = await drafted()
    assert isinstance(await d.refused(grant), StateConflict)


async def test_withdrawn_by_the_holder_then_archived_by_an_operator() -> None:
    s = await published()
    assert await s.when(WithdrawAchievement(reason="已与企业签约")) == ["AchievementWithdrawn"]
    assert isinstance(await s.refused(WithdrawAchievement(reason="again")), StateConflict)
    assert isinstance(await s.refused(UpdateAchievement(trl=9)), StateConflict)
    assert isinstance(await s.refused(ArchiveAchievement(), HOLDER), Forbidden)
    assert await s.when(ArchiveAchievement(reason="年度归档"), TORCH) == ["AchievementArchived"]
    assert await s.status() == "archived"


async def test_a_draft_cannot_be_archived() -> None:
    s = await drafted()
    refusal = await s.refused(ArchiveAchievement(), TORCH)
    assert isinstance(refusal, StateConflict) and refusal.code == "not_archivable"


async def test_an_operator_may_withdraw_one() -> None:
    s = await submitted()
    assert await s.when(WithdrawAchievement(reason="重复提交"), PROVINCE) == [
        "AchievementWithdrawn"
    ]


async def test_v1_drafts_upcast_with_no_owner_so_only_operators_act_on_them() -> None:
    s = Scenario()
    s.id = str(uuid.uuid4())
    v1 = new_envelope(
        AchievementDrafted.model_validate(a_draft().model_dump()),
        stream_id=s.id,
        stream_version=1,
        occurred_at=NOW,
        region="440000",
        actor="holder-1",
        correlation_id="c",
    )
    payload = {k: v for k, v in v1.payload.items() if k in _V1_FIELDS}
    await s.store.append(
        stream_id=s.id,
        stream_type="achievement",
        expected_version=0,
        events=[v1.model_copy(update={"schema_version": 1, "payload": payload})],
        committed_at=NOW,
    )
    assert isinstance(await s.refused(SubmitAchievement()), Forbidden)
    assert await s.when(WithdrawAchievement(reason="旧数据"), PROVINCE) == ["AchievementWithdrawn"]


_V1_FIELDS = {
    "title",
    "abstract",
    "field",
    "sub_field",
    "keywords",
    "trl",
    "holder_name",
    "institution",
    "channel",
    "asking_price_wan",
}


async def test_events_round_trip_through_their_contracts() -> None:
    s = await published()
    for envelope in (await s.store.load(s.id)).events:
        payload = EVENTS.payload(envelope)
        assert payload.event_type == envelope.event_type
        if isinstance(payload, EvaluationAssigned | AchievementEvaluated):
            assert payload.model_dump(mode="json") == envelope.payload
    assert Recommendation.ADMIT.value == "admit"


async def test_a_field_no_longer_confidential_carries_its_value_in_the_update() -> None:
    s = await drafted()
    assert await s.when(UpdateAchievement(confidential=["attachments"])) == ["AchievementUpdated"]
    update = await s.last()
    changes = update.changes  # type: ignore[attr-defined]
    assert changes["confidential"] == ["attachments"]
    assert changes["asking_price_wan"] == "500"  # freed: its value travels with the change
    assert changes["contact"]["name"] == "李四"


def test_an_update_may_change_but_not_clear_what_every_achievement_has() -> None:
    from pydantic import ValidationError

    from ztc_shared.contracts.intake import NEVER_CLEARED

    for name in sorted(NEVER_CLEARED & set(UpdateAchievement.model_fields)):
        with pytest.raises(ValidationError) as refused:
            UpdateAchievement.model_validate({name: None})
        (error,) = refused.value.errors()
        assert (error["type"], error["loc"]) == ("null_not_allowed", (name,)), name
    # what a draft may leave out may be cleared again
    assert UpdateAchievement.model_validate({"sub_field": None, "contact": None}).changes() == {
        "contact": None,
        "sub_field": None,
    }
