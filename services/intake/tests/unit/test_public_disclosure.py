"""No confidential field ever reaches public disclosure (信息公开), whatever the details, whatever
the holder keeps confidential, and whatever happens after publication.

Generated achievements carry a unique marker in every field that can be kept confidential (and in
the holder's account, the evaluators and their comments, which are never public). Each runs through
the real aggregate: draft, submit, evaluation, admission, publication, then random updates (changes
of values and of the confidential set, material or not), republication, withdrawal or archiving.
After every event the public document and the API's response model are checked: no key of a field
that is confidential now, and no marker that was never the value of a public field.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.application.projections import PUBLIC_KEYS, CatalogueProjector, PublicProjector
from intake.domain.access import Actor
from intake.domain.achievement import Achievement
from intake.domain.commands import (
    AdmitAchievement,
    ArchiveAchievement,
    AssignEvaluators,
    DraftAchievement,
    EvaluateAchievement,
    GrantConfidentialAccess,
    PublishAchievement,
    SubmitAchievement,
    UpdateAchievement,
    WithdrawAchievement,
)
from intake.entrypoints.api.routes.public import PublicAchievement
from ztc_shared.contracts.intake import ALWAYS_PUBLIC, DETAIL_FIELDS, Evaluator, Scores
from ztc_shared.domain import DomainError, Forbidden, StateConflict
from ztc_shared.events import EventEnvelope, new_envelope

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
REFUSED = (DomainError, Forbidden, StateConflict)
# Fields a holder may keep confidential.
MAY_WITHHOLD = sorted(set(DETAIL_FIELDS) - ALWAYS_PUBLIC - {"confidential"})
# Fields whose value can carry a marker (the others are enums, checked by their keys).
MARKABLE = sorted(set(MAY_WITHHOLD) - {"transfer_modes", "channel"})
# Those an update may change.
UPDATABLE = sorted(set(UpdateAchievement.model_fields) & set(MARKABLE))
HOLDER = Actor(id="holder-mk", role="holder")
OPERATOR = Actor(id="province-1", role="province")
SCORES = Scores(
    advancement=4, maturity=4, industrial_prospects=4, intellectual_property=4, team_willingness=4
)

cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x62FF)
chinese = st.text(alphabet=cjk, min_size=2, max_size=30)
mixed = st.text(
    alphabet=st.one_of(cjk, st.sampled_from("abcXYZ0189 ，。、（）-")), min_size=0, max_size=40
)


class Markers:
    """Unique strings (and prices) no generated text can contain by chance."""

    def __init__(self) -> None:
        self._count = itertools.count(1)

    def text(self) -> str:
        return f"zqmark{next(self._count):05d}x"

    def price(self) -> tuple[str, str]:
        number = next(self._count)
        value = f"{7_000_000 + number}.4321"
        return value, value


def value_of(name: str, marker: str, text: str) -> Any:
    """A JSON value for field ``name`` that contains ``marker``."""
    if name in ("abstract", "application_scenarios", "market_prospects", "competitor_comparison"):
        return f"{text}{marker}这是一段足够长的说明文字"
    if name in ("holder_name", "institution"):
        return f"{text[:20]}{marker}"
    if name == "keywords":
        return [text[:10] or "关键词", marker]
    if name == "ip_items":
        return [{"kind": "patent", "number": f"ZL{marker}", "status": "granted"}]
    if name == "contact":
        return {"name": marker, "phone": "13800000000", "email": f"{marker}@example.cn"}
    if name == "national_programme":
        return {"programme": f"重点研发计划{marker}", "project_number": marker}
    if name == "attachments":
        return [{"name": f"{marker}.pdf", "size": 10, "sha256": "a" * 64, "location": marker}]
    raise AssertionError(name)


@dataclass
class Ledger:
    """What each field holds now, which markers ever were public, and which exist at all."""

    markers: Markers = field(default_factory=Markers)
    current: dict[str, str] = field(default_factory=dict)  # field → marker of its value
    confidential: set[str] = field(default_factory=set)
    ever_public: set[str] = field(default_factory=set)
    every: set[str] = field(default_factory=set)

    def mark(self, name: str, text: str) -> Any:
        if name == "asking_price_wan":
            marker, value = self.markers.price()
        else:
            marker = self.markers.text()
            value = value_of(name, marker, text)
        self.current[name] = marker
        self.every.add(marker)
        return value

    def never_public(self, marker: str) -> str:
        self.every.add(marker)
        return marker

    def settle(self) -> None:
        for name, marker in self.current.items():
            if name not in self.confidential:
                self.ever_public.add(marker)

    def secrets(self) -> set[str]:
        return self.every - self.ever_public


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(UPDATABLE), unique=True, max_size=4))
    change: dict[str, Any] = {"names": names, "text": draw(chinese)}
    if draw(st.booleans()):
        change["confidential"] = draw(st.lists(st.sampled_from(MAY_WITHHOLD), unique=True))
    if draw(st.booleans()):
        change["title"] = draw(chinese)  # title is material: back for evaluation
    return change


steps = st.one_of(
    updates(),
    st.sampled_from(["republish", "grant", "withdraw", "archive"]),
)


@dataclass
class Run:
    ledger: Ledger
    achievement: Achievement
    envelopes: list[EventEnvelope] = field(default_factory=list)
    public: dict[str, Any] | None = None
    catalogue: dict[str, Any] | None = None

    def take(self) -> None:
        """Project the aggregate's new events, checking after each one."""
        pending = self.achievement.pending_events()[len(self.envelopes) :]
        for event in pending:
            envelope = new_envelope(
                event,
                stream_id=self.achievement.id,
                stream_version=len(self.envelopes) + 1,
                occurred_at=T0 + timedelta(minutes=len(self.envelopes)),
                region="440000",
                actor=HOLDER.id,
                correlation_id="corr",
            )
            self.envelopes.append(envelope)
            self.public = PublicProjector().apply(self.public, envelope)
            self.catalogue = CatalogueProjector().apply(self.catalogue, envelope)
            self.check()

    def act(self, command: Any, actor: Actor, method: str) -> None:
        try:
            getattr(self.achievement, method)(command, actor)
        except REFUSED:
            return  # not allowed in this state: nothing happens
        self.take()

    def check(self) -> None:
        public = self.public
        assert public is not None and self.catalogue is not None
        status = self.achievement.status
        assert status is not None
        # The read side agrees with the aggregate.
        assert self.catalogue["status"] == status.value
        assert public["visible"] is (status.value == "published")
        # No key of a confidential field; nothing but the known public keys.
        confidential = self.ledger.confidential
        assert not confidential & public.keys(), confidential & public.keys()
        assert set(public) <= {*PUBLIC_KEYS, "withheld", "pending"}
        assert "holder_id" not in public
        # No secret anywhere in the document, nor in what the API would answer.
        secrets = self.ledger.secrets()
        stored = json.dumps(public, default=str, ensure_ascii=False).lower()
        leaked = {s for s in secrets if s.lower() in stored}
        assert not leaked, leaked
        if public["visible"]:
            answer = PublicAchievement.model_validate({**public, "_id": self.achievement.id})
            text = answer.model_dump_json().lower()
            assert not {s for s in secrets if s.lower() in text}
            for name in confidential:
                assert getattr(answer, name) is None


