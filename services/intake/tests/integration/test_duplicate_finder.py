"""Duplicate candidates come from the catalogue projection's active generation, on the real server."""

import uuid
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from intake.adapters.duplicates import CatalogueDuplicateFinder
from ztc_shared.projections import MongoProjectionCatalog

pytestmark = pytest.mark.integration


async def test_shared_numbers_and_same_institution_titles_are_found(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    database = mongo_client[f"{run_id}_dupes_{uuid.uuid4().hex[:6]}"]
    catalog = MongoProjectionCatalog(database, "intake")
    generation = await catalog.active("catalogue")
    await database[generation.collection].insert_many(
        [
            {
                "_id": "by-patent",
                "title": "另一种说法的电解质",
                "institution": "清华大学",
                "ip_items": [{"kind": "patent", "number": "ZL202310000001.X", "status": "granted"}],
                "status": "published",
            },
            {
                "_id": "by-title",
                "title": "高比能固态锂电池电解质（修订）",
                "institution": "中山大学",
                "ip_items": [],
                "status": "submitted",
            },
            {
                "_id": "unrelated",
                "title": "海上风电叶片气动设计",
                "institution": "中山大学",
                "ip_items": [],
                "status": "published",
            },
            {
                "_id": "merged-away",
                "title": "高比能固态锂电池电解质",
                "institution": "中山大学",
                "ip_items": [],
                "status": "withdrawn",
                "merged_into": "by-title",
            },
        ]
    )
    finder = CatalogueDuplicateFinder(database, catalog)
    found = dict(
        await finder.find(
            "new-one",
            {
                "title": "高比能固态锂电池电解质",
                "institution": "中山大学",
                "ip_items": [{"number": "ZL202310000001.X"}],
            },
        )
    )
    assert set(found) == {"by-patent", "by-title"}
    assert "ZL202310000001X" in found["by-patent"]
