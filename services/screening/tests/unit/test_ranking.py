"""The recommendation ranker: the parts of a score, the bonuses, the demands, the index's upkeep,
and the fast index against the brute-force scan."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from screening.application.ranking import (
    BruteForceRanker,
    Demand,
    LibraryIndex,
    RankingWeights,
    Recommendation,
    RoundQuery,
    analyse,
    rank,
)
from ztc_shared.contracts.taxonomy import IndustryField as F

_spec = importlib.util.spec_from_file_location(
    "ranking_fixture", Path(__file__).with_name("ranking_fixture.py")
)
assert _spec is not None and _spec.loader is not None
fixture = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("ranking_fixture", fixture)
_spec.loader.exec_module(fixture)


def doc(aid: str, title: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "_id": aid,
        "title": title,
        "abstract": extra.pop("abstract", title),
        "keywords": extra.pop("keywords", []),
        "field": extra.pop("field", "new_energy_vehicles"),
        "trl": extra.pop("trl", 6),
        "combined_score": extra.pop("combined_score", "4.0"),
        "status": extra.pop("status", "published"),
    }
    base.update(extra)
    return base


def ids(results: list[Recommendation]) -> list[str]:
    return [r.achievement_id for r in results]


@pytest.fixture(scope="module")
def library_index() -> LibraryIndex:
    return LibraryIndex.build(fixture.library())


def test_parts_sum_to_the_total_and_the_explanation_names_them(
    library_index: LibraryIndex,
) -> None:
    query = RoundQuery(
        theme_fields=(F.NEW_ENERGY_VEHICLES,),
        needs="提升动力电池安全性，固态电池与热失控预警",
        demands=(Demand("固态电解质中试", company="某电池公司"),),
    )
    results = rank(library_index, query, limit=20)
    assert len(results) == 20
    assert results[0].achievement_id in {"ev02", "ev06"}
    for r in results:
        parts = r.parts
        assert r.score == pytest.approx(
            parts.text + parts.field + parts.trl + parts.evaluation + parts.demand
        )
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    ev02 = next(r for r in results if r.achievement_id == "ev02")
    assert {"固态", "电解质"} <= set(ev02.matched_terms)
    assert ev02.explanation.startswith("命中：固态、电解质")
    assert "领域匹配：新能源汽车" in ev02.explanation
    assert "评估得分 4.4" in ev02.explanation
    assert "契合企业需求：某电池公司" in ev02.explanation
    # the explanation shows the compound, not its pieces as well
    assert "电解" in ev02.matched_terms
    assert "、电解、" not in ev02.explanation


def test_only_admitted_and_published_achievements_are_candidates(
    library_index: LibraryIndex,
) -> None:
    results = rank(library_index, RoundQuery(needs="固态电池电解质 快充 电解水制氢 缺陷检测 VOCs"))
    assert not {"x01", "x02", "x03", "x04"} & set(ids(results))
    assert len(library_index) == len(fixture.ROWS)


def test_a_theme_field_lifts_an_achievement_of_that_field() -> None:
    index = LibraryIndex.build(
        [
            doc("a", "碳化硅功率模块", field="next_gen_it"),
            doc("b", "碳化硅功率模块", field="new_energy_vehicles"),
        ]
    )
    weights = RankingWeights()
    for theme, first in ((F.NEXT_GEN_IT, "a"), (F.NEW_ENERGY_VEHICLES, "b")):
        results = rank(index, RoundQuery(theme_fields=(theme,), needs="碳化硅"))
        assert ids(results)[0] == first
        assert results[0].parts.field == weights.field
        assert results[1].parts.field == 0.0


def test_trl_rises_to_the_preferred_level_and_is_flat_above_it() -> None:
    index = LibraryIndex.build(
        [
            doc("t3", "钠离子电池", trl=3),
            doc("t5", "钠离子电池", trl=5),
            doc("t8", "钠离子电池", trl=8),
        ]
    )
    results = {r.achievement_id: r for r in rank(index, RoundQuery(needs="钠离子电池"))}
    assert results["t3"].parts.trl < results["t5"].parts.trl == results["t8"].parts.trl
    assert results["t5"].parts.trl == RankingWeights().trl
    stricter = RankingWeights(preferred_trl=8)
    results = {
        r.achievement_id: r for r in rank(index, RoundQuery(needs="钠离子电池"), 10, stricter)
    }
    assert results["t5"].parts.trl < results["t8"].parts.trl == stricter.trl
    assert "技术成熟度 TRL 8" in results["t8"].explanation


def test_the_evaluation_score_counts_and_a_missing_one_counts_nothing() -> None:
    index = LibraryIndex.build(
        [
            doc("low", "储氢瓶", combined_score="2.0"),
            doc("high", "储氢瓶", combined_score="4.6"),
            doc("none", "储氢瓶", combined_score=None),
        ]
    )
    results = {r.achievement_id: r for r in rank(index, RoundQuery(needs="储氢瓶"))}
    assert results["high"].parts.evaluation > results["low"].parts.evaluation > 0
    assert results["none"].parts.evaluation == 0.0
    assert "评估得分" not in results["none"].explanation


def test_a_company_demand_lifts_the_achievement_that_answers_it() -> None:
    index = LibraryIndex.build(
        [
            doc("wireless", "电动汽车无线充电", abstract="磁耦合无线充电系统"),
            doc("swap", "重卡换电站", abstract="重卡快速换电"),
        ]
    )
    needs = "城市充电设施建设"
    plain = rank(index, RoundQuery(needs=needs))
    assert all(r.parts.demand == 0.0 for r in plain)
    asked = rank(
        index, RoundQuery(needs=needs, demands=(Demand("港口重卡需要换电", company="港务集团"),))
    )
    assert ids(asked)[0] == "swap"
    assert asked[0].parts.demand == RankingWeights().demand
    assert "契合企业需求：港务集团" in asked[0].explanation
    # a demand that names another field counts less for this one
    elsewhere = rank(
        index,
        RoundQuery(needs=needs, demands=(Demand("港口重卡需要换电", fields=(F.NEW_ENERGY,)),)),
    )
    assert elsewhere[0].parts.demand == pytest.approx(
        RankingWeights().demand * RankingWeights().demand_off_field
    )


def _random_query(rng: random.Random, vocabulary: list[str]) -> RoundQuery:
    fields = tuple(rng.sample(list(F), rng.randint(0, 2)))
    needs = "需要" + "、".join(rng.sample(vocabulary, rng.randint(1, 6)))
    demands = tuple(
        Demand(
            "、".join(rng.sample(vocabulary, rng.randint(1, 3))),
            fields=tuple(rng.sample(list(F), rng.randint(0, 1))),
        )
        for _ in range(rng.randint(0, 3))
    )
    return RoundQuery(theme_fields=fields, needs=needs, demands=demands)


def _same_top(fast: list[Recommendation], slow: list[tuple[str, Any]], k: int = 10) -> None:
    """Same scores in order; the same ids wherever the score is not tied with a neighbour (the
    two break ties alike only while no document was re-indexed)."""
    fast_scores = [r.score for r in fast[:k]]
    slow_scores = [parts.total for _, parts in slow[:k]]
    assert fast_scores == pytest.approx(slow_scores, abs=1e-9)
    fast_ids, slow_ids = ids(fast[:k]), [a for a, _ in slow[:k]]
    for i, score in enumerate(fast_scores):
        neighbours = [r.score for j, r in enumerate(fast[: k + 1]) if abs(j - i) == 1]
        if all(abs(score - other) > 1e-9 for other in neighbours):
            assert fast_ids[i] == slow_ids[i]


def test_the_index_ranks_like_the_brute_force_scan(library_index: LibraryIndex) -> None:
    analysed = [a for a in (analyse(d) for d in fixture.library()) if a is not None]
    brute = BruteForceRanker(analysed)
    vocabulary = sorted({k for row in fixture.ROWS for k in row[6].split(",")})
    rng = random.Random(7)
    for _ in range(40):
        query = _random_query(rng, vocabulary)
        _same_top(rank(library_index, query, limit=10), brute.rank(query, limit=10))


def test_add_update_and_remove_keep_the_index_current() -> None:
    index = LibraryIndex.build([doc("a", "钠离子电池"), doc("b", "固态电池")])
    assert ids(rank(index, RoundQuery(needs="钠离子"), 1)) == ["a"]
    index.add(doc("c", "钠离子电池正极材料", trl=9, combined_score="5.0"))
    assert ids(rank(index, RoundQuery(needs="正极材料"), 1)) == ["c"]
    assert set(ids(rank(index, RoundQuery(needs="钠离子"), 2))) == {"a", "c"}
    index.update(doc("c", "氢燃料电池电堆", trl=9, combined_score="5.0"))
    assert ids(rank(index, RoundQuery(needs="钠离子"), 1)) == ["a"]
    assert "电堆" in rank(index, RoundQuery(needs="电堆"), 1)[0].matched_terms
    index.update(doc("a", "钠离子电池", status="withdrawn"))
    assert "a" not in index
    assert "a" not in ids(rank(index, RoundQuery(needs="钠离子")))
    index.remove("b")
    index.remove("never-there")
    assert ids(rank(index, RoundQuery(needs="电池"))) == ["c"]
    assert len(index) == 1


def test_many_removals_compact_the_index_and_it_still_ranks_like_the_scan() -> None:
    rng = random.Random(3)
    words = ["电池", "电机", "芯片", "氢能", "光伏", "储能", "机器人", "涂层", "疫苗", "传感器"]
    documents = [
        doc(
            f"d{i}", "".join(rng.sample(words, 3)), trl=rng.randint(1, 9), field=rng.choice(list(F))
        )
        for i in range(2400)
    ]
    index = LibraryIndex.build(documents[:1200])
    for d in documents[1200:]:
        index.add(d)
    for d in documents[:1800]:
        index.remove(d["_id"])
    assert len(index) == 600
    assert index._size < 2400  # compacted at least once
    remaining = [a for a in (analyse(d) for d in documents[1800:]) if a is not None]
    brute = BruteForceRanker(remaining)
    for needs in ("电池芯片", "氢能储能光伏", "机器人传感器"):
        query = RoundQuery(theme_fields=(F.NEW_ENERGY,), needs=needs)
        _same_top(rank(index, query, limit=10), brute.rank(query, limit=10))
