"""What the dashboard's pages and API read: small reads of the active generation's collections."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from dashboard.adapters.readmodel import COUNTERS, READ_MODEL, collection_name
from dashboard.domain.funnel import STAGES, empty_counters, funnel, scope_id
from dashboard.domain.regions import PROVINCES, province_name
from ztc_shared.contracts.taxonomy import FIELD_NAMES, IndustryField
from ztc_shared.projections import MongoProjectionCatalog

PUBLIC_FIELDS = (
    "title",
    "abstract",
    "field",
    "sub_field",
    "keywords",
    "trl",
    "achievement_type",
    "ip_items",
    "transfer_modes",
    "holder_name",
    "institution",
    "application_scenarios",
    "market_prospects",
    "competitor_comparison",
)


def _breakdown(
    buckets: dict[str, Any], names: dict[str, tuple[str, str]] | None = None
) -> list[dict[str, Any]]:
    rows = []
    for key in sorted(buckets):
        stages = buckets[key]
        row: dict[str, Any] = {"key": key}
        if names is not None:
            zh, en = names.get(key, (key, key))
            row["name_zh"], row["name_en"] = zh, en
        row["counts"] = {s.value: int(stages.get(s.value, {}).get("n", 0)) for s in STAGES}
        row["amounts_wan"] = {s.value: str(stages.get(s.value, {}).get("wan", "0")) for s in STAGES}
        rows.append(row)
    return rows


FIELD_LABELS = {f.value: (n["zh"], n["en"]) for f, n in FIELD_NAMES.items()} | {
    "unknown": ("未分类", "Unclassified")
}


def overview_of(document: dict[str, Any], region: str | None) -> dict[str, Any]:
    """The overview's figures from one scope's counter document."""
    return {
        "scope": document["scope"],
        "region": region,
        "region_name_zh": province_name(region) if region else "全国",
        "region_name_en": province_name(region, "en") if region else "National",
        "funnel": funnel(document["stages"]),
        "by_province": _breakdown(document["by_region"], PROVINCES),
        "by_field": _breakdown(document["by_field"], FIELD_LABELS),
        "by_year": _breakdown(document["by_year"]),
        "by_host": _breakdown(document["by_host"]),
    }


class DashboardQueries:
    def __init__(self, database: AsyncDatabase[dict[str, Any]], catalog: MongoProjectionCatalog):
        self._database = database
        self._catalog = catalog

    async def _collection(self, name: str) -> AsyncCollection[dict[str, Any]]:
        generation = await self._catalog.active_cached(READ_MODEL)
        return self._database[collection_name(name, generation.number)]

    async def overview(self, region: str | None) -> dict[str, Any]:
        """``region`` None: the nation (every province the deployment hears from)."""
        scope = scope_id(region)
        counters = await self._collection(COUNTERS)
        document = await counters.find_one({"_id": scope}, {"cells": 0, "_marks": 0})
        if document is None:
            document = empty_counters(scope)
        return overview_of(document, region)

    async def upcoming_roadshows(
        self, region: str | None, today: date, limit: int = 50
    ) -> list[dict[str, Any]]:
        roadshows = await self._collection("roadshows")
        query: dict[str, Any] = {"event_date": {"$gte": today.isoformat()}}
        if region is not None:
            query["province"] = region
        cursor = roadshows.find(query).sort("event_date", 1).limit(limit)
        return [_public_roadshow(d) async for d in cursor]

    async def roadshow(self, roadshow_id: str) -> dict[str, Any] | None:
        roadshows = await self._collection("roadshows")
        document = await roadshows.find_one({"_id": roadshow_id})
        return _public_roadshow(document) if document and "title" in document else None

    async def hosts(self, region: str | None, year: int | None = None) -> list[dict[str, Any]]:
        hosts = await self._collection("hosts")
        query: dict[str, Any] = {} if year is None else {"year": year}
        rows = []
        async for document in hosts.find(query).sort("year", -1):
            for host in document.get("hosts", []):
                if region is None or host["province"] == region:
                    rows.append({"year": document["year"], **host})
        return rows

    async def attention_cases(self, region: str | None, limit: int = 200) -> list[dict[str, Any]]:
        cases = await self._collection("cases")
        query: dict[str, Any] = {"attention": True}
        if region is not None:
            query["province"] = region
        rows = []
        async for document in cases.find(query).limit(limit):
            document["case_id"] = document.pop("_id")
            document.pop("_versions", None)
            document.pop("updated_at", None)
            rows.append(document)
        rows.sort(key=lambda c: (-int(c.get("days_overdue", 0)), str(c.get("title"))))
        return rows

    async def search_achievements(
        self, text: str, field: str | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[int, list[dict[str, Any]]]:
        achievements = await self._collection("achievements")
        query: dict[str, Any] = {"published": True}
        words = [w for w in text.lower().split() if w][:5]
        if words:
            query["$and"] = [{"search_text": {"$regex": re.escape(w)}} for w in words]
        if field:
            query["details.field"] = field
        total = await achievements.count_documents(query)
        cursor = achievements.find(query).sort("published_at", -1).skip(offset).limit(limit)
        return total, [_public_achievement(d) async for d in cursor]

    async def achievement(self, achievement_id: str) -> dict[str, Any] | None:
        achievements = await self._collection("achievements")
        document = await achievements.find_one({"_id": achievement_id, "published": True})
        return _public_achievement(document) if document else None


def _public_roadshow(document: dict[str, Any]) -> dict[str, Any]:
    fields = [
        {"code": f, "zh": FIELD_LABELS.get(f, (f, f))[0], "en": FIELD_LABELS.get(f, (f, f))[1]}
        for f in document.get("fields", [])
    ]
    return {
        "id": document["_id"],
        "title": document.get("title", ""),
        "year": document.get("year"),
        "host_id": document.get("host_id", ""),
        "province": document.get("province", ""),
        "province_zh": province_name(document.get("province", "")),
        "province_en": province_name(document.get("province", ""), "en"),
        "event_date": document.get("event_date", ""),
        "venue": document.get("venue", ""),
        "format": document.get("format", ""),
        "fields": fields,
        "capacity": document.get("capacity", 0),
        "registered": document.get("registered", 0),
        "registration_open": bool(document.get("registration_open")),
        "closes_on": document.get("closes_on"),
        "status": document.get("status", ""),
        "agenda": document.get("agenda", []),
        "pitches": document.get("pitches", []),
        "livestream_url": document.get("livestream_url"),
    }


def _public_achievement(document: dict[str, Any]) -> dict[str, Any]:
    details = document.get("details", {})
    field = str(details.get("field") or "")
    try:
        names = FIELD_NAMES[IndustryField(field)]
    except ValueError:
        names = {"zh": field, "en": field}
    return {
        "id": document["_id"],
        **{k: details[k] for k in PUBLIC_FIELDS if k in details},
        "field_zh": names["zh"],
        "field_en": names["en"],
        "province": document.get("region", ""),
        "province_zh": province_name(document.get("region", "")),
        "published_at": document.get("published_at"),
    }
