"""The API's recommendation index follows the library: only changed entries are re-analysed."""

from __future__ import annotations

from typing import Any

from screening.adapters.recommendations import Recommender
from screening.domain.round import ScreeningRound
from ztc_shared.contracts.screening import CompanyDemandStated, ScreeningRoundOpened


class Library:
    """The two reads the recommender makes, over a dict; counts the full reads."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.token: tuple[Any, ...] = ("library_g1", 0)
        self.full_reads: list[set[str]] = []

    async def applied_token(self) -> tuple[Any, ...]:
        return self.token

    async def entries(self, fields: dict[str, int]) -> list[dict[str, Any]]:
        if "title" in fields:
            self.full_reads.append(set(self.documents))
        return [dict(d) for d in self.documents.values()]

    def put(self, achievement_id: str, version: int, **fields: Any) -> None:
        self.documents[achievement_id] = {
            "_id": achievement_id,
            "stream_version": version,
            "status": "admitted",
            "field": "new_energy_vehicles",
            "trl": 6,
            "combined_score": "4.20",
            "keywords": [],
            "abstract": "",
            **fields,
        }
        self.token = (self.token[0], self.token[1] + 1)


def a_round(needs: str) -> ScreeningRound:
    opened = ScreeningRoundOpened(
        roadshow_ref="rs-1",
        title="新能源汽车专场",
        fields=["new_energy_vehicles"],
        industry_needs=needs,
        region="440000",
        longlist_target=100,
        shortlist_min=10,
        shortlist_max=20,
    )
    demand = CompanyDemandStated(company_id="91440300MA5E2E0101", demand="需要快充技术")
    return ScreeningRound.rehydrate("round-1", [opened, demand])


async def test_changes_to_the_library_reach_the_ranking_and_nothing_else_is_re_read() -> None:
    library = Library()
    library.put("battery", 4, title="硫化物固态电池电解质", status="published")
    library.put("charging", 4, title="液冷超充终端", keywords=["快充"])
    recommender = Recommender(library)  # type: ignore[arg-type]
    round_ = a_round("提升动力电池安全性")

    first = [r.achievement_id for r in await recommender.recommend(round_)]
    assert set(first) == {"battery", "charging"}
    assert len(library.full_reads) == 1

    await recommender.recommend(round_)  # the library did not change: no scan at all
    assert len(library.full_reads) == 1

    library.put("battery", 5, title="硫化物固态电池电解质", status="withdrawn")
    library.put("drive", 3, title="扁线油冷驱动电机")
    after = [r.achievement_id for r in await recommender.recommend(round_)]
    assert "battery" not in after
    assert set(after) == {"charging", "drive"}
    assert library.full_reads[-1] == {"battery", "charging", "drive"}
    assert len(library.full_reads) == 2  # one more scan for the two changed entries


async def test_a_new_generation_of_the_library_starts_the_index_afresh() -> None:
    library = Library()
    library.put("old", 2, title="动力电池热管理")
    recommender = Recommender(library)  # type: ignore[arg-type]
    round_ = a_round("动力电池")
    assert [r.achievement_id for r in await recommender.recommend(round_)] == ["old"]

    library.documents = {}
    library.token = ("library_g2", 0)
    library.put("new", 1, title="动力电池回收")
    assert [r.achievement_id for r in await recommender.recommend(round_)] == ["new"]
