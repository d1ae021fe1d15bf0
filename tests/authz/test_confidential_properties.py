"""No value a holder keeps confidential reaches a caller not granted it, whatever the holder keeps.

Achievements with random confidential sets, contacts and values (each value a marker found nowhere
else) are taken through intake's own commands — drafted, perhaps changed and re-classified,
submitted, evaluated, admitted, published, granted to one company — and then read the way each
kind of reader reads them: intake's public projection and its route model, screening's library
and its route model, the dashboard portal's projection, and intake's achievement read for every
role. The HTTP side of the same rules is the matrix (``test_matrix``).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.application.views import NEVER_PUBLIC, PublicAchievementsProjector
from intake.application.projections import PUBLIC_KEYS, PublicProjector
from intake.bootstrap import Intake, bootstrap
from intake.config import IntakeSettings
from intake.domain.achievement import Achievement
from intake.domain.commands import (
    AdmitAchievement,
    AssignEvaluators,
    DraftAchievement,
    EvaluateAchievement,
    GrantConfidentialAccess,
    PublishAchievement,
    SubmitAchievement,
    UpdateAchievement,
)
from intake.entrypoints.api.routes.achievements import read_achievement
from intake.entrypoints.api.routes.public import PublicAchievement
from screening.application.library import LibraryProjector
from screening.entrypoints.api.routes.library import LibraryEntryPublic
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.clock import FixedClock
from ztc_shared.contracts.intake import ALWAYS_PUBLIC, DETAIL_FIELDS
from ztc_shared.domain import Forbidden
from ztc_shared.events import EVENTS, EventEnvelope
from ztc_shared.eventstore.memory import InMemoryEventStore

REGION = "440000"
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
COMPANY = "91440300MA5AAAAA0X"
# the fields that carry a marker of their own in these tests (the others keep their defaults)
MARKED = (
    "abstract",
    "keywords",
    "asking_price_wan",
    "holder_name",
    "institution",
    "contact",
    "application_scenarios",
    "market_prospects",
    "competitor_comparison",
)
CONFIDENTIABLE = sorted(set(DETAIL_FIELDS) - ALWAYS_PUBLIC - {"confidential"})


def _marker(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:12]}"


def _values(prices: int) -> dict[str, Any]:
    return {
        "abstract": "成果简介 " + _marker("abstract"),
        "keywords": [_marker("keyword")],
        "asking_price_wan": str(Decimal(prices) + Decimal("0.0625")),
        "holder_name": _marker("holder"),
        "institution": _marker("institution"),
        "contact": {"name": _marker("contact"), "phone": "139" + uuid.uuid4().hex[:8]},
        "application_scenarios": _marker("scenarios"),
        "market_prospects": _marker("prospects"),
        "competitor_comparison": _marker("comparison"),
    }


def _texts(name: str, value: Any) -> list[str]:
    """The strings by which a field's value would be recognised in an answer."""
    if value is None:
        return []
    if name == "contact":
        return [value["name"], value["phone"]]
    if name == "keywords":
        return list(value)
    return [str(value)]


def _context(actor: str, role: Role, organisation: str | None = None) -> CommandContext:
    return CommandContext(
        actor=actor,
        region=REGION,
        correlation_id="property",
        role=role.value,
        organisation=organisation,
        actor_region=REGION,
    )


HOLDER = _context("holder-a", Role.HOLDER, "org-a")
PROVINCE = _context("gd-1", Role.PROVINCE)
EXPERT = _context("expert-a", Role.EXPERT)


async def _lifecycle(
    first: list[str], second: list[str] | None, changed: list[str], prices: tuple[int, int]
) -> tuple[Intake, Achievement, list[EventEnvelope], dict[str, str]]:
    """Holder A's achievement through intake's commands; the evaluation's own markers."""
    store = InMemoryEventStore()
    intake = bootstrap(IntakeSettings(region=REGION), store=store, clock=FixedClock(NOW))
    values = _values(prices[0])
    drafted = await intake.handle(
        DraftAchievement.model_validate(
            {
                "title": "可公开的成果名称",
                "field": "next_gen_it",
                "trl": 6,
                "channel": "open_call",
                **values,
                "confidential": first,
            }
        ),
        HOLDER,
    )
    stream = drafted.stream_id
    if second is not None or changed:
        fresh = _values(prices[1])
        changes: dict[str, Any] = {name: fresh[name] for name in changed}
        if second is not None:
            changes["confidential"] = second
        await intake.handle(UpdateAchievement.model_validate(changes), HOLDER, stream)
    evaluation = {"evaluator": _marker("evaluator"), "comment": _marker("comment")}
    await intake.handle(SubmitAchievement(), HOLDER, stream)
    await intake.handle(
        AssignEvaluators.model_validate(
            {
                "evaluators": [
                    {
                        "evaluator_id": EXPERT.actor,
                        "name": evaluation["evaluator"],
                        "institution": "评估中心",
                    }
                ]
            }
        ),
        PROVINCE,
        stream,
    )
    await intake.handle(
        EvaluateAchievement.model_validate(
            {
                "scores": {
                    "advancement": 4,
                    "maturity": 4,
                    "industrial_prospects": 5,
                    "intellectual_property": 3,
                    "team_willingness": 5,
                },
                "comment": evaluation["comment"],
                "recommendation": "admit",
            }
        ),
        EXPERT,
        stream,
    )
    await intake.handle(AdmitAchievement(), PROVINCE, stream)
    await intake.handle(PublishAchievement(), PROVINCE, stream)
    await intake.handle(GrantConfidentialAccess(company_id=COMPANY), HOLDER, stream)
    envelopes = list((await store.load(stream)).events)
    achievement = Achievement.rehydrate(stream, [EVENTS.payload(e) for e in envelopes])
    return intake, achievement, envelopes, evaluation


