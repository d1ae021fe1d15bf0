"""Intake's read side without a database: both projectors event by event, search ranking and
filters, who sees what in the catalogue, the Excel export and the public routes over a fake."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from intake.adapters.queries import PublicSearch, Sort, rank, reader_scope, relevance
from intake.application.projections import (
    CATALOGUE,
    PROJECTIONS,
    PUBLIC,
    PUBLIC_KEYS,
    CatalogueProjector,
    PublicProjector,
    catalogue_definition,
    search_index,
    segment,
)
from intake.bootstrap import projection_definitions
from intake.config import IntakeSettings
from intake.entrypoints.api.routes import catalogue, public
from intake.entrypoints.api.routes.catalogue import build_workbook, content_disposition
from ztc_shared.auth import Principal, Role, mint_token
from ztc_shared.contracts.intake import (
    AchievementAdmitted,
    AchievementArchived,
    AchievementDrafted,
    AchievementEvaluated,
    AchievementPublished,
    AchievementRejected,
    AchievementResubmitted,
    AchievementReturned,
    AchievementsMerged,
    AchievementSubmitted,
    AchievementUpdated,
    AchievementWithdrawn,
    CallKind,
    CollectionCallClosed,
    CollectionCallOpened,
    ConfidentialAccessGranted,
    Contact,
    DuplicateSuspected,
    EvaluationAssigned,
    EvaluationSummary,
    Evaluator,
    EvaluatorRecused,
    Scores,
)
from ztc_shared.events import EventEnvelope, new_envelope
from ztc_shared.web import create_app

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SCORES = Scores(
    advancement=4, maturity=5, industrial_prospects=4, intellectual_property=3, team_willingness=4
)
EV_A = Evaluator(evaluator_id="ev-a", name="评估人甲", institution="广东省技术转移中心")
EV_B = Evaluator(evaluator_id="ev-b", name="评估人乙", institution="深圳技术评估所")


def drafted(**overrides: Any) -> AchievementDrafted:
    fields: dict[str, Any] = {
        "title": "高导热石墨烯复合散热膜规模化制备技术",
        "abstract": "以氧化石墨烯浆料连续涂布和梯度热还原为核心工艺，制得柔性散热膜。",
        "field": "new_materials",
        "sub_field": "frontier_materials",
        "keywords": ["石墨烯", "导热膜"],
        "trl": 6,
        "holder_name": "王静怡",
        "institution": "中国科学院深圳先进技术研究院",
        "channel": "self_nomination",
        "asking_price_wan": "300",
        "transfer_modes": ["license"],
        "contact": {"name": "王老师", "phone": "13800000000"},
        "application_scenarios": "手机和基站散热",
        "confidential": ["contact", "asking_price_wan", "attachments"],
        "holder_id": "holder-1",
    }
    fields.update(overrides)
    return AchievementDrafted.model_validate(fields)


class Stream:
    """Envelopes of one achievement, numbered and an hour apart."""

    def __init__(self, stream_id: str = "ach-1", region: str = "440000") -> None:
        self.stream_id = stream_id
        self.region = region
        self.version = 0

    def __call__(self, event: Any) -> EventEnvelope:
        self.version += 1
        return new_envelope(
            event,
            stream_id=self.stream_id,
            stream_version=self.version,
            occurred_at=T0 + timedelta(hours=self.version),
            region=self.region,
            actor="someone",
            correlation_id="corr",
        )


def fold(projector: Any, envelopes: list[EventEnvelope]) -> dict[str, Any]:
    document: dict[str, Any] | None = None
    for envelope in envelopes:
        document = projector.apply(document, envelope)
    assert document is not None
    return document


def to_published(stream: Stream, **overrides: Any) -> list[EventEnvelope]:
    summary = EvaluationSummary(
        evaluator_id="ev-a", scores=SCORES, mean=SCORES.mean(), recommendation="admit"
    )
    return [
        stream(drafted(**overrides)),
        stream(AchievementSubmitted(call_id="call-1")),
        stream(EvaluationAssigned(evaluator=EV_A)),
        stream(
            AchievementEvaluated(
                evaluator_id="ev-a", scores=SCORES, comment="好", recommendation="admit"
            )
        ),
        stream(AchievementAdmitted(evaluations=[summary], combined_score=Decimal("4.00"))),
        stream(AchievementPublished()),
    ]


# -- the catalogue ---------------------------------------------------------------------------


def test_collection_call_events_are_ignored_by_both() -> None:
    stream = Stream("call-1")
    for event in (
        CollectionCallOpened(title="2026 年度征集", kind=CallKind.OPEN),
        CollectionCallClosed(reason="到期"),
    ):
        envelope = stream(event)
        assert CatalogueProjector().document_id(envelope) is None
        assert PublicProjector().document_id(envelope) is None


def test_a_draft_holds_every_detail_and_who_owns_it() -> None:
    stream = Stream()
    document = CatalogueProjector().apply(None, stream(drafted()))
    assert document["status"] == "draft"
    assert document["status_name"] == "草稿"
    assert document["holder_id"] == "holder-1"
    assert document["contact"] == {"name": "王老师", "phone": "13800000000", "email": None}
    assert document["asking_price_wan"] == "300"
    assert document["field_name"] == "新材料"
    assert document["region"] == "440000"
    assert document["stream_version"] == 1
    assert document["drafted_at"] == T0 + timedelta(hours=1)


def test_the_catalogue_follows_the_lifecycle_to_publication() -> None:
    stream = Stream()
    envelopes = to_published(stream)
    projector = CatalogueProjector()
    statuses = []
    document: dict[str, Any] | None = None
    for envelope in envelopes:
        document = projector.apply(document, envelope)
        statuses.append(document["status"])
    assert statuses == [
        "draft",
        "submitted",
        "under_evaluation",
        "evaluated",
        "admitted",
        "published",
    ]
    assert document is not None
    assert document["call_id"] == "call-1"
    assert document["evaluator_ids"] == ["ev-a"]
    assert document["evaluated_by"] == ["ev-a"]
    assert document["combined_score"] == "4.00"
    assert document["status_name"] == "已公开"
    assert document["published_at"] == T0 + timedelta(hours=6)
    assert document["stream_version"] == 6


def test_recusal_return_resubmission_rejection_and_the_rest() -> None:
    stream = Stream()
    projector = CatalogueProjector()
    document = fold(
        projector,
        [
            stream(drafted()),
            stream(AchievementSubmitted()),
            stream(EvaluationAssigned(evaluator=EV_A)),
            stream(EvaluationAssigned(evaluator=EV_B)),
        ],
    )
    assert document["status"] == "under_evaluation"
    document = projector.apply(document, stream(EvaluatorRecused(evaluator=EV_B, reason="同单位")))
    assert document["evaluator_ids"] == ["ev-a"]
    assert document["recused"] == [{"evaluator_id": "ev-b", "reason": "同单位"}]
    document = projector.apply(document, stream(EvaluatorRecused(evaluator=EV_A, reason="回避")))
    assert document["status"] == "submitted"  # nobody left to evaluate
    document = projector.apply(document, stream(AchievementReturned(reasons=["补充材料"])))
    assert (document["status"], document["reasons"], document["evaluator_ids"]) == (
        "returned",
        ["补充材料"],
        [],
    )
    document = projector.apply(document, stream(AchievementResubmitted()))
    assert document["status"] == "submitted"
    document = projector.apply(
        document, stream(AchievementRejected(reasons=["不成熟"], combined_score=Decimal("2.10")))
    )
    assert (document["status"], document["combined_score"]) == ("rejected", "2.10")
    document = projector.apply(document, stream(ConfidentialAccessGranted(company_id="co-1")))
    document = projector.apply(
        document, stream(DuplicateSuspected(other_id="ach-9", reason="同名"))
    )
    document = projector.apply(document, stream(AchievementsMerged(merged_id="ach-8")))
    assert document["granted_to"] == ["co-1"]
    assert document["duplicates"] == [{"other_id": "ach-9", "reason": "同名"}]
    assert document["merged_ids"] == ["ach-8"]
    document = projector.apply(document, stream(AchievementArchived(reason="到期")))
    assert (document["status"], document["status_name"]) == ("archived", "已归档")
    withdrawn = fold(
        CatalogueProjector(),
        [
            (s := Stream("ach-2"))(drafted()),
            s(AchievementWithdrawn(reason="合并", merged_into="ach-1")),
        ],
    )
    assert (withdrawn["status"], withdrawn["merged_into"]) == ("withdrawn", "ach-1")


def test_updates_change_details_and_a_material_one_starts_a_new_round() -> None:
    stream = Stream()
    projector = CatalogueProjector()
    document = fold(projector, to_published(stream))
    document = projector.apply(
        document, stream(AchievementUpdated(changes={"market_prospects": "广阔"}, material=False))
    )
    assert (document["status"], document["market_prospects"]) == ("published", "广阔")
    document = projector.apply(
        document, stream(AchievementUpdated(changes={"trl": 7, "bogus": 1}, material=True))
    )
    assert (document["status"], document["trl"], document["evaluator_ids"]) == (
        "submitted",
        7,
        [],
    )
    assert "bogus" not in document


def test_an_event_before_the_draft_is_refused() -> None:
    with pytest.raises(ValueError, match="never drafted"):
        CatalogueProjector().apply(None, Stream()(AchievementSubmitted()))
    with pytest.raises(ValueError, match="never drafted"):
        PublicProjector().apply(None, Stream()(AchievementSubmitted()))


def test_definitions_read_intakes_topic_under_the_prefix() -> None:
    assert catalogue_definition("t1.").topics == ("t1.ztc.intake.events",)
    definitions = projection_definitions(IntakeSettings(topic_prefix="p."))
    assert set(definitions) == set(PROJECTIONS) == {CATALOGUE, PUBLIC}
    assert all(d.topics == ("p.ztc.intake.events",) for d in definitions.values())


# -- public disclosure -----------------------------------------------------------------------


def test_only_publication_makes_it_visible_and_only_public_fields_are_held() -> None:
    stream = Stream()
    projector = PublicProjector()
    document: dict[str, Any] | None = None
    for envelope in to_published(stream):
        document = projector.apply(document, envelope)
        assert document["visible"] is (envelope.event_type == "AchievementPublished")
        assert not {"contact", "asking_price_wan", "holder_id", "evaluator_ids"} & document.keys()
    assert document is not None
    assert document["title"].startswith("高导热")
    assert document["published_at"] == T0 + timedelta(hours=6)
    assert document["withheld"] == ["asking_price_wan", "attachments", "contact"]
    assert set(document) <= {*PUBLIC_KEYS, "withheld", "pending"}
    assert "石墨" in document["search_tokens"]
    assert "13800000000" not in str(document)


def test_a_material_update_withdrawal_or_archive_hides_it_and_clears_its_terms() -> None:
    for last in (
        AchievementUpdated(changes={"title": "新的标题"}, material=True),
        AchievementWithdrawn(reason="不再转化"),
        AchievementArchived(reason="过期"),
    ):
        stream = Stream()
        document = fold(PublicProjector(), [*to_published(stream), stream(last)])
        assert document["visible"] is False
        assert document["search_tokens"] == []


def test_a_non_material_update_refreshes_a_published_one_and_publishing_again_shows_it() -> None:
    stream = Stream()
    projector = PublicProjector()
    document = fold(projector, to_published(stream))
    document = projector.apply(
        document,
        stream(
            AchievementUpdated(changes={"application_scenarios": "数据中心液冷"}, material=False)
        ),
    )
    assert document["visible"] is True
    assert document["application_scenarios"] == "数据中心液冷"
    assert "液冷" in document["search_tokens"]
    document = projector.apply(
        document,
        stream(AchievementUpdated(changes={"abstract": "全新的工艺路线说明"}, material=True)),
    )
    assert document["visible"] is False
    document = projector.apply(document, stream(AchievementPublished()))
    assert document["visible"] is True
    assert document["abstract"] == "全新的工艺路线说明"


def test_confidentiality_changes_take_effect_without_ever_holding_a_secret() -> None:
    stream = Stream()
    projector = PublicProjector()
    document = fold(projector, to_published(stream))
    # The holder hides the abstract and the holder's name: both go at once.
    document = projector.apply(
        document,
        stream(
            AchievementUpdated(
                changes={"confidential": ["contact", "abstract", "holder_name"]}, material=False
            )
        ),
    )
    assert "abstract" not in document and "holder_name" not in document
    assert "连续涂布" not in str(document)
    # A change of a hidden field stays out.
    document = projector.apply(
        document,
        stream(AchievementUpdated(changes={"abstract": "秘密工艺细节说明"}, material=False)),
    )
    assert "秘密工艺" not in str(document)
    # The asking price is released without a new value: public, but not known here yet.
    document = projector.apply(
        document,
        stream(AchievementUpdated(changes={"confidential": ["contact"]}, material=False)),
    )
    assert document["pending"] == ["abstract", "asking_price_wan", "attachments", "holder_name"]
    assert "asking_price_wan" not in document
    document = projector.apply(
        document,
        stream(AchievementUpdated(changes={"asking_price_wan": "250"}, material=False)),
    )
    assert document["asking_price_wan"] == "250"
    assert "asking_price_wan" not in document["pending"]
    # Contact details, still confidential, arrive and are dropped.
    contact = Contact(name="新联系人", phone="13900000000").model_dump(mode="json")
    document = projector.apply(
        document, stream(AchievementUpdated(changes={"contact": contact}, material=False))
    )
    assert "contact" not in document and "13900000000" not in str(document)


def test_always_public_fields_cannot_be_withheld_by_a_forged_list() -> None:
    stream = Stream()
    document = PublicProjector().apply(
        None, stream(drafted(confidential=["title", "trl", "contact", "no_such_field"]))
    )
    assert document["withheld"] == ["contact"]
    assert document["title"] and document["trl"] == 6
    forged = PublicProjector().apply(
        document, stream(AchievementUpdated(changes={"confidential": ["field"]}, material=False))
    )
    assert forged["withheld"] == [] and forged["field"] == "new_materials"


# -- search ---------------------------------------------------------------------------------


def test_segmentation_is_lower_cased_without_punctuation_stop_words_or_repeats() -> None:
    terms = segment("石墨烯的散热膜，PEM电解：石墨烯！")
    assert terms == ["石墨", "烯", "散热", "膜", "pem", "电解"]
    assert segment("") == [] and segment("，。！的") == []


def test_title_counts_more_than_keywords_more_than_abstract_more_than_scenarios() -> None:
    def doc(ident: str, **fields: Any) -> dict[str, Any]:
        tokens, weights = search_index(fields)
        return {"_id": ident, "search_tokens": tokens, "search_weights": weights}

    terms = segment("储能")
    docs = [
        doc("scenarios", title="甲", application_scenarios="储能电站"),
        doc("abstract", title="乙", abstract="用于储能"),
        doc("keywords", title="丙", keywords=["储能"]),
        doc("title", title="储能系统"),
    ]
    assert rank(docs, terms) == ["title", "keywords", "abstract", "scenarios"]
    assert relevance(docs[3], terms) == (8, 1)
    both = doc("both", title="储能系统", keywords=["储能"])
    assert rank([*docs, both], terms)[0] == "both"


def test_more_matched_terms_break_ties_then_newer_first() -> None:
    older = {"_id": "a", "search_tokens": ["锂"], "search_weights": [2], "published_at": T0}
    newer = {**older, "_id": "b", "published_at": T0 + timedelta(days=1)}
    two = {"_id": "c", "search_tokens": ["锂", "电"], "search_weights": [1, 1], "published_at": T0}
    assert rank([older, newer, two], ["锂", "电"]) == ["c", "b", "a"]
    assert rank([older, newer], ["锂"]) == ["b", "a"]


def test_public_filters() -> None:
    search = PublicSearch(
        q="石墨烯 散热",
        field="new_materials",
        sub_field="frontier_materials",
        trl_min=5,
        trl_max=8,
        region="440000",
        transfer_mode="license",
        sort=Sort.DATE,
    )
    terms = search.terms()
    assert search.filter(terms) == {
        "visible": True,
        "field": "new_materials",
        "sub_field": "frontier_materials",
        "trl": {"$gte": 5, "$lte": 8},
        "region": "440000",
        "transfer_modes": "license",
        "search_tokens": {"$in": ["石墨", "烯", "散热"]},
    }
    assert PublicSearch().filter([]) == {"visible": True}
    assert PublicSearch(trl_max=3).filter([]) == {"visible": True, "trl": {"$lte": 3}}


# -- who sees what in the catalogue -----------------------------------------------------------


def principal(
    role: Role, subject: str = "u-1", name: str | None = None, organisation: str | None = None
) -> Principal:
    return Principal(
        subject=subject, role=role, region="440000", name=name, organisation=organisation
    )


def test_reader_scopes() -> None:
    assert reader_scope(principal(Role.TORCH_CENTER)) == {}
    assert reader_scope(principal(Role.PROVINCE)) == {}
    mine = [{"holder_id": "u-1"}, {"evaluator_ids": "u-1"}, {"evaluated_by": "u-1"}]
    assert reader_scope(principal(Role.HOLDER)) == {"$or": mine}
    assert reader_scope(principal(Role.EXPERT)) == {"$or": mine}
    assert reader_scope(principal(Role.SUPPORT_ORG, name="中山大学", organisation="org-sysu")) == {
        "$or": [*mine, {"organisation_id": "org-sysu"}]
    }
    # An institution is its organisation id: a display name alone opens nothing.
    assert reader_scope(principal(Role.SUPPORT_ORG, name="中山大学")) == {"$or": mine}
    # A holder's organisation is not an institution's reading right.
    assert reader_scope(principal(Role.HOLDER, name="中山大学", organisation="org-sysu")) == {
        "$or": mine
    }


# -- Excel -----------------------------------------------------------------------------------


def test_the_workbook_has_chinese_headers_every_field_and_no_formulas() -> None:
    from openpyxl import load_workbook

    stream = Stream()
    document = fold(CatalogueProjector(), to_published(stream))
    document["_id"] = "ach-1"
    document["market_prospects"] = '=HYPERLINK("http://evil")'
    data = build_workbook([document])
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["成果编号", "成果名称", "成果简介"]
    assert row["状态"] == "已公开"
    assert row["综合评分"] == 4.0
    assert row["联系人"] == "王老师 13800000000"  # confidential fields too
    assert row["意向价格（万元）"] == "300"
    assert row["所属领域"] == "新材料"
    assert row["转化方式"] == "技术许可"
    assert row["评估人"] == "评估人甲（广东省技术转移中心）"
    assert row["保密字段"] == "联系人、意向价格（万元）、附件"
    assert row["市场前景"] == '=HYPERLINK("http://evil")'
    assert sheet.cell(row=2, column=header.index("市场前景") + 1).data_type == "s"
    assert row["公开时间（北京时间）"] == datetime(2026, 6, 1, 22, 0)
    english = load_workbook(io.BytesIO(build_workbook([document], zh=False))).active
    assert next(english.iter_rows(values_only=True))[:2] == ("Id", "Title")


def test_the_download_name_is_chinese_in_rfc_5987_form() -> None:
    header = content_disposition("科技成果库-20260601.xlsx", "achievements-20260601.xlsx")
    assert header == (
        'attachment; filename="achievements-20260601.xlsx"; '
        "filename*=UTF-8''%E7%A7%91%E6%8A%80%E6%88%90%E6%9E%9C%E5%BA%93-20260601.xlsx"
    )


# -- the routes over a fake read side ----------------------------------------------------------


class FakeQueries:
    def __init__(self, public_docs: list[dict[str, Any]], catalogue_docs: list[dict[str, Any]]):
        self.public_docs = {d["_id"]: d for d in public_docs}
        self.catalogue_docs = catalogue_docs
        self.scopes: list[dict[str, Any]] = []

    async def public_get(self, achievement_id: str) -> dict[str, Any] | None:
        document = self.public_docs.get(achievement_id)
        return document if document and document["visible"] else None

    async def public_wait_for(
        self, achievement_id: str, min_version: int, wait: float
    ) -> tuple[dict[str, Any] | None, bool]:
        document = self.public_docs.get(achievement_id)
        reached = document is not None and document["stream_version"] >= min_version
        return document, reached

    async def public_search(self, search: PublicSearch) -> tuple[list[dict[str, Any]], int]:
        visible = [d for d in self.public_docs.values() if d["visible"]]
        return visible, len(visible)

    async def catalogue_list(
        self, scope: dict[str, Any], **_: Any
    ) -> tuple[list[dict[str, Any]], int]:
        self.scopes.append(scope)
        return self.catalogue_docs, len(self.catalogue_docs)

    async def catalogue_export(self, scope: dict[str, Any], **_: Any) -> AsyncIterator[Any]:
        self.scopes.append(scope)
        for document in self.catalogue_docs:
            yield document


@pytest.fixture
def client() -> Iterator[tuple[TestClient, FakeQueries]]:
    published = fold(PublicProjector(), to_published(Stream("ach-pub")))
    draft = fold(PublicProjector(), [Stream("ach-draft")(drafted())])
    entry = fold(CatalogueProjector(), to_published(Stream("ach-pub")))
    fake = FakeQueries(
        [{**published, "_id": "ach-pub"}, {**draft, "_id": "ach-draft"}],
        [{**entry, "_id": "ach-pub"}],
    )
    settings = IntakeSettings(region="440000")
    app = create_app(
        settings=settings, title="t", description="", routers=[catalogue.router, public.router]
    )
    app.state.queries = fake
    with TestClient(app) as test_client:
        yield test_client, fake


def bearer(
    role: Role, subject: str = "u-1", name: str | None = None, organisation: str | None = None
) -> dict[str, str]:
    token = mint_token(
        IntakeSettings(region="440000"),
        subject=subject,
        role=role,
        region="440000",
        name=name,
        organisation=organisation,
    )
    return {"Authorization": f"Bearer {token}"}


def test_public_routes_need_no_token_and_hide_what_is_not_published(
    client: tuple[TestClient, FakeQueries],
) -> None:
    http, _ = client
    page = http.get("/public/achievements", params={"q": "石墨烯"})
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["terms"] == ["石墨", "烯"]
    assert [i["id"] for i in body["items"]] == ["ach-pub"]
    assert body["items"][0]["score"] > 0
    item = body["items"][0]
    assert item["contact"] is None and item["asking_price_wan"] is None
    assert "holder_id" not in item and "search_tokens" not in item and "withheld" not in item
    assert http.get("/public/achievements/ach-pub").status_code == 200
    assert http.get("/public/achievements/ach-draft").status_code == 404
    assert http.get("/public/achievements/nope").status_code == 404
    waited = http.get("/public/achievements/ach-pub", params={"min_version": 6})
    assert waited.headers["X-Stream-Version"] == "6"
    behind = http.get("/public/achievements/ach-pub", params={"min_version": 7, "wait_ms": 0})
    assert behind.status_code == 503
    assert behind.json()["wanted_version"] == 7
    assert http.get("/public/achievements/ach-draft", params={"min_version": 1}).status_code == 404
    assert http.get("/public/achievements", params={"page_size": 101}).status_code == 422


def test_the_public_openapi_has_examples_and_chinese_descriptions(
    client: tuple[TestClient, FakeQueries],
) -> None:
    http, _ = client
    schema = http.get("/openapi.json").json()
    search = schema["paths"]["/public/achievements"]["get"]
    assert "security" not in search
    assert all("examples" in p for p in search["parameters"])
    model = schema["components"]["schemas"]["PublicAchievement"]
    assert model["examples"][0]["title"]
    assert model["properties"]["title"]["description"].startswith("成果名称")
    one = schema["paths"]["/public/achievements/{achievement_id}"]["get"]
    assert "example" in one["responses"]["404"]["content"]["application/json"]


def test_the_catalogue_list_scopes_each_role_and_refuses_others(
    client: tuple[TestClient, FakeQueries],
) -> None:
    http, fake = client
    listed = http.get("/achievements", headers=bearer(Role.HOLDER, "holder-1"))
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"][0]["status_name"] == "已公开"
    assert fake.scopes[-1]["$or"][0] == {"holder_id": "holder-1"}
    http.get("/achievements", headers=bearer(Role.SUPPORT_ORG, "agent-1", "中山大学", "org-sysu"))
    assert {"organisation_id": "org-sysu"} in fake.scopes[-1]["$or"]
    # the display name in the token is no organisation
    http.get("/achievements", headers=bearer(Role.SUPPORT_ORG, "agent-2", "中山大学"))
    assert len(fake.scopes[-1]["$or"]) == 3
    http.get("/achievements", headers=bearer(Role.TORCH_CENTER))
    assert fake.scopes[-1] == {}
    for role in (Role.COMPANY, Role.HOST, Role.SZSE):
        assert http.get("/achievements", headers=bearer(role)).status_code == 403
    assert http.get("/achievements").status_code == 401


def test_the_export_is_for_operators_and_downloads_with_a_chinese_name(
    client: tuple[TestClient, FakeQueries],
) -> None:
    from openpyxl import load_workbook

    http, _ = client
    for role in (Role.HOLDER, Role.SUPPORT_ORG, Role.EXPERT, Role.COMPANY):
        assert http.get("/achievements/export.xlsx", headers=bearer(role)).status_code == 403
    response = http.get("/achievements/export.xlsx", headers=bearer(Role.PROVINCE))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = response.headers["content-disposition"]
    assert "filename*=UTF-8''%E7%A7%91%E6%8A%80%E6%88%90%E6%9E%9C%E5%BA%93-" in disposition
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 2
    assert next(sheet.iter_rows(values_only=True))[1] == "成果名称"


def test_a_stored_update_that_clears_a_required_field_changes_nothing_of_it() -> None:
    """Stored before the command refused nulls: such an event must not break a projection or a read."""
    from ztc_shared.events import EVENTS, decode_event, encode_event

    stream = Stream()
    projector = CatalogueProjector()
    public = PublicProjector()
    history = to_published(stream)
    document, shown = fold(projector, history), fold(public, history)
    stored = stream(
        AchievementUpdated.model_construct(
            changes={"title": None, "trl": None, "field": None, "sub_field": None},
            material=False,
        )
    )
    read_back = decode_event(encode_event(stored))  # as every consumer reads it
    assert read_back.payload["changes"]["title"] is None  # stored as it was written
    assert EVENTS.payload(read_back).changes == {"sub_field": None}  # type: ignore[attr-defined]
    document = projector.apply(document, read_back)
    shown = public.apply(shown, read_back)
    for view in (document, shown):
        assert view["title"].startswith("高导热")
        assert view["trl"] == 6
        assert view["field"] == "new_materials"
        assert view["sub_field"] is None
