"""The programme's funnel as the dashboard counts it, and the counters it keeps.

Pure: facts in, counter documents out. A *fact* is one step of one project through the funnel
(collected → admitted → longlisted → on stage → intents → signed → landed → industrialised), with
where it happened (province), when (year), in which field, at which host, and an amount in 万元.
The counters are kept pre-added in one document per scope — each province, and the nation — so the
overview is one small read whatever the size of the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    COLLECTED = "collected"
    ADMITTED = "admitted"
    LONGLISTED = "longlisted"
    ON_STAGE = "on_stage"
    INTENTS = "intents"
    SIGNED = "signed"
    LANDED = "landed"
    INDUSTRIALISED = "industrialised"


STAGES = tuple(Stage)
STAGE_NAMES: dict[Stage, dict[str, str]] = {
    Stage.COLLECTED: {"zh": "征集", "en": "Collected"},
    Stage.ADMITTED: {"zh": "入库", "en": "Admitted"},
    Stage.LONGLISTED: {"zh": "初筛", "en": "Longlisted"},
    Stage.ON_STAGE: {"zh": "路演", "en": "On stage"},
    Stage.INTENTS: {"zh": "对接意向", "en": "Intents"},
    Stage.SIGNED: {"zh": "签约", "en": "Signed"},
    Stage.LANDED: {"zh": "落地", "en": "Landed"},
    Stage.INDUSTRIALISED: {"zh": "产业化", "en": "Industrialised"},
}
UNKNOWN = "unknown"
NATIONAL = "national"


@dataclass(frozen=True)
class Entry:
    """A row of one of a scope's lists — ``calendar`` (roadshows by date), ``hosts`` (the year's
    hosts and their summaries), ``attention`` (tracking cases overdue or stalled) — set, merged
    into what is there, or removed (``values`` None)."""

    list_name: str
    region: str
    key: str
    values: dict[str, Any] | None
    merge: bool = False
    bucket: str = "all"  # lists are split by year, so that a page reads only what it shows


@dataclass(frozen=True)
class Fact:
    """One project's step through the funnel; ``count`` is -1 when a step is taken back (a
    candidate removed from a longlist)."""

    stage: Stage
    region: str
    year: int
    field: str = UNKNOWN
    host: str = ""
    count: int = 1
    amount_wan: Decimal = Decimal(0)


def scope_id(region: str | None) -> str:
    """The counter document of a province, or of the nation (``None``)."""
    return NATIONAL if region is None else f"province:{region}"


LISTS = ("calendar", "hosts", "attention")
CELLS = "cells"
YEAR = "year"  # a scope's calendar and hosts of one year share a document


def list_id(region: str | None, list_name: str, bucket: str) -> str:
    return f"{scope_id(region)}|{list_name}|{bucket}"


def cells_id(region: str) -> str:
    return f"{scope_id(region)}|{CELLS}"


def targets(item: Fact | Entry) -> tuple[str, ...]:
    """The documents an item changes: a fact, its province's and the nation's counters and the
    province's fine cells; an entry, the province's and the nation's document of its list (the
    counters' own for cases needing attention, the year's for the calendar and the hosts)."""
    if isinstance(item, Fact):
        return scope_id(item.region), scope_id(None), cells_id(item.region)
    if item.list_name == "attention":
        # Few rows, always shown: kept with the counters, read with them.
        return scope_id(item.region), scope_id(None)
    return list_id(item.region, YEAR, item.bucket), list_id(None, YEAR, item.bucket)


def empty_document(target: str) -> dict[str, Any]:
    parts = target.split("|")
    if len(parts) == 1:
        return empty_counters(target)
    return {"scope": parts[0], parts[1]: {}} if parts[1] == CELLS else {"scope": parts[0]}


def apply_item(document: dict[str, Any], target: str, item: Fact | Entry) -> None:
    if isinstance(item, Entry):
        apply_entry(document, item)
    elif target.endswith(f"|{CELLS}"):
        cell = f"{item.year}|{item.field}|{item.host or '-'}"
        _add(document[CELLS].setdefault(cell, {}), item.stage.value, item.count, item.amount_wan)
    else:
        add_fact(document, item)


def empty_counters(scope: str) -> dict[str, Any]:
    return {
        "scope": scope,
        "stages": {},
        "by_region": {},
        "by_year": {},
        "by_field": {},
        "by_host": {},
    }


def _add(bucket: dict[str, Any], stage: str, count: int, amount: Decimal) -> None:
    value = bucket.setdefault(stage, {"n": 0, "wan": "0"})
    value["n"] = int(value["n"]) + count
    value["wan"] = str(Decimal(value["wan"]) + amount)


def add_fact(document: dict[str, Any], fact: Fact) -> None:
    """Add one fact to a scope's counters, in place: the totals and each dimension on its own."""
    stage, n, wan = fact.stage.value, fact.count, fact.amount_wan
    _add(document["stages"], stage, n, wan)
    _add(document["by_region"].setdefault(fact.region, {}), stage, n, wan)
    _add(document["by_year"].setdefault(str(fact.year), {}), stage, n, wan)
    _add(document["by_field"].setdefault(fact.field, {}), stage, n, wan)
    if fact.host and document["scope"] != NATIONAL:
        # Hosts are a province's business; the nation's document stays small.
        _add(document["by_host"].setdefault(fact.host, {}), stage, n, wan)


def apply_entry(document: dict[str, Any], entry: Entry) -> None:
    rows: dict[str, Any] = document.setdefault(entry.list_name, {})
    if entry.values is None:
        rows.pop(entry.key, None)
    elif entry.merge and entry.key in rows:
        rows[entry.key].update(entry.values)
    else:
        rows[entry.key] = dict(entry.values)


def funnel(stages: dict[str, Any]) -> list[dict[str, Any]]:
    """The eight steps in order, zero where nothing happened yet."""
    rows = []
    for stage in STAGES:
        value = stages.get(stage.value, {"n": 0, "wan": "0"})
        rows.append(
            {
                "stage": stage.value,
                "name_zh": STAGE_NAMES[stage]["zh"],
                "name_en": STAGE_NAMES[stage]["en"],
                "count": int(value["n"]),
                "amount_wan": format(Decimal(value["wan"]).normalize(), "f"),
            }
        )
    return rows