def evaluate_and_publish(run: Run, round_: int) -> None:
    ledger = run.ledger
    evaluator = Evaluator(
        evaluator_id=ledger.never_public(f"zqeval{round_:03d}"),
        name=ledger.never_public(f"zqname{round_:03d}"),
        institution="某评估机构",
    )
    run.act(AssignEvaluators(evaluators=[evaluator]), OPERATOR, "assign")
    comment = ledger.never_public(f"zqcomment{round_:03d}")
    run.act(
        EvaluateAchievement(scores=SCORES, comment=comment, recommendation="admit"),
        Actor(id=evaluator.evaluator_id, role="expert"),
        "evaluate",
    )
    run.act(AdmitAchievement(), OPERATOR, "admit")
    run.act(PublishAchievement(), OPERATOR, "publish")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    title=chinese,
    text=mixed,
    confidential=st.lists(st.sampled_from(MAY_WITHHOLD), unique=True),
    transfer_modes=st.lists(
        st.sampled_from(["transfer", "license", "equity", "joint_development"]), unique=True
    ),
    trl=st.integers(min_value=1, max_value=9),
    later=st.lists(steps, max_size=6),
)
def test_no_confidential_field_ever_reaches_public_disclosure(
    title: str,
    text: str,
    confidential: list[str],
    transfer_modes: list[str],
    trl: int,
    later: list[Any],
) -> None:
    ledger = Ledger()
    details: dict[str, Any] = {name: ledger.mark(name, text) for name in MARKABLE}
    details.update(
        title=title,
        field="new_materials",
        sub_field="frontier_materials",
        trl=trl,
        channel="open_call",
        transfer_modes=transfer_modes,
        confidential=confidential,
    )
    ledger.confidential = set(confidential)
    ledger.settle()
    holder = Actor(id=ledger.never_public("zqholder00001x"), role="holder")
    run = Run(ledger, Achievement("ach-prop"))
    run.achievement.draft(DraftAchievement.model_validate(details), holder)
    run.take()
    run.act(SubmitAchievement(), holder, "submit")
    evaluate_and_publish(run, 0)
    assert run.public is not None and run.public["visible"] is True

    for round_, step in enumerate(later, start=1):
        if step == "republish":
            evaluate_and_publish(run, round_)
        elif step == "grant":
            company = ledger.never_public(f"zqcompany{round_:03d}x")
            run.act(GrantConfidentialAccess(company_id=company), holder, "grant_access")
        elif step == "withdraw":
            run.act(WithdrawAchievement(reason="不再转化"), holder, "withdraw")
        elif step == "archive":
            run.act(ArchiveAchievement(reason="过期"), OPERATOR, "archive")
        else:
            kept = dict(ledger.current)
            changes: dict[str, Any] = {n: ledger.mark(n, step["text"]) for n in step["names"]}
            if "confidential" in step:
                changes["confidential"] = step["confidential"]
            if "title" in step:
                changes["title"] = step["title"]
            before = set(ledger.confidential)
            if "confidential" in changes:
                ledger.confidential = set(changes["confidential"])
            try:
                run.achievement.update(UpdateAchievement.model_validate(changes), holder)
            except REFUSED:
                ledger.confidential, ledger.current = before, kept  # nothing was recorded
                continue
            ledger.settle()
            run.take()
