"""The demo catalogue `make run` loads: distinct, valid, spread over fields, provinces and stages."""

from intake.demo.catalogue import catalogue
from intake.domain.commands import DraftAchievement
from ztc_shared.contracts.taxonomy import IndustryField


def test_three_hundred_distinct_achievements_that_intake_accepts() -> None:
    items = catalogue(300)
    assert len({item.title for item in items}) == 300
    assert len({item.slug for item in items}) == 300
    for item in items:
        DraftAchievement.model_validate(item.body)
    assert {item.body["field"] for item in items} == {f.value for f in IndustryField}
    assert len({item.province for item in items}) >= 10
    assert {item.stage for item in items} == {
        "draft",
        "submitted",
        "under_evaluation",
        "admitted",
        "published",
    }


def test_the_same_list_every_time() -> None:
    assert catalogue(50) == catalogue(50)
    assert catalogue(50) == catalogue(300)[:50]