def _fold(projector: Any, envelopes: list[EventEnvelope]) -> dict[str, Any]:
    document: dict[str, Any] | None = None
    for envelope in envelopes:
        if projector.document_id(envelope) is not None:
            document = projector.apply(document, envelope)
    assert document is not None
    return document


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


confidential_sets = st.lists(st.sampled_from(CONFIDENTIABLE), unique=True, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=confidential_sets,
    second=st.none() | confidential_sets,
    # an update changes any of them but the institution (which is the drafting account's)
    changed=st.lists(
        st.sampled_from([n for n in MARKED if n != "institution"]), unique=True, max_size=4
    ),
    prices=st.tuples(st.integers(10_000, 9_999_999), st.integers(10_000, 9_999_999)),
)
def test_no_withheld_value_reaches_a_caller_not_granted_it(
    first: list[str], second: list[str] | None, changed: list[str], prices: tuple[int, int]
) -> None:
    intake, achievement, envelopes, evaluation = asyncio.run(
        _lifecycle(first, second, changed, prices)
    )
    kept = achievement.confidential()
    details = achievement.details
    withheld = [t for name in MARKED if name in kept for t in _texts(name, details.get(name))]
    contact = _texts("contact", details.get("contact"))
    public_values = [
        t for name in MARKED if name not in kept for t in _texts(name, details.get(name))
    ]

    # 信息公开: intake's public projection, and what its route answers from it
    public = _fold(PublicProjector(), envelopes)
    answered = PublicAchievement.model_validate(
        {"_id": achievement.id, **{k: public[k] for k in PUBLIC_KEYS if k in public}}
    )
    for text in (_dump(public), answered.model_dump_json()):
        assert [w for w in withheld if w in text] == []
        assert evaluation["comment"] not in text and evaluation["evaluator"] not in text
    # what the holder made public is public (the check above is not vacuous)
    assert all(v in answered.model_dump_json() for v in public_values if v not in contact)

    # screening's library: neither what is kept nor the contact, in the store or the answer
    library = _fold(LibraryProjector(), envelopes)
    entry = LibraryEntryPublic.model_validate({**library, "_id": achievement.id})
    for text in (_dump(library), entry.model_dump_json()):
        assert [w for w in [*withheld, *contact] if w in text] == []
        assert evaluation["comment"] not in text

    # the dashboard's portal: neither what is kept nor what is never public
    portal = _fold(PublicAchievementsProjector(), envelopes)
    never = [t for name in MARKED if name in NEVER_PUBLIC for t in _texts(name, details.get(name))]
    assert [w for w in [*withheld, *never] if w in _dump(portal)] == []

    asyncio.run(_read_as_every_role(intake, achievement, evaluation))


async def _read_as_every_role(
    intake: Intake, achievement: Achievement, evaluation: dict[str, str]
) -> None:
    """Intake's read of one achievement for each reader: insiders see it all; the granted
    company its fields and no evaluation; everybody else is refused."""
    insiders = [
        Principal("holder-a", Role.HOLDER, REGION),
        Principal("agency-a", Role.SUPPORT_ORG, REGION, organisation="org-a"),
        Principal("expert-a", Role.EXPERT, REGION),
        Principal("gd-1", Role.PROVINCE, REGION),
        Principal("torch-1", Role.TORCH_CENTER, "100000"),
    ]
    institution = achievement.institution
    refused = [
        Principal("holder-b", Role.HOLDER, REGION, organisation="org-a"),
        Principal("agency-b", Role.SUPPORT_ORG, REGION, name=institution, organisation="org-b"),
        Principal("agency-c", Role.SUPPORT_ORG, REGION, name=institution),
        Principal("expert-b", Role.EXPERT, REGION),
        Principal("91440300MA5AAAAB0X", Role.COMPANY, REGION),
    ]
    history: Any = None  # read only for ``as_of``
    for principal in insiders:
        view = await read_achievement(achievement.id, principal, intake, history, None)
        assert view.evaluations and view.evaluators
    company = await read_achievement(
        achievement.id, Principal(COMPANY, Role.COMPANY, REGION), intake, history, None
    )
    text = company.model_dump_json()
    assert evaluation["comment"] not in text and evaluation["evaluator"] not in text
    assert "expert-a" not in text and company.holder_id is None
    for principal in refused:
        with pytest.raises(Forbidden):
            await read_achievement(achievement.id, principal, intake, history, None)
