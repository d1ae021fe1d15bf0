"""What the dashboard's pages and API read: small reads of the active generation's collections."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from dashboard.adapters.counters import CounterReader, MongoCounterStore
from dashboard.adapters.readmodel import COUNTERS, READ_MODEL, collection_name
from dashboard.domain.funnel import STAGES, YEAR, empty_counters, funnel, list_id, scope_id
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


def calendar_of(document: dict[str, Any], today: date, limit: int = 50) -> list[dict[str, Any]]:
    """Roadshows from ``today`` on, soonest first."""
    rows = [
        r for r in document.get("calendar", {}).values() if r["event_date"] >= today.isoformat()
    ]
    rows.sort(key=lambda r: (r["event_date"], r["title"]))
    return [
        {
            **r,
            "province_zh": province_name(r["province"]),
            "province_en": province_name(r["province"], "en"),
            "fields": [
                {
                    "code": f,
                    "zh": FIELD_LABELS.get(f, (f, f))[0],
                    "en": FIELD_LABELS.get(f, (f, f))[1],
                }
                for f in r.get("fields", [])
            ],
        }
        for r in rows[:limit]
    ]


def hosts_of(document: dict[str, Any], year: int | None = None) -> list[dict[str, Any]]:
    """The hosts of each year (latest year first) and where their year-end summary stands."""
    rows = [
        {
            "name": r["host_id"],
            "kind": "",
            "summary": "not_started",
            "summary_overdue": False,
            **r,
        }
        for r in document.get("hosts", {}).values()
        if year is None or r["year"] == year
    ]
    rows.sort(key=lambda r: (-int(r["year"]), r["province"], r["name"]))
    return rows


def attention_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Tracking cases overdue or stalled, the longest overdue first."""
    rows = [
        {"overdue": False, "stalled": False, "days_overdue": 0, **r}
        for r in document.get("attention", {}).values()
    ]
    rows.sort(key=lambda r: (-int(r["days_overdue"]), str(r["title"])))
    return rows


class DashboardQueries:
    def __init__(self, database: AsyncDatabase[dict[str, Any]], catalog: MongoProjectionCatalog):
        self._database = database
        self._catalog = catalog

    async def _collection(self, name: str) -> AsyncCollection[dict[str, Any]]:
        generation = await self._catalog.active_cached(READ_MODEL)
        return self._database[collection_name(name, generation.number)]

    async def _counters(self) -> CounterReader:
        return MongoCounterStore(await self._collection(COUNTERS))

    def today(self) -> date:
        """The day the figures are of: today, or the day of the moment asked about."""
        return date.today()

    async def scope(
        self, region: str | None, today: date | None = None, year: int | None = None
    ) -> dict[str, Any]:
        """What the overview page shows of a scope (``region`` None: the nation), in three reads
        by _id at once: the counters with the cases needing attention, and the documents of this
        year and the next (the calendar; the hosts of ``year``, default this year)."""
        today = today or self.today()
        store = await self._counters()
        years = sorted({today.year, today.year + 1, year or today.year})
        ids = [scope_id(region), *(list_id(region, YEAR, str(y)) for y in years)]
        found = await store.load(ids)
        document = found.get(ids[0]) or empty_counters(ids[0])
        by_year = {y: found.get(list_id(region, YEAR, str(y)), {}) for y in years}
        document["calendar"] = {
            **by_year[today.year].get("calendar", {}),
            **by_year[today.year + 1].get("calendar", {}),
        }
        document["hosts"] = by_year[year or today.year].get("hosts", {})
        document.setdefault("attention", {})
        return document

    async def overview(self, region: str | None) -> dict[str, Any]:
        store = await self._counters()
        document = await store.get(scope_id(region)) or empty_counters(scope_id(region))
        return overview_of(document, region)

    async def upcoming_roadshows(
        self, region: str | None, today: date, limit: int = 50
    ) -> list[dict[str, Any]]:
        return calendar_of(await self.scope(region, today), today, limit)

    async def hosts(self, region: str | None, year: int | None = None) -> list[dict[str, Any]]:
        return hosts_of(await self.scope(region, year=year), year)

    async def attention_cases(self, region: str | None) -> list[dict[str, Any]]:
        return attention_of(await self.scope(region))

    async def roadshow(self, roadshow_id: str) -> dict[str, Any] | None:
        roadshows = await self._collection("roadshows")
        document = await roadshows.find_one({"_id": roadshow_id})
        return _public_roadshow(document) if document and "title" in document else None

    async def public_notices(self, limit: int = 20) -> list[dict[str, Any]]:
        notices = await self._collection("notices")
        cursor = notices.find({"public": True}).sort("published_at", -1).limit(limit)
        return [_public_notice(d) async for d in cursor]

    async def notice(self, notice_id: str) -> dict[str, Any] | None:
        notices = await self._collection("notices")
        document = await notices.find_one({"_id": notice_id, "public": True})
        return _public_notice(document) if document else None

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


class DashboardQueriesAsOf(DashboardQueries):
    """The figures' queries as of ``moment`` (时间回溯): the same code as the live ones, reading the
    counters rebuilt from the events up to then (``store``), with "today" the moment's own day in
    its own time zone (the calendar from then on, the hosts of that year). The portal's documents
    are not answered as of a moment."""

    def __init__(self, store: CounterReader, moment: datetime) -> None:
        self._store = store
        self.moment = moment

    async def _collection(self, name: str) -> AsyncCollection[dict[str, Any]]:
        raise LookupError(f"{name} is not answered as of a moment, only the figures are")

    async def _counters(self) -> CounterReader:
        return self._store

    def today(self) -> date:
        return self.moment.date()


def _public_notice(document: dict[str, Any]) -> dict[str, Any]:
    published = document.get("published_at")
    return {
        "id": document["_id"],
        "title": document.get("title", ""),
        "body": document.get("body", ""),
        "title_en": document.get("title_en") or document.get("title", ""),
        "body_en": document.get("body_en") or document.get("body", ""),
        "province": document.get("province", ""),
        "published_on": published.date().isoformat() if published else "",
    }


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
